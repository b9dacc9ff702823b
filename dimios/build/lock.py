"""One build at a time per report folder, its private working folder, and clearing what an
interrupted or killed build left behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from dimios.build.cache import CACHE_DIR
from dimios.build.options import UsageError

LOCK_FILE = ".dimios-build.lock"
WORK_PREFIX = "dimios-work-"


class BuildLock:
    """One build at a time per report folder (an OS file lock: released when the process ends,
    however it ends). The lock file names the holder and its private working folder, so the
    next build can clear what a killed one left."""

    def __init__(self, out: Path):
        self.out = out
        self.path = out / LOCK_FILE
        self.fd: int | None = None
        self.previous: dict = {}

    def acquire(self) -> BuildLock:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_json_fd(fd)
            os.close(fd)
            who = "another build"
            if holder.get("pid"):
                who += f" (pid {holder['pid']}, started {holder.get('started', '?')})"
            raise UsageError(f"{who} is writing to {self.out}; wait for it to finish or choose another --out") \
                from None
        self.fd = fd
        self.previous = _read_json_fd(fd)
        self.record()
        return self

    def record(self, work: Path | None = None) -> None:
        info = {"pid": os.getpid(), "started": time.strftime("%H:%M"), "work": str(work) if work else None}
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)  # empty: the build ended (a killed build leaves its record)
            os.close(self.fd)
            self.fd = None


def _read_json_fd(fd: int) -> dict:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        return json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_work_dir(out: Path) -> Path:
    """The build's private working folder (mode 0700, in the system's temporary folder, never in the
    report folder), marked with its owner so that any later build can remove it if the owner was killed."""
    work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX))
    (work / "owner.json").write_text(json.dumps({"pid": os.getpid(), "out": str(out)}), encoding="utf-8")
    return work


def clear_leftovers(out: Path, previous: dict) -> list[str]:
    """Remove what an interrupted or killed build left; returns notes for the user."""
    notes = []
    work = previous.get("work")
    if work and Path(work).name.startswith(WORK_PREFIX) and Path(work).exists():
        shutil.rmtree(work, ignore_errors=True)
        notes.append(f"removed the working folder of an interrupted build (pid {previous.get('pid')})")
    for orphan in Path(tempfile.gettempdir()).glob(WORK_PREFIX + "*"):  # killed builds into other folders
        try:
            owner = json.loads((orphan / "owner.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            try:  # no owner recorded (older versions, or kernel files only): removed after a day
                if time.time() - orphan.stat().st_mtime > 86400:
                    shutil.rmtree(orphan, ignore_errors=True)
            except OSError:
                pass
            continue
        if isinstance(owner.get("pid"), int) and not _alive(owner["pid"]):
            shutil.rmtree(orphan, ignore_errors=True)
            notes.append(f"removed the working folder of a killed build (pid {owner['pid']}) into {owner.get('out')}")
    for backup in sorted(out.glob(".previous-*")):  # a swap cut short: put the previous report back
        for item in backup.iterdir():
            if not (out / item.name).exists():
                os.replace(item, out / item.name)
        shutil.rmtree(backup, ignore_errors=True)
    # half-copied items of a swap across file systems; staging folders of versions that staged in ``out``
    staged = [p for pattern in (".incoming-*", ".build-*") for p in out.glob(pattern) if p.is_dir()]
    for p in staged:
        shutil.rmtree(p, ignore_errors=True)
    if staged:
        notes.append(f"removed {len(staged)} unfinished build folder(s) from {out}")
    for unfinished in (out / CACHE_DIR).glob(".new-*"):  # a cache entry whose storing was cut short
        shutil.rmtree(unfinished, ignore_errors=True)
    legacy = out / ".work" / "responses.parquet"  # respondent data of builds before the private folder
    if legacy.exists():
        legacy.unlink()
        notes.append(f"removed respondent-level data left in {legacy.parent}")
    return notes
