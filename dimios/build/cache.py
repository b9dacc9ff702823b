"""The section cache: ``<out>/.cache/<key>/`` holds a section's executed notebook and tables,
keyed by its notebook, parameters, the package code and the input data, and valid while the
content files it read are unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from dimios import paths
from dimios.build.fingerprint import ContentFiles, file_sha256
from dimios.sections import Section

CACHE_DIR = ".cache"
PATH_PARAMETERS = ("output_dir", "data", "careless_truth")  # differ between builds; not part of keys


def section_parameters(section: Section, user: dict, build_paths: dict | None = None) -> dict:
    """A section's parameters: the build's paths (``data``, ``output_dir``, ``careless_truth``; left
    out of cache keys), the user's and the section's own values, limited to the names the
    notebook's parameters cell declares (papermill would warn about others)."""
    from dimios.sections import notebook_parameters

    declared = notebook_parameters(section.notebook)
    params = dict(build_paths or {})
    params.update({"section": section.id, "exclude_careless": False, "privacy_threshold": None, "years": None,
                   "organisation": ""})
    params.update(user)
    params.update(section.parameters)
    return {k: v for k, v in params.items() if k in declared}


def cache_key(section: Section, params: dict, fingerprint: str, data_hash: str) -> str:
    """Key of a section's cache entry: its notebook (file and content), parameters, code and data."""
    params = {k: v for k, v in params.items() if k not in PATH_PARAMETERS}
    nb_path = paths.NOTEBOOKS / section.notebook
    nb_hash = file_sha256(nb_path) if nb_path.exists() else None
    blob = json.dumps({"nb": section.notebook, "nb_sha": nb_hash, "id": section.id, "params": params,
                       "code": fingerprint, "data": data_hash}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class Cache:
    """``<out>/.cache/<key>/``: the executed notebook (report folder as a placeholder), its tables
    and ``entry.json`` (the content files it read, with their hashes, and its run time)."""

    def __init__(self, root: Path):
        self.root = root

    def lookup(self, key: str, content: ContentFiles) -> Path | None:
        entry = self.root / key
        try:
            meta = json.loads((entry / "entry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (entry / "notebook.ipynb").exists() or not content.unchanged(meta.get("deps", {})):
            return None
        return entry

    def store(self, key: str, notebook_text: str, tables: Path, deps: dict, seconds: float) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=self.root))
        (tmp / "notebook.ipynb").write_text(notebook_text, encoding="utf-8")
        if tables.exists():
            shutil.copytree(tables, tmp / "tables")
        else:
            (tmp / "tables").mkdir()
        (tmp / "entry.json").write_text(json.dumps({"deps": deps, "seconds": round(seconds, 2)}, indent=1,
                                                   sort_keys=True), encoding="utf-8")
        final = self.root / key
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)

    def seconds(self) -> dict[str, float]:
        try:
            return json.loads((self.root / "timings.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_seconds(self, seconds: dict[str, float]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        known = self.seconds()
        known.update(seconds)
        (self.root / "timings.json").write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")

    def prune(self, keep: set[str], limit: int) -> None:
        """Keep this build's entries and the most recently used others, ``limit`` entries in all."""
        if not self.root.exists():
            return
        entries = []
        for p in self.root.iterdir():
            if p.name in keep or p.name == "timings.json":
                continue
            if p.is_dir() and (p / "entry.json").exists() and not p.name.startswith("."):
                entries.append((p.stat().st_mtime, p))
            else:  # unfinished entries and the cache layout of older versions
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        entries.sort(reverse=True)
        for _, p in entries[max(0, limit - len(keep)):]:
            shutil.rmtree(p, ignore_errors=True)
