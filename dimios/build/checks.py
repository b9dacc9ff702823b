"""Checks of the command before any data is read (``--out``, ``--data``, ``--jobs``, ``-P``),
and of the years asked for once the data is read: each mistake is one ``UsageError`` line."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dimios import paths
from dimios.build.options import MANIFEST, PUBLISHED_ITEMS, BuildOptions, UsageError, note


def parse_parameter(text: str) -> tuple[str, str]:
    """``name=value`` from the command line (the value stays text; ``parse_parameters`` types it)."""
    if "=" not in text:
        raise UsageError(f"-P {text}: expected name=value, e.g. -P exclude_careless=true")
    name, raw = text.split("=", 1)
    if not name.strip():
        raise UsageError(f"-P {text}: the parameter name is missing")
    return name.strip(), raw


def check_out(out: Path) -> Path:
    """The report folder, created if needed; ``UsageError`` when it cannot be one."""
    out = Path(out).expanduser().absolute()
    for parent in [out, *out.parents]:
        if parent.exists():
            break
    if parent.exists() and not parent.is_dir():
        if parent == out:
            raise UsageError(f"--out {out} is a file, not a folder")
        raise UsageError(f"--out {out}: {parent} is a file, so no folder can be made below it")
    out = out.resolve()
    root = paths.ROOT.resolve()
    if out == root or root.is_relative_to(out) or out in (paths.NOTEBOOKS.resolve(), (root / "dimios"),
                                                          paths.DATA.resolve()):
        raise UsageError(f"--out {out} would overwrite the project itself; choose a folder of its own, "
                         "e.g. report/ (the default)")
    if out.is_dir() and not (out / "provenance.json").exists() and not (out / MANIFEST).exists():
        foreign = [name for name in PUBLISHED_ITEMS if (out / name).exists()]
        if foreign:
            raise UsageError(f"--out {out} already holds {foreign[0]!r}, which no dimios build wrote; "
                             "choose an empty folder or a previous report folder")
    missing_parent = not out.parent.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        if missing_parent:
            note(f"--out {out}: its folder {out.parent} did not exist and was created")
        probe = tempfile.mkdtemp(prefix=".write-test-", dir=out)
        os.rmdir(probe)
    except OSError as exc:
        reason = {13: "permission denied", 30: "read-only file system", 28: "no space left on the device"}.get(
            exc.errno, exc.strerror or str(exc))
        raise UsageError(f"--out {out}: cannot write there ({reason})") from None
    return out


def check_input(path: Path | None, option: str) -> Path | None:
    if path is None:
        return None
    path = Path(path).expanduser()
    if not path.exists():
        raise UsageError(f"{option} {path}: no such file")
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{option} {path}: not readable (permission denied)")
    return path.resolve()


def check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: give at least 1 (the number of notebooks run at the same time; "
                         "default: one per core)")


def check_engine(engine: str) -> None:
    if engine not in ("warm", "fresh"):
        raise UsageError(f"engine {engine!r}: expected warm or fresh")


def user_parameters(opts: BuildOptions, kind: str) -> dict:
    from dimios.sections import ParameterError, parse_parameters

    try:
        return parse_parameters(dict(opts.parameters), kind)
    except ParameterError as exc:
        raise UsageError(f"-P {exc}") from None


def check_years(user: dict, present: list[int]) -> None:
    """``-P years`` names only years the data has (``present``: the data's years)."""
    years = user.get("years")
    if not years:
        return
    present = sorted(int(y) for y in present)
    missing = [y for y in years if y not in present]
    if missing:
        raise UsageError(f"-P years={','.join(map(str, years))}: {', '.join(map(str, missing))} not in the data "
                         f"(its years: {', '.join(map(str, present))})")
