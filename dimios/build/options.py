"""What a build is asked to do (``BuildOptions``), how it fails (``BuildError``, ``UsageError``)
and the names of what it writes in the report folder."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from dimios import paths

PUBLISHED_ITEMS = ["_book", "notebooks", "tables", "provenance.json"]
MANIFEST = ".dimios-build.json"


class BuildError(Exception):
    """A build step failed; the message names the step (and notebook/cell) and the cause."""


class UsageError(BuildError):
    """A mistake in the command (options, parameters, a busy report folder): one line, exit code 2."""


@dataclass
class BuildOptions:
    data: Path | None = None
    out: Path = paths.REPORT
    parameters: dict = field(default_factory=dict)
    kind: str = "national"
    mapping: Path | None = None
    jobs: int | None = None
    use_cache: bool = True             # False: execute every section (and refresh the cache)
    quarto: str | None = "auto"      # "auto": use quarto when on PATH; None: never
    command_line: str = ""
    organisation: str | None = None  # organisation report: its id ("" = the only one in the file)
    engine: str = "warm"             # "warm": one kernel per worker; "fresh": a new kernel per notebook
    progress: bool | None = None     # None: a progress bar on a terminal, one line per section otherwise
    prepared_data: bool = True       # notebooks read the data prepared once (False: each validates it)
    pdf: bool = True                 # the PDF edition with Quarto when TeX is installed (False: --no-pdf)


def note(text: str) -> None:
    """One line for the user on stderr."""
    print(f"note: {text}", file=sys.stderr, flush=True)
