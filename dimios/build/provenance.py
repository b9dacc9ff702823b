"""``provenance.json``: the input, the parameters, every section's parameters, the versions, the
pipeline's version, the lock and the BLAS, and the commit a report was built from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from dimios import paths
from dimios.build.cache import PATH_PARAMETERS
from dimios.build.fingerprint import file_sha256, versions
from dimios.build.options import BuildOptions
from dimios.sections import Section


def _git_commit() -> str | None:
    try:
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True, timeout=10)
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _git_dirty() -> bool | None:
    try:
        res = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                             capture_output=True, text=True, timeout=10)
        return bool(res.stdout.strip()) if res.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def lock_record() -> dict:
    """The lock the environment was installed from (uv.lock's sha256) and whether every installed
    package has the lock's version (False: built in another environment, e.g. `make test-latest`)."""
    lock = paths.ROOT / "uv.lock"
    if not lock.is_file():
        return {"file": "uv.lock", "sha256": None, "installed_as_locked": None}
    data = lock.read_bytes()
    differ = []
    for pkg in tomllib.loads(data.decode("utf-8")).get("package", []):
        if pkg["name"] == "dimios" or "version" not in pkg:
            continue
        try:
            got = metadata.version(pkg["name"])
        except metadata.PackageNotFoundError:
            continue  # not for this platform / extra
        if got != pkg["version"]:
            differ.append(f"{pkg['name']} {got} (lock {pkg['version']})")
    return {"file": "uv.lock", "sha256": file_sha256(lock), "installed_as_locked": not differ,
            **({"not_as_locked": differ} if differ else {})}


def blas_record() -> list[dict]:
    """The BLAS/LAPACK and OpenMP libraries numpy and scipy load here (threadpoolctl), with the
    kernel OpenBLAS chose for this CPU (``architecture``; ``OPENBLAS_CORETYPE`` overrides it)."""
    import numpy  # noqa: F401  (load the libraries threadpoolctl reports)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    keep = ("user_api", "internal_api", "version", "architecture", "threading_layer")
    out = []
    for lib in threadpool_info():
        rec = {k: lib.get(k) for k in keep if k in lib}
        path = Path(lib.get("filepath", ""))
        try:
            rec["library"] = str(path.relative_to(sys.prefix))
        except ValueError:
            rec["library"] = path.name
        out.append(rec)
    out.sort(key=lambda r: r["library"])
    core = os.environ.get("OPENBLAS_CORETYPE")
    return out + ([{"OPENBLAS_CORETYPE": core}] if core else [])


def pipeline_record() -> dict:
    from dimios import __version__

    return {"name": "dimios", "version": __version__, "cite": "CITATION.cff"}


def user_parameters_record(opts: BuildOptions, user: dict, kind: str) -> dict:
    """The parameters the user set, typed, and the organisation of an organisation report (provenance)."""
    given = {str(k).strip() for k in opts.parameters} | ({"organisation"} if kind == "organisation" else set())
    return {k: v for k, v in user.items() if k in given}


def provenance(opts: BuildOptions, kind: str, secs: list[Section], user: dict, params: dict, data_label: str,
               data_hash: str, rows: int, reading_notes: list) -> dict:
    return {
        "report": kind,
        "input": {"file": data_label, "sha256": data_hash, "rows": rows, "reading_notes": reading_notes},
        "parameters": user_parameters_record(opts, user, kind),
        "sections": [
            {"id": s.id, "notebook": f"notebooks/{s.notebook}", "title": s.title,
             "parameters": {k: v for k, v in params[s.id].items() if k not in PATH_PARAMETERS}}
            for s in secs
        ],
        "pipeline": pipeline_record(),
        "versions": versions(),
        "lock": lock_record(),
        "blas": blas_record(),
        "git_commit": _git_commit(),
        "git_dirty": _git_dirty(),
        "command_line": opts.command_line,
    }


def write_provenance(record: dict, folder: Path) -> None:
    # allow_nan=False: a non-finite number is refused here rather than written as bare NaN (not JSON)
    (folder / "provenance.json").write_text(json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                                            encoding="utf-8")
