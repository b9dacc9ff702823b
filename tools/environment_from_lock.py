"""Write environment.yml (conda-forge) with the versions of uv.lock: `make lock` runs it.

The conda environment gets the same direct dependencies as `make install` (pyproject.toml's
runtime packages and the `test` extra), each pinned to the version in uv.lock, plus Quarto
(which PyPI does not have). tests/test_setup.py checks that the two agree.
Standard library only (runs with the system python3 before any environment exists).
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# not (reliably) on conda-forge: installed by pip inside the conda environment
PIP_ONLY = ("factor-analyzer", "semopy")
EXTRAS = ("test",)


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def direct_dependencies() -> list[str]:
    """Normalised names of the runtime dependencies and the EXTRAS, in pyproject.toml's order."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in EXTRAS:
        reqs += project["optional-dependencies"][extra]
    return list(dict.fromkeys(_name(r) for r in reqs))


def locked_versions() -> dict[str, str]:
    """{normalised name: version} of every package in uv.lock (one version each)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for pkg in lock["package"]:
        name = pkg["name"].lower().replace("_", "-")
        if "version" not in pkg or name == "dimios":
            continue
        if name in out and out[name] != pkg["version"]:
            sys.exit(f"uv.lock has two versions of {name} ({out[name]}, {pkg['version']}): "
                     "environment.yml cannot pin one")
        out[name] = pkg["version"]
    return out


def render() -> str:
    versions = locked_versions()
    names = direct_dependencies()
    missing = [n for n in names if n not in versions]
    if missing:
        sys.exit("not in uv.lock: " + ", ".join(missing) + " (run `make lock`)")
    conda = [f"  - {n}=={versions[n]}" for n in names if n not in PIP_ONLY]
    pip = [f"      - {n}=={versions[n]}" for n in names if n in PIP_ONLY]
    return "\n".join([
        "# Conda environment (conda-forge) with the packages and versions of uv.lock (the lock that",
        "# `make report` and `make test` install), plus Quarto (which PyPI does not have).",
        "# Written by `make lock` (tools/environment_from_lock.py); tests/test_setup.py checks it.",
        "# Use: conda env create -f environment.yml",
        "name: dimios",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python>=3.11",
        "  - pip",
        "  - quarto",
        *conda,
        "  - pip:",
        "      # not (reliably) on conda-forge: from PyPI",
        *pip,
        "      - -e .",
        "",
    ])


if __name__ == "__main__":
    (ROOT / "environment.yml").write_text(render(), encoding="utf-8")
    print("environment.yml written from uv.lock")
