"""What a build of the default report costs, measured in one run on one machine (issue 15).

Usage: .venv/bin/python benchmarks/bench_build.py [--jobs N] [--skip-naive] [--quarto]

Prints, on the default data and the nbconvert path (no Quarto):

- naive loop: ``--no-cache --jobs 1`` with a fresh kernel per notebook, each notebook
  validating the data again (the build before its speed-ups);
- cold build: ``--no-cache`` as a user runs it (warm kernels, data prepared once);
- in-process limit: every section's notebook code executed in one Python process, no
  kernels, no papermill, no assembly (imports included);
- no-op rebuild: ``dimios build`` again with nothing changed;
- one-ladder rebuild: after editing the text of ``data/ladders/rykte.yml`` (one sentence of
  a level's description, a different one each time; restored afterwards): the ladder's chapter
  and the chapters that quote it change;
- with ``--quarto`` (Quarto on PATH, TeX for the PDF), side by side in the same run: the cold
  build with Quarto (HTML + PDF) and its parts (execution, the PDF, the HTML book), the
  one-ladder rebuild with the PDF, and the edit loop without it (``--no-pdf``): the first
  ``--no-pdf`` rebuild after a build with the PDF renders the whole HTML book (the download
  link leaves every page), the next ones only the chapters that changed;
- peak memory: the largest sum of resident memory of the build process and its kernels.

Every build runs as its own process (``dimios build`` or an equivalent ``python -c``) into a
temporary folder; the machine's load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from dimios import paths

GOALS = {"cold_vs_limit": 2.0, "noop_s": 1.5, "ladder_s": 5.0, "peak_gb": 2.0}


def _measure(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; wall seconds, peak memory (GB) of its process tree, stderr."""
    peak = 0
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DIMIOS_TIMINGS": "1"})
    done = threading.Event()

    def sample():
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            done.wait(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return wall, peak / 2**30, stderr


def _cli(out: Path, *extra: str, quarto: bool = False) -> list[str]:
    return [sys.executable, "-m", "dimios.cli", "build", "--out", str(out), *([] if quarto else ["--no-quarto"]),
            *extra]


EDITED = b"att samarbeta med."   # in level 1's description of rykte.yml


def _edit(ladder: Path, original: bytes, n: int) -> None:
    """A different sentence each time (every edit changes the report's text)."""
    if original.count(EDITED) != 1:
        raise SystemExit(f"{ladder}: the benchmark's edit expects {EDITED.decode()!r} once")
    ladder.write_bytes(original.replace(EDITED, EDITED + f" Redigerad av benchmark ({n}).".encode()))


def _api(out: Path, **options) -> list[str]:
    code = ("import sys; from pathlib import Path; from dimios import build; "
            f"build.build(build.BuildOptions(out=Path({str(out)!r}), quarto=None, use_cache=False, "
            f"command_line='bench', progress=False, **{options!r}))")
    return [sys.executable, "-c", code]


IN_PROCESS = r'''
import contextlib, io, json, os, sys, time
t0 = time.perf_counter()
from pathlib import Path
import nbformat
from dimios import build, context, engine, io as dio, paths, sections, synthetic
import gc, importlib
for name in engine.WARM_MODULES:  # as a warm kernel: the stack imported, then out of the collector's sight
    importlib.import_module(name)
gc.collect()
gc.freeze()
work = Path(sys.argv[1])
data_path = synthetic.ensure_default_panel()
result = dio.read_responses(data_path)
dio.write_responses(result.data, work / "responses.parquet")
context.save_prepared(context.load(work / "responses.parquet"), work / "responses.parquet")
build_paths = {"data": str(work / "responses.parquet"), "careless_truth": str(build._truth_path(data_path)),
               "output_dir": str(work / "tables")}
code = {}
for s in sections.sections():
    params = build.section_parameters(s, {}, build_paths)
    if s.notebook not in code:
        nb = nbformat.read(paths.NOTEBOOKS / s.notebook, as_version=4)
        code[s.notebook] = [c.source for c in nb.cells if c.cell_type == "code"]
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for i, src in enumerate(code[s.notebook]):
            exec(compile(src, s.notebook, "exec"), ns)
            if i == 0:  # the parameters cell, then the build's values (as papermill injects them)
                ns.update(params)
print(json.dumps({"seconds": time.perf_counter() - t0}))
'''


def _rendered(stderr: str) -> str:
    """What Quarto rendered, from the build's note."""
    line = next((x for x in stderr.splitlines() if x.startswith("note: Quarto: ")), None)
    return line.removeprefix("note: Quarto: ").split(",")[0] if line else "whole HTML book"


def _quarto_parts(stderr: str) -> dict[str, float]:
    """The build's own timing of its steps (``DIMIOS_TIMINGS=1``: one ``timing:`` line a step)."""
    parts = {}
    for line in stderr.splitlines():
        m = re.match(r"timing: (.+) ([0-9.]+)s \(ended at [0-9.]+s\)$", line)
        if m:
            parts[m.group(1)] = float(m.group(2))
    return parts


def _editions(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if x.startswith(("built", "report up to date"))]
    return lines[-1].split("editions: ")[1].split(";")[0] if lines and "editions: " in lines[-1] else "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=None, help="workers of the cold build (default: the build's)")
    ap.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive loop")
    ap.add_argument("--quarto", action="store_true", help="also the builds with Quarto (needs quarto on PATH)")
    args = ap.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    load0 = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="dimios-bench-"))
    ladder = paths.LADDERS / "rykte.yml"
    original = ladder.read_bytes()
    rows = []
    try:
        subprocess.run([sys.executable, "-c", "from dimios import synthetic; synthetic.ensure_default_panel()"],
                       cwd=paths.ROOT, check=True)
        if not args.skip_naive:
            naive, naive_mem, _ = _measure(_api(tmp / "naive", engine="fresh", prepared_data=False, jobs=1))
            rows.append(("naive loop (fresh kernel per notebook, --jobs 1)", naive, naive_mem))
        cold, cold_mem, stderr = _measure(_cli(tmp / "report", "--no-cache", *jobs))
        rows.append(("cold build (--no-cache)", cold, cold_mem))
        (tmp / "work").mkdir()
        res = subprocess.run([sys.executable, "-c", IN_PROCESS, str(tmp / "work")], cwd=paths.ROOT,
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"in-process run failed:\n{res.stderr[-3000:]}")
        limit = json.loads(res.stdout.strip().splitlines()[-1])["seconds"]
        rows.append(("in-process limit (one process, no kernels)", limit, None))
        noop, noop_mem, noop_err = _measure(_cli(tmp / "report"))
        assert "report up to date" in noop_err, noop_err
        rows.append(("no-op rebuild", noop, noop_mem))
        _edit(ladder, original, 1)
        one, one_mem, one_err = _measure(_cli(tmp / "report"))
        rows.append(("one-ladder rebuild (rykte.yml)", one, one_mem))
        if args.quarto:
            if not shutil.which("quarto"):
                raise SystemExit("--quarto: quarto is not on PATH")
            ladder.write_bytes(original)
            q_cold, q_mem, q_err = _measure(_cli(tmp / "quarto", "--no-cache", quarto=True))
            rows.append((f"cold build with Quarto ({_editions(q_err)})", q_cold, q_mem))
            for part, secs in _quarto_parts(q_err).items():
                if not part.startswith(("kernel ", "assembly")):  # the kernels overlap the data; assembly = PDF + HTML
                    rows.append((f"  of which {part}", secs, None))
            _edit(ladder, original, 2)
            q_one, q_one_mem, q_one_err = _measure(_cli(tmp / "quarto", quarto=True))
            rows.append((f"one-ladder rebuild with Quarto ({_editions(q_one_err)})", q_one, q_one_mem))
            _edit(ladder, original, 3)
            q_nopdf, q_nopdf_mem, q_nopdf_err = _measure(_cli(tmp / "quarto", "--no-pdf", quarto=True))
            rows.append((f"first one-ladder rebuild --no-pdf ({_rendered(q_nopdf_err)})", q_nopdf, q_nopdf_mem))
            for n in (4, 5):
                _edit(ladder, original, n)
                q_loop, q_loop_mem, q_loop_err = _measure(_cli(tmp / "quarto", "--no-pdf", quarto=True))
                rows.append((f"one-ladder rebuild --no-pdf, edit loop ({_rendered(q_loop_err)})", q_loop,
                             q_loop_mem))
    finally:
        ladder.write_bytes(original)
        shutil.rmtree(tmp, ignore_errors=True)
    load1 = os.getloadavg()

    cores = len(os.sched_getaffinity(0))
    print(f"machine: {cores} cores, {psutil.virtual_memory().total / 2**30:.1f} GB; load average "
          f"{load0[0]:.1f} before, {load1[0]:.1f} after")
    print(f"{'what':68s} {'seconds':>8s} {'peak GB':>8s}")
    for name, secs, mem in rows:
        print(f"{name:68s} {secs:8.1f} {('' if mem is None else f'{mem:.2f}'):>8s}")
    summary = [x for x in stderr.splitlines() if x.startswith("built")]
    executed = [x for x in one_err.splitlines() if x.startswith("built")]
    print(f"cold build: {summary[-1] if summary else '?'}")
    print(f"one-ladder rebuild: {executed[-1] if executed else '?'}")
    print(f"ratios: cold / in-process limit = {cold / limit:.2f} (goal <= {GOALS['cold_vs_limit']:g}); "
          + (f"naive / cold = {naive / cold:.2f}; " if not args.skip_naive else "")
          + f"no-op {noop:.2f} s (goal <= {GOALS['noop_s']:g} s); one-ladder {one:.2f} s "
          f"(goal <= {GOALS['ladder_s']:g} s); peak memory {cold_mem:.2f} GB (goal <= {GOALS['peak_gb']:g} GB)")


if __name__ == "__main__":
    main()
