"""The data, read, validated and prepared once, kept between builds (``<out>/.cache/prepared/``).

Reading and validating the respondent file and computing the organisation scores every
notebook starts from costs a few seconds, the largest part of a rebuild after one ladder edit.
When the data file, the column mapping, the parameters that shape the prepared data and the
package's code are the ones of an earlier build, that build's working copy is used again: its
typed responses (``responses.parquet``), the prepared context (``dimios.context.save_prepared``)
and what the reading said (its notes, the number of rows, the years).

Like the section cache it cannot lie: an entry is used only when every file it holds has the
sha256 recorded when it was stored and every content file (instrument, reference tables) read
while preparing is unchanged; otherwise the data is read again. Only the newest entries are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dimios.build.cache import PREPARED_MEMO as FOLDER  # <out>/.cache/prepared/<key>/
from dimios.build.fingerprint import ContentFiles, file_sha256

RECORD = "entry.json"
KEEP = 3                # entries kept (e.g. the default data with and without -P years)


@dataclass
class PreparedData:
    """What the build needs of the data besides the working copy itself."""
    rows: int
    notes: list[str]
    years: list[int]
    reads: list[str] = field(default_factory=list)   # content files read while preparing


def prepared_key(key_data: str, chosen: dict, fingerprint: str) -> str:
    """Key of an entry: the data (file, mapping, careless truth), the parameters applied to it and
    the package's code."""
    blob = json.dumps({"data": key_data, "parameters": chosen, "code": fingerprint}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class PreparedCache:
    def __init__(self, cache_root: Path):
        self.root = cache_root / FOLDER

    def restore(self, key: str, work_data: Path, content: ContentFiles) -> PreparedData | None:
        """Copy the entry's working copy to ``work_data`` (and its prepared context beside it) and
        return what the reading said; None when there is no entry that can be trusted."""
        entry = self.root / key
        try:
            record = json.loads((entry / RECORD).read_text(encoding="utf-8"))
            files, deps = record["files"], record["deps"]
            if not isinstance(files, dict) or not files or not content.unchanged(deps):
                return None
            if any(file_sha256(entry / name) != sha for name, sha in files.items()):
                return None
            for name in files:
                # copy2 keeps the modification time the prepared context records of the working copy
                shutil.copy2(entry / name, work_data.with_name(name.replace("DATA", work_data.name)))
            info = record["data"]
            return PreparedData(int(info["rows"]), list(info["notes"]), [int(y) for y in info["years"]],
                                list(deps))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, work_data: Path, info: PreparedData, content: ContentFiles) -> None:
        """Keep this build's working copy (a memo only: when it cannot be stored, nothing is lost)."""
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".new-", dir=self.root))
            files = {}
            for path in sorted(work_data.parent.glob(work_data.name + "*")):
                name = path.name.replace(work_data.name, "DATA", 1)
                shutil.copy2(path, tmp / name)
                files[name] = file_sha256(tmp / name)
            record = {"files": files, "deps": content.record(info.reads),
                      "data": {"rows": info.rows, "notes": info.notes, "years": info.years}}
            (tmp / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
            shutil.rmtree(self.root / key, ignore_errors=True)
            os.replace(tmp, self.root / key)
            tmp = None
            self._prune(keep=key)
        except OSError:
            pass
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        entries = sorted((p for p in self.root.iterdir() if p.name != keep), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for p in entries[KEEP - 1:] + [p for p in entries if p.name.startswith(".")]:
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
