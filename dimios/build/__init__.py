"""``dimios build``: respondent data -> executed notebooks -> the report.

Steps, in this order:

1. **check** the command (``--out``, ``--jobs``, ``-P`` parameters against their declarations
   in ``dimios.sections``) before any data is read: a mistake is one clear line (``UsageError``);
2. **lock** the report folder (a second build into it stops at once, naming the first one's
   pid and start time) and clear what an interrupted or killed build left behind;
3. **cache**: a section's key holds its notebook, its parameters, the input data and the
   package code; its cache entry also records the content files (ladders, instrument,
   reference tables) the section read, and is valid while they are unchanged. When every
   section is cached and the published report is intact, the build stops here, without
   reading the data or starting a kernel (a no-op rebuild);
4. **prepare** the data once: read and validate the input, write a typed working copy into a
   private working folder (outside the report folder, removed on every exit path) with the
   parameters applied and organisation scores computed (``dimios.context.save_prepared``);
5. **execute** the sections that are not cached with papermill on warm kernels
   (``dimios.engine``), longest first, with a progress bar (one line per section when not on
   a terminal);
6. **publish**: provenance, the book (Quarto when on PATH, otherwise nbconvert), and only
   then replace the previous report. Any failure or Ctrl-C leaves the previous report untouched.

Executed notebooks are stored without timing metadata and name the report folder, not the
temporary folders they ran in, so the same data, parameters and code give byte-identical
notebooks, tables and figures.

One concern per module: ``options`` (what is asked, how it fails), ``checks`` (the command),
``lock`` (one build per folder, leftovers), ``fingerprint`` and ``cache`` (what a section depends
on, its stored result), ``plan`` (keys, no-op rebuilds, the manifest), ``execute`` (running the
sections), ``notebooks`` (stored and published notebooks), ``progress`` (what the user sees),
``provenance``, ``publish`` (assembly and swap-in) and ``pipeline`` (``build()``, the story).
"""

from dimios.build.cache import CACHE_DIR, Cache, cache_key, section_parameters
from dimios.build.checks import check_input, check_jobs, check_out, check_years, parse_parameter, user_parameters
from dimios.build.execute import SECONDS_PER_WORKER, UNKNOWN_SECONDS, run_notebooks, run_sections
from dimios.build.fingerprint import (CONTENT_ROOTS, CONTENT_SUFFIXES, KEY_PACKAGES, ContentFiles, file_sha256,
                                      package_fingerprint)
from dimios.build.lock import LOCK_FILE, WORK_PREFIX, BuildLock, clear_leftovers, new_work_dir
from dimios.build.notebooks import OUT_ABS, OUT_REL, _python_escaped, canonical_notebook, materialise_notebook
from dimios.build.options import MANIFEST, PUBLISHED_ITEMS, BuildError, BuildOptions, UsageError
from dimios.build.pipeline import build
from dimios.build.plan import ASSEMBLY_FILES, DEFAULT_DATA_LABEL, DEFAULT_PANEL, truth_path
from dimios.build.progress import Progress
from dimios.build.provenance import user_parameters_record

# names of the single-module build, kept for callers
_cache_key = cache_key
_truth_path = truth_path
_check_years = check_years

__all__ = [
    "ASSEMBLY_FILES", "CACHE_DIR", "CONTENT_ROOTS", "CONTENT_SUFFIXES", "DEFAULT_DATA_LABEL", "DEFAULT_PANEL",
    "KEY_PACKAGES", "LOCK_FILE", "MANIFEST", "OUT_ABS", "OUT_REL", "PUBLISHED_ITEMS", "SECONDS_PER_WORKER",
    "UNKNOWN_SECONDS", "WORK_PREFIX", "BuildError", "BuildLock", "BuildOptions", "Cache", "ContentFiles", "Progress",
    "UsageError", "build", "cache_key", "canonical_notebook", "check_input", "check_jobs", "check_out",
    "check_years", "clear_leftovers", "file_sha256", "materialise_notebook", "new_work_dir", "package_fingerprint",
    "parse_parameter", "run_notebooks", "run_sections", "section_parameters", "truth_path", "user_parameters",
    "user_parameters_record",
]
