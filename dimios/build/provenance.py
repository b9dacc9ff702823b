"""``provenance.json``: the input, the parameters, every section's parameters, the versions and
the commit a report was built from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dimios import paths
from dimios.build.cache import PATH_PARAMETERS
from dimios.build.fingerprint import versions
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
        "versions": versions(),
        "git_commit": _git_commit(),
        "git_dirty": _git_dirty(),
        "command_line": opts.command_line,
    }


def write_provenance(record: dict, folder: Path) -> None:
    (folder / "provenance.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
