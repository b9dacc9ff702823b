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
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from dimios import paths, quarto
from dimios.sections import Section, sections

KEY_PACKAGES = ["pandas", "numpy", "scipy", "matplotlib", "seaborn", "factor_analyzer", "semopy",
                "scikit-learn", "papermill", "nbconvert", "pandera", "pyarrow"]
PUBLISHED_ITEMS = ["_book", "notebooks", "tables", "provenance.json"]
KERNEL = "python3"
LOCK_FILE = ".dimios-build.lock"
MANIFEST = ".dimios-build.json"
CACHE_DIR = ".cache"
WORK_PREFIX = "dimios-work-"
UNKNOWN_SECONDS = 10.0       # run time assumed for a section no earlier build timed
SECONDS_PER_WORKER = 5.0     # below this much work per worker, another warm kernel costs more than it saves
CONTENT_SUFFIXES = {".yml", ".yaml", ".csv", ".css", ".json", ".txt", ".md"}
CONTENT_ROOTS = [paths.LADDERS, paths.REFERENCE, paths.ROOT / "dimios"]
ASSEMBLY_FILES = ["_quarto.yml", "_quarto-pdf.yml"]  # the book's styles are in dimios/styles (content files)


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


def parse_parameter(text: str) -> tuple[str, str]:
    """``name=value`` from the command line (the value stays text; ``parse_parameters`` types it)."""
    if "=" not in text:
        raise UsageError(f"-P {text}: expected name=value, e.g. -P exclude_careless=true")
    name, raw = text.split("=", 1)
    if not name.strip():
        raise UsageError(f"-P {text}: the parameter name is missing")
    return name.strip(), raw


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict:
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
    h.update(json.dumps(_versions(), sort_keys=True).encode())
    return h.hexdigest()


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


# ---------------------------------------------------------------- checks (before any data is read)
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
    try:
        out.mkdir(parents=True, exist_ok=True)
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


def user_parameters(opts: BuildOptions, kind: str) -> dict:
    from dimios.sections import ParameterError, parse_parameters

    try:
        return parse_parameters(dict(opts.parameters), kind)
    except ParameterError as exc:
        raise UsageError(f"-P {exc}") from None


# ---------------------------------------------------------------- the lock
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
    staged = [p for p in out.glob(".build-*") if p.is_dir()]
    for p in staged:
        shutil.rmtree(p, ignore_errors=True)
    if staged:
        notes.append(f"removed {len(staged)} unfinished build folder(s) from {out}")
    legacy = out / ".work" / "responses.parquet"  # respondent data of builds before the private folder
    if legacy.exists():
        legacy.unlink()
        notes.append(f"removed respondent-level data left in {legacy.parent}")
    return notes


# ---------------------------------------------------------------- the cache
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


