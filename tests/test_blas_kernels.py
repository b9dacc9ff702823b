"""No result depends on the BLAS kernel: the same seeded draws and the same printed numbers under
OPENBLAS_CORETYPE=Haswell and =Prescott (each in its own process: OpenBLAS reads the variable
when it loads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dimios import paths, printed, synthetic

slow = pytest.mark.slow
KERNELS = ("Haswell", "Prescott")


def _cpu_has_avx2() -> bool:
    try:
        return " avx2" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not (sys.platform == "linux" and _cpu_has_avx2()),
                                reason="needs Linux on an x86-64 CPU with AVX2 (OpenBLAS's Haswell kernel)")


def _env(kernel: str) -> dict:
    return {**os.environ, "OPENBLAS_CORETYPE": kernel, "PYTHONPATH": str(paths.ROOT)}


@pytest.fixture(scope="module")
def probes() -> dict:
    out = {}
    for kernel in KERNELS:
        res = subprocess.run([sys.executable, str(paths.ROOT / "tests" / "kernel_probe.py")], env=_env(kernel),
                             capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, res.stderr[-2000:]
        out[kernel] = json.loads(res.stdout)
    if out["Haswell"]["architecture"] == out["Prescott"]["architecture"]:
        pytest.skip(f"OPENBLAS_CORETYPE has no effect here ({out['Haswell']['architecture']})")
    return out


@slow
@pytest.mark.parametrize("what", ["panel_answers", "panel", "correlated_normals", "careless_simulation",
                                  "bootstrap", "parallel_draws", "parallel_printed"])
def test_seeded_results_are_the_same_on_both_kernels(probes, what):
    assert probes["Haswell"][what] == probes["Prescott"][what], f"{what} differs between the BLAS kernels"


@slow
def test_default_panel_on_both_kernels_is_the_published_one(probes):
    for kernel in KERNELS:
        assert probes[kernel]["panel"] == synthetic.default_panel_fingerprints()["sha256"], kernel


@slow
@pytest.mark.parametrize("kernel", KERNELS)
def test_default_report_prints_the_committed_numbers_on_each_kernel(kernel, tmp_path):
    """The whole default report built with the kernels' numpy/scipy (and notebook kernels) on the
    given BLAS kernel prints exactly fingerprints/printed_numbers.json."""
    out = tmp_path / "report"
    res = subprocess.run([sys.executable, "-m", "dimios.cli", "build", "--out", str(out), "--no-cache"],
                         env=_env(kernel), cwd=paths.ROOT, capture_output=True, text=True, timeout=3600)
    assert res.returncode == 0, res.stderr[-3000:]
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert {"OPENBLAS_CORETYPE": kernel} in prov["blas"]
    problems = printed.compare(printed.read_manifest(), printed.report_numbers(out))
    assert not problems, f"under OPENBLAS_CORETYPE={kernel}:\n  " + "\n  ".join(problems)
