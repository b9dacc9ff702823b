"""The section cache: ``<out>/.cache/<key>/`` holds a section's executed notebook and tables,
keyed by its notebook, parameters, the package code and the input data, and valid while the
content files it read are unchanged."""

from __future__ import annotations

import errno
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
HTML_MEMO = "html"   # <out>/.cache/html/: each rendered chapter of the nbconvert edition (dimios.html_book.ChapterMemo)
QUARTO_MEMO = "quarto"  # <out>/.cache/quarto/: Quarto's state after the last render (dimios.quarto_incremental)
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


class CacheStoreError(OSError):
    """A section's result could not be stored in the cache (e.g. the disk is full)."""


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in a few words (``shutil.Error``: its first file's reason)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        first = exc.args[0][0]
        text = str(first[-1]) if isinstance(first, tuple) else str(first)
        for errno_, words in OS_REASONS.items():
            if f"[Errno {errno_}]" in text:
                return words
        return text
    return OS_REASONS.get(exc.errno, exc.strerror or str(exc))


OS_REASONS = {errno.EACCES: "permission denied", errno.EROFS: "read-only file system",
              errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded"}


def _files(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder`` (relative POSIX path -> hash)."""
    return {f.relative_to(folder).as_posix(): file_sha256(f) for f in sorted(folder.rglob("*")) if f.is_file()}


class Cache:
    """``<out>/.cache/<key>/``: the executed notebook (report folder as a placeholder), its tables
    and ``entry.json`` (the content files it read, with their hashes, the sha256 of every file the
    entry holds, and its run time).

    An entry is used only when every file it holds is the one stored: an entry altered, truncated
    or damaged since is not used (``problems`` says why) and its section is executed again."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: dict[str, str] = {}   # key -> why its entry was not used

    def lookup(self, key: str, content: ContentFiles) -> Path | None:
        entry = self.root / key
        if not entry.is_dir():
            return None
        try:
            meta = json.loads((entry / "entry.json").read_text(encoding="utf-8"))
            deps, stored = meta["deps"], meta["files"]
            if not isinstance(deps, dict) or not isinstance(stored, dict):
                raise ValueError
        except (OSError, ValueError, KeyError, TypeError):
            self.problems[key] = "its record entry.json is missing or damaged"
            return None
        if not content.unchanged(deps):
            return None  # a content file it read changed: an ordinary miss
        try:
            found = _files(entry)
        except OSError as exc:
            self.problems[key] = f"it cannot be read ({os_reason(exc)})"
            return None
        found.pop("entry.json", None)
        if "notebook.ipynb" not in stored:
            self.problems[key] = "its record names no notebook"
            return None
        changed = sorted(set(stored) ^ set(found) | {f for f in stored.keys() & found.keys() if stored[f] != found[f]})
        if changed:
            more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
            self.problems[key] = f"{changed[0]}{more} changed since it was stored"
            return None
        return entry

    def store(self, key: str, notebook_text: str, tables: Path, deps: dict, seconds: float) -> None:
        """Store an entry (all or nothing: an unfinished one is removed); ``CacheStoreError`` when
        it cannot be written."""
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=self.root))
            (tmp / "notebook.ipynb").write_text(notebook_text, encoding="utf-8")
            if tables.exists():
                shutil.copytree(tables, tmp / "tables")
            else:
                (tmp / "tables").mkdir()
            record = {"deps": deps, "files": _files(tmp), "seconds": round(seconds, 2)}
            (tmp / "entry.json").write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
            final = self.root / key
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except OSError as exc:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise CacheStoreError(exc.errno, f"cannot store it in the cache {self.root} ({os_reason(exc)})") from exc

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
            if p.name in keep or p.name in ("timings.json", HTML_MEMO, QUARTO_MEMO):
                continue
            if p.is_dir() and (p / "entry.json").exists() and not p.name.startswith("."):
                entries.append((p.stat().st_mtime, p))
            else:  # unfinished entries and the cache layout of older versions
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        entries.sort(reverse=True)
        for _, p in entries[max(0, limit - len(keep)):]:
            shutil.rmtree(p, ignore_errors=True)