def _cache_key(section: Section, params: dict, fingerprint: str, data_hash: str) -> str:
    """Key of a section's cache entry: its notebook (file and content), parameters, code and data."""
    params = {k: v for k, v in params.items() if k not in ("output_dir", "data", "careless_truth")}
    nb_path = paths.NOTEBOOKS / section.notebook
    nb_hash = file_sha256(nb_path) if nb_path.exists() else None
    blob = json.dumps({"nb": section.notebook, "nb_sha": nb_hash, "id": section.id, "params": params,
                       "code": fingerprint, "data": data_hash}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


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


# ---------------------------------------------------------------- executed notebooks
OUT_ABS, OUT_REL = "@@dimios-report-folder@@", "@@dimios-report-folder-relative@@"
TIMING_KEYS = ("start_time", "end_time", "duration")


def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _python_escaped(value: str) -> str:
    """How papermill writes a text parameter into the injected cell (non-ASCII as \\x/\\u escapes)."""
    return value.encode("unicode_escape").decode("ascii").replace('"', r'\"')


def _escaped_token(token: str) -> str:
    return token[:-2] + "-escaped@@"


def canonical_notebook(path: Path, places: dict[str, str]) -> str:
    """The executed notebook as stored: no timing metadata; each temporary folder in ``places``
    replaced by its placeholder (``OUT_ABS``/``OUT_REL`` + rest), as written and as papermill
    escapes it in the injected parameters. Serialised as nbformat writes notebooks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):  # papermill gives its cell a random id
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    for meta in [nb.get("metadata", {})] + [c.get("metadata", {}) for c in nb.get("cells", [])]:
        meta.pop("execution", None)
        pm = meta.get("papermill")
        if isinstance(pm, dict):
            for k in TIMING_KEYS:
                pm.pop(k, None)
    text = json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"
    pairs = {}
    for old, new in places.items():
        pairs[_json_text(old)] = new
        escaped = _json_text(_python_escaped(old))
        if escaped != _json_text(old):
            token = next(t for t in (OUT_REL, OUT_ABS) if new.startswith(t))
            pairs[escaped] = _escaped_token(token) + new[len(token):]
    for old in sorted(pairs, key=len, reverse=True):  # longest first: a folder inside another
        text = text.replace(old, pairs[old])
    return text


def materialise_notebook(text: str, out: Path) -> str:
    """A stored notebook naming the report folder ``out``."""
    rel = os.path.relpath(out, paths.ROOT)
    for token, value in ((_escaped_token(OUT_REL), _python_escaped(rel)), (_escaped_token(OUT_ABS), _python_escaped(str(out))),
                         (OUT_REL, rel), (OUT_ABS, str(out))):
        text = text.replace(token, _json_text(value))
    return text


def _describe_failure(section: Section, out_nb: Path, exc: BaseException) -> str:
    """One message: notebook, cell and the error (no traceback)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    cell_index = None
    try:
        nb = json.loads(out_nb.read_text(encoding="utf-8"))
        position = 0  # position in the source notebook: skip cells papermill added
        for c in nb["cells"]:
            tags = set(c.get("metadata", {}).get("tags", []))
            if tags & {"injected-parameters", "papermill-error-cell-tag"}:
                continue
            if c["cell_type"] == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                cell_index = position
                break
            position += 1
    except Exception:  # noqa: BLE001 - the executed copy may not exist
        pass
    where = f"cell {cell_index + 1}" if cell_index is not None else (f"execution count {cell}" if cell else "a cell")
    nb_path = paths.NOTEBOOKS / section.notebook
    shown = os.path.relpath(nb_path, paths.ROOT) if nb_path.is_relative_to(paths.ROOT) else str(nb_path)
    return f"section '{section.id}' ({shown}) failed in {where}: {ename}: {evalue}"


# ---------------------------------------------------------------- progress
class Progress:
    """A tqdm bar naming the running sections on a terminal; one line per section otherwise."""

    def __init__(self, total: int, cached: int, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done = total, cached
        self.tty = self.stream.isatty() if enabled is None else enabled
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=cached, desc="sections", unit="section", file=self.stream,
                            dynamic_ncols=True, leave=False)
        elif cached:
            self._line(f"{cached} of {total} sections unchanged: taken from the cache")

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def running(self, names: list[str]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(", ".join(names) if names else "", refresh=True)

    def finished(self, name: str, seconds: float) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.refresh()
        else:
            width = len(str(self.total))
            self._line(f"[{self.done:>{width}}/{self.total}] {name} ({seconds:.1f} s)")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr, flush=True)


def _order(todo: list[Section], known: dict[str, float], secs: list[Section]) -> list[Section]:
    """Longest first (run times of earlier builds; unknown: chapters with a notebook of their own first)."""
    shared = {}
    for s in secs:
        shared[s.notebook] = shared.get(s.notebook, 0) + 1
    return sorted(todo, key=lambda s: (-(known.get(s.id, 1e6 / shared[s.notebook]))))


def _published_state(out: Path) -> dict:
    state = {}
    for name in PUBLISHED_ITEMS:
        p = out / name
        files = [p] if p.is_file() else (sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [])
        for f in files:
            st = f.stat()
            state[str(f.relative_to(out))] = [st.st_size, st.st_mtime_ns]
    return state


def _editions(book: Path) -> list[str]:
    out = []
    if (book / "index.html").exists():
        out.append("HTML")
    if list(book.glob("*.pdf")):
        out.append("PDF")
    return out


def _summary(n_run: int, n_cached: int, seconds: float, editions: list[str], how: str, index: Path,
             up_to_date: bool = False) -> None:
    total = n_run + n_cached
    if up_to_date:
        head = f"report up to date: all {total} sections unchanged (nothing executed)"
    else:
        head = f"built {total} sections: {n_run} executed, {n_cached} from the cache"
    print(f"{head}; {seconds:.1f} s; editions: {', '.join(editions) or 'none'} ({how}); report: {index}",
          file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the build
DEFAULT_DATA_LABEL = "standarddata: syntetisk panel (dimios synth, standardfrö)"


DEFAULT_PANEL = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"  # synthetic.default_panel_path()


def _default_panel() -> Path:
    """The default panel, regenerated when its generator changed (imports the synthetic module)."""
    from dimios import synthetic

    return synthetic.ensure_default_panel()


def _truth_path(data: Path) -> Path:
    """``synthetic.truth_path_for`` without importing the synthetic module (and the analysis stack)."""
    return data.with_name(data.name.split(".")[0] + ".careless_truth.csv")


_sha_memo: dict[tuple, str] = {}


def _sha_of_input(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _sha_memo:
        _sha_memo[key] = file_sha256(path)
    return _sha_memo[key]


def _read(data_path: Path, mapping: Path | None):
    from dimios import io

    result = io.read_responses(data_path, mapping=mapping)  # DataValidationError on bad input
    for note in result.notes:
        _note(note)
    return result


def _select_organisation(data, requested: str, user: dict) -> str:
    """The organisation id of an organisation report; ``BuildError`` when it is not in the data, or
    when every figure of its report would be hidden (no year with enough respondents)."""
    from dimios import organisation

    try:
        org_id = organisation.select_organisation(data, requested)
        organisation.check_reportable(data, org_id, user.get("privacy_threshold"), user.get("years"))
    except organisation.OrganisationError as exc:
        raise BuildError(f"organisation report: {exc}") from None
    return org_id


def _check_years(user: dict, data) -> None:
    years = user.get("years")
    if not years:
        return
    present = sorted({int(y) for y in data["year"].unique()})
    missing = [y for y in years if y not in present]
    if missing:
        raise UsageError(f"-P years={','.join(map(str, years))}: {', '.join(map(str, missing))} not in the data "
                         f"(its years: {', '.join(map(str, present))})")


def _build_key(kind: str, user: dict, data_hash: str, fingerprint: str, quarto_exe: str | None,
               data_label: str) -> str:
    """What the whole report depends on, beyond its sections: the book's configuration and every
    content file (so that a no-op rebuild is only taken when nothing at all changed)."""
    assembly = {f: file_sha256(paths.ROOT / f) for f in ASSEMBLY_FILES if (paths.ROOT / f).exists()}
    content = ContentFiles()
    blob = json.dumps({"kind": kind, "parameters": user, "data": data_hash, "code": fingerprint,
                       "quarto": quarto_exe, "pdf_engine": quarto.pdf_engine() if quarto_exe else None,
                       "assembly": assembly, "label": data_label,
                       "content": content.record(ContentFiles.all())}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build(opts: BuildOptions) -> Path:
    """Run the whole build; returns the report's index.html.

    Raises ``UsageError`` (a mistake in the command, found before any data is read, or a busy
    report folder), ``DataValidationError`` (bad input), ``BuildError`` (a failing step) or
    ``KeyboardInterrupt``; in every case the previous report is unchanged."""
    t_start = time.perf_counter()
    kind = "organisation" if opts.organisation is not None and opts.kind == "national" else opts.kind
    try:
        secs = sections(kind)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # 1. the command, before any data is read
    check_jobs(opts.jobs)
    if opts.engine not in ("warm", "fresh"):
        raise UsageError(f"engine {opts.engine!r}: expected warm or fresh")
    user = user_parameters(opts, kind)
    data_opt = check_input(opts.data, "--data")
    mapping = check_input(opts.mapping, "--mapping")
    if mapping is not None and data_opt is None:
        raise UsageError("--mapping goes with --data (the default data needs no mapping)")
    requested_org = None
    if kind == "organisation":
        requested_org = opts.organisation if opts.organisation is not None else user.get("organisation", "")
    org_default_out = kind == "organisation" and Path(opts.out).absolute() == paths.REPORT.absolute()
    out = check_out(paths.REPORT if org_default_out else opts.out)
    early = None
    if org_default_out:  # report/organisation/<id>: the id comes from the data
        from dimios import organisation

        early = _read(data_opt or _default_panel(), mapping)
        org_id = _select_organisation(early.data, requested_org, user)
        out = check_out(paths.REPORT / "organisation" / organisation.safe_dirname(org_id))
    # 2. the lock
    lock = BuildLock(out).acquire()
    try:
        for note in clear_leftovers(out, lock.previous):
            _note(note)
        return _build_locked(opts, kind, secs, user, requested_org, out, data_opt, mapping, early, lock, t_start)
    finally:
        lock.release()


@dataclass
class _Plan:
    """What this build would produce, from hashes only (no data read, no kernel)."""
    data_path: Path
    data_label: str
    data_hash: str
    key_data: str
    keys: dict
    hits: dict
    build_key: str


def _plan(opts, kind, secs, key_user, out, data_path, data_label, mapping, fingerprint, content, quarto_exe) -> _Plan:
    truth = _truth_path(data_path)
    data_hash = _sha_of_input(data_path)
    key_data = data_hash + (file_sha256(mapping) if mapping else "") + (_sha_of_input(truth) if truth.exists() else "")
    keys = {s.id: _cache_key(s, section_parameters(s, key_user), fingerprint, key_data) for s in secs}
    cache = Cache(out / CACHE_DIR)
    hits = {s.id: cache.lookup(keys[s.id], content) for s in secs} if opts.use_cache else {}
    return _Plan(data_path, data_label, data_hash, key_data, keys, hits,
                 _build_key(kind, key_user, key_data, fingerprint, quarto_exe, data_label))


def _build_locked(opts, kind, secs, user, requested_org, out, data_opt, mapping, early, lock, t_start) -> Path:
    from dimios import engine

    # 3. the cache: a no-op rebuild is decided from hashes alone
    fingerprint = package_fingerprint()
    content = ContentFiles()
    quarto_exe = quarto.quarto_executable(opts.quarto)
    key_user = dict(user)
    if kind == "organisation":
        key_user["organisation"] = requested_org or ""
    data_label = data_opt.name if data_opt else DEFAULT_DATA_LABEL
    candidate = data_opt or (DEFAULT_PANEL if DEFAULT_PANEL.exists() else None)
    expected = None  # sections to execute, as far as known before the data is looked at
    if candidate is not None:
        plan = _plan(opts, kind, secs, key_user, out, candidate, data_label, mapping, fingerprint, content, quarto_exe)
        manifest = _read_manifest(out)
        if (opts.use_cache and all(plan.hits.get(s.id) for s in secs) and manifest.get("sections") == plan.keys
                and manifest.get("build") == plan.build_key and manifest.get("published") == _published_state(out)):
            index = out / "_book" / "index.html"
            quarto.write_root_project(kind, secs, out)  # for the user's own `quarto render`
            _summary(0, len(secs), time.perf_counter() - t_start, _editions(out / "_book"),
                     manifest.get("how", "?"), index, up_to_date=True)
            return index
        expected = [s for s in secs if not plan.hits.get(s.id)]

    work = new_work_dir(out)
    lock.record(work)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    cache = Cache(out / CACHE_DIR)
    runner = None

    def start_kernels(todo: list[Section]):  # they start and warm up while the data is read
        jobs, note = engine.plan_jobs(opts.jobs, len(todo))
        if note:
            _note(note)
        if opts.jobs is None:  # a worker is worth its start-up only with enough work for it
            known = cache.seconds()
            estimate = sum(known.get(s.id, UNKNOWN_SECONDS) for s in todo)
            jobs = max(1, min(jobs, math.ceil(estimate / SECONDS_PER_WORKER)))
        started = engine.Runner(work, jobs, mode=opts.engine)
        started.start(len(todo))
        return started

    try:
        if expected:
            runner = start_kernels(expected)
        if data_opt is None:
            data_path = _default_panel()  # (re)generated when missing or out of date
            _note(f"no --data given: using the synthetic default panel {os.path.relpath(data_path, paths.ROOT)}")
        else:
            data_path = data_opt
        plan = _plan(opts, kind, secs, key_user, out, data_path, data_label, mapping, fingerprint, content,
                     quarto_exe)
        keys, hits = plan.keys, plan.hits
        truth = _truth_path(data_path)
        todo = [s for s in secs if not hits.get(s.id)]
        if todo and runner is None:
            runner = start_kernels(todo)

        # 4. the data, once (recording the content files it reads: the prepared data depends on them)
        from dimios import kernel_state

        kernel_state.record([str(r) for r in engine.RECORD_ROOTS])
        kernel_state.clear_package_caches()
        result = early or _read(data_path, mapping)
        if kind == "organisation":
            user["organisation"] = _select_organisation(result.data, requested_org, user)
        _check_years(user, result.data)
        nb_dir, tables = staging / "notebooks", staging / "tables"
        nb_dir.mkdir()
        tables.mkdir()
        work_data = work / "responses.parquet"
        from dimios import io

        io.write_responses(result.data, work_data)
        if todo and opts.prepared_data:
            from dimios import context

            chosen = {"years": user.get("years"), "exclude_careless": user.get("exclude_careless", False),
                      "privacy_threshold": user.get("privacy_threshold")}
            context.save_prepared(context.load(work_data, **chosen), work_data, **chosen)
        prepared_reads = kernel_state.reads()
        kernel_state.record(None)
        # paths given to notebooks are relative to the project root (cwd of the kernels)
        build_paths = {"data": os.path.relpath(work_data, paths.ROOT),
                       "careless_truth": os.path.relpath(truth, paths.ROOT) if truth.exists() else "",
                       "output_dir": os.path.relpath(tables, paths.ROOT)}
        params = {s.id: section_parameters(s, user, build_paths) for s in secs}

        # 5. execute what is not cached; every notebook names the report folder
        places = {str(work): OUT_ABS + "/.work", os.path.relpath(work, paths.ROOT): OUT_REL + "/.work",
                  str(staging): OUT_ABS, os.path.relpath(staging, paths.ROOT): OUT_REL}
        seconds = _run_sections(runner, secs, todo, hits, params, keys, nb_dir, tables, cache, content, places,
                                opts.progress, out, extra_reads=prepared_reads)

        # 6. provenance, assembly, publication
        provenance = {
            "report": kind,
            "input": {"file": plan.data_label, "sha256": plan.data_hash, "rows": int(len(result.data)),
                      "reading_notes": result.notes},
            "parameters": user_parameters_record(opts, user, kind),
            "sections": [
                {"id": s.id, "notebook": f"notebooks/{s.notebook}", "title": s.title,
                 "parameters": {k: v for k, v in params[s.id].items()
                                if k not in ("data", "output_dir", "careless_truth")}}
                for s in secs
            ],
            "versions": _versions(),
            "git_commit": _git_commit(),
            "git_dirty": _git_dirty(),
            "command_line": opts.command_line,
        }
        (staging / "provenance.json").write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
        how = _assemble(kind, secs, staging, nb_dir, quarto_exe, out)
        timings = {s.id: {"parameters": provenance["sections"][i]["parameters"], "cached": s.id not in seconds,
                          "seconds": round(seconds.get(s.id, 0.0), 2)} for i, s in enumerate(secs)}
        _swap_in(staging, out, PUBLISHED_ITEMS)
        quarto.write_root_project(kind, secs, out)  # for the user's own `quarto render`
        (out / ".work").mkdir(exist_ok=True)
        (out / ".work" / "timings.json").write_text(json.dumps(timings, indent=1, default=str), encoding="utf-8")
        manifest = {"build": _build_key(kind, key_user, plan.key_data, fingerprint, quarto_exe, plan.data_label),
                    "sections": keys, "how": how, "published": _published_state(out)}
        (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        cache.save_seconds({k: round(v, 2) for k, v in seconds.items()})
        cache.prune(keep=set(keys.values()), limit=max(100, 4 * len(secs)))
    except BaseException:
        if runner is not None:
            runner.stop()  # kills the kernels now: workers notice within a second
            runner.close(timeout=1.0)
            runner = None
        raise
    finally:
        from dimios import kernel_state

        kernel_state.record(None)
        if runner is not None:
            runner.close(timeout=5.0)
        shutil.rmtree(staging, ignore_errors=True)
        # the working copy is respondent-level data: never left behind
        shutil.rmtree(work, ignore_errors=True)
    index = out / "_book" / "index.html"
    _summary(len(seconds), len(secs) - len(seconds), time.perf_counter() - t_start, _editions(out / "_book"), how,
             index)
    return index


def user_parameters_record(opts: BuildOptions, user: dict, kind: str) -> dict:
    """The parameters the user set, typed, and the organisation of an organisation report (provenance)."""
    given = {str(k).strip() for k in opts.parameters} | ({"organisation"} if kind == "organisation" else set())
    return {k: v for k, v in user.items() if k in given}


def _run_sections(runner, secs, todo, hits, params, keys, nb_dir, tables, cache, content, places, progress_opt,
                  out=None, extra_reads=()) -> dict[str, float]:
    """Execute ``todo`` on ``runner`` (storing each in the cache when there is one) and put every
    section's notebook in ``nb_dir`` (naming ``out``) and its tables in ``tables`` (cached ones from
    the cache). ``extra_reads``: content files every section depends on (read while preparing the
    data). Returns the run times of the executed sections."""
    from dimios import engine

    by_id = {s.id: s for s in secs}
    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    if todo:
        tasks = [engine.Task(s.id, paths.NOTEBOOKS / s.notebook, nb_dir / s.output_name, params[s.id])
                 for s in _order(todo, cache.seconds() if cache else {}, secs)]
        progress = Progress(len(secs), len(secs) - len(todo), progress_opt)
        errors = []
        results = runner.run(tasks, tick=lambda: progress.running(sorted(runner.started)))
        try:
            for res in _engine_errors_as_build_errors(results):
                s = by_id[res.task.key]
                if res.error is not None:
                    if not isinstance(res.error, engine.Stopped):
                        errors.append(_describe_failure(s, res.task.output, res.error))
                        runner.stop()
                    continue
                texts[s.id] = canonical_notebook(res.task.output, places)
                files = ContentFiles.all() if res.reads is None else sorted(
                    {os.path.relpath(p, paths.ROOT) for p in [*res.reads, *extra_reads]})
                if cache is not None:
                    cache.store(keys[s.id], texts[s.id], tables / s.id, content.record(files), res.seconds)
                seconds[s.id] = res.seconds
                progress.finished(s.id, res.seconds)
        finally:
            progress.close()
        if errors:
            raise BuildError(errors[0] if len(errors) == 1 else "\n".join(sorted(errors)))
    for s in secs:
        if s.id not in texts:  # from the cache
            entry = hits[s.id]
            texts[s.id] = (entry / "notebook.ipynb").read_text(encoding="utf-8")
            shutil.copytree(entry / "tables", tables / s.id, dirs_exist_ok=True)
        text = materialise_notebook(texts[s.id], out) if out is not None else texts[s.id]
        (nb_dir / s.output_name).write_text(text, encoding="utf-8")
    return seconds


def _engine_errors_as_build_errors(results):
    from dimios import engine

    try:
        yield from results
    except engine.EngineError as exc:
        raise BuildError(str(exc)) from None


def run_notebooks(secs: list[Section], work: dict, user: dict, nb_dir: Path, cache_dir: Path | None,
                  data_hash: str, jobs: int | None, mode: str = "warm", progress: bool | None = False) -> dict[str, dict]:
    """Execute sections outside a full build (no lock, no data preparation, no assembly).

    ``work``: ``data``, ``careless_truth`` and ``tables`` (paths relative to the project root, or
    absolute); sections whose key (notebook, parameters, code, ``data_hash``) and recorded reads are
    unchanged come from ``cache_dir``. Returns per section ``{parameters, cached, seconds}``."""
    from dimios import engine

    build_paths = {"data": str(work["data"]), "careless_truth": str(work.get("careless_truth") or ""),
                   "output_dir": str(work["tables"])}
    params = {s.id: section_parameters(s, user, build_paths) for s in secs}
    fingerprint, content = package_fingerprint(), ContentFiles()
    keys = {s.id: _cache_key(s, params[s.id], fingerprint, data_hash) for s in secs}
    cache = Cache(Path(cache_dir)) if cache_dir is not None else None
    hits = {s.id: cache.lookup(keys[s.id], content) for s in secs} if cache else {}
    todo = [s for s in secs if not hits.get(s.id)]
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as logs:
        runner = None
        if todo:
            runner = engine.Runner(Path(logs), engine.plan_jobs(jobs, len(todo))[0], mode=mode)
            runner.start(len(todo), eager=False)
        try:
            seconds = _run_sections(runner, secs, todo, hits, params, keys, Path(nb_dir),
                                    paths.ROOT / work["tables"], cache, content, {}, progress)
        finally:
            if runner is not None:
                runner.close()
    return {s.id: {"parameters": params[s.id], "cached": s.id not in seconds,
                   "seconds": round(seconds.get(s.id, 0.0), 2)} for s in secs}


def _assemble(kind: str, secs: list[Section], staging: Path, nb_dir: Path, quarto_exe: str | None, out: Path) -> str:
    """The book from the executed notebooks: with Quarto (HTML, and the PDF when TeX is
    installed) or, without it, the nbconvert edition of the same Markdown."""
    from dimios.html_book import assemble_html

    quarto.add_title_cells(secs, nb_dir)
    book = staging / "_book"
    if quarto_exe:
        root = quarto.stage_project(staging, kind, secs, quarto.notebook_dir(out))
        try:
            pdf = quarto.assemble_quarto(quarto_exe, root, kind, book)
        except quarto.QuartoError as exc:
            raise BuildError(str(exc)) from None
        if pdf is not None:
            _note(f"PDF edition: {out / '_book' / pdf.name}")
        return "quarto"
    assemble_html(secs, nb_dir, book, title=quarto.book_title(kind))
    return "nbconvert"


def _swap_in(staging: Path, out: Path, items: list[str]) -> None:
    """Move staged items into ``out``; on any failure (or Ctrl-C) put the previous ones back."""
    backup = Path(tempfile.mkdtemp(prefix=".previous-", dir=out))
    moved: list[str] = []
    try:
        for name in items:
            if (out / name).exists():
                os.replace(out / name, backup / name)
            moved.append(name)
            if (staging / name).exists():
                os.replace(staging / name, out / name)
    except BaseException:
        for name in moved:
            if (out / name).exists() and (backup / name).exists():
                if (out / name).is_dir():
                    shutil.rmtree(out / name)
                else:
                    (out / name).unlink()
            if (backup / name).exists():
                os.replace(backup / name, out / name)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
