"""Hashes a build decides by: of files, of the package's code and versions, and of the content
files (ladders, instrument, reference tables) a section read."""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

from dimios import paths

KEY_PACKAGES = ["dimios", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "factor_analyzer", "semopy",
                "scikit-learn", "papermill", "nbconvert", "pandera", "pyarrow"]
CONTENT_SUFFIXES = {".yml", ".yaml", ".csv", ".css", ".json", ".txt", ".md"}
CONTENT_ROOTS = [paths.LADDERS, paths.REFERENCE, paths.ROOT / "dimios"]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_sha_memo: dict[tuple, str] = {}


def sha_of_input(path: Path) -> str:
    """``file_sha256`` of an input file, computed once per size and modification time."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _sha_memo:
        _sha_memo[key] = file_sha256(path)
    return _sha_memo[key]


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def package_fingerprint() -> str:
    """Hash of the package's Python code and the versions it runs on (a change re-runs every section).

    Content files (ladders, instrument, reference tables) are not part of it: each cache entry
    records the ones its section read (``ContentFiles``)."""
    h = hashlib.sha256()
    for f in sorted((paths.ROOT / "dimios").rglob("*.py")):
        if "__pycache__" not in f.parts:
            h.update(str(f.relative_to(paths.ROOT)).encode())
            h.update(f.read_bytes())
    h.update(json.dumps(versions(), sort_keys=True).encode())
    return h.hexdigest()


class ContentFiles:
    """sha256 of the project's content files, computed once per build (relative path -> hash)."""

    def __init__(self):
        self._hashes: dict[str, str | None] = {}

    def sha(self, rel: str) -> str | None:
        if rel not in self._hashes:
            p = paths.ROOT / rel
            self._hashes[rel] = file_sha256(p) if p.is_file() else None
        return self._hashes[rel]

    @staticmethod
    def all() -> list[str]:
        """Every content file (the dependencies of a section whose reads were not recorded)."""
        out = []
        for root in CONTENT_ROOTS:
            for f in root.rglob("*"):
                if f.is_file() and f.suffix in CONTENT_SUFFIXES and "__pycache__" not in f.parts:
                    out.append(str(f.relative_to(paths.ROOT)))
        return sorted(out)

    def record(self, files: list[str]) -> dict:
        return {rel: self.sha(rel) for rel in files}

    def unchanged(self, deps: dict) -> bool:
        return all(self.sha(rel) == sha for rel, sha in deps.items())
