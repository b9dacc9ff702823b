"""``dimios build``: respondent data -> executed notebooks -> the report.

Steps: read and validate the input (default: the synthetic panel); write a typed
working copy; execute every section of ``dimios.sections`` with papermill, in
parallel, skipping sections whose notebook, parameters, data and package code are
unchanged since the last build (an execution cache); assemble the book with Quarto
when it is on PATH, otherwise with nbconvert; write provenance; and only then
replace the previous report. Any failure leaves the previous report untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from dimios import paths, quarto
from dimios.sections import Section, sections

KEY_PACKAGES = ["pandas", "numpy", "scipy", "matplotlib", "seaborn", "factor_analyzer", "semopy",
                "scikit-learn", "papermill", "nbconvert", "pandera", "pyarrow"]
PUBLISHED_ITEMS = ["_book", "notebooks", "tables", "provenance.json"]
KERNEL = "python3"


class BuildError(Exception):
    """A build step failed; the message names the step (and notebook/cell) and the cause."""


@dataclass
class BuildOptions:
    data: Path | None = None
    out: Path = paths.REPORT
    parameters: dict = field(default_factory=dict)
    kind: str = "national"
    mapping: Path | None = None
    jobs: int | None = None
    use_cache: bool = True
    quarto: str | None = "auto"      # "auto": use quarto when on PATH; None: never
    command_line: str = ""
    organisation: str | None = None  # organisation report: its id ("" = the only one in the file)


def parse_parameter(text: str) -> tuple[str, object]:
    """``name=value`` with the value read as JSON where possible (true, 5, [2020, 2023])."""
    if "=" not in text:
        raise BuildError(f"parameter {text!r}: expected name=value")
    name, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return name.strip(), value


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_fingerprint() -> str:
    """Hash of the package's code and content files (a change invalidates the cache)."""
    h = hashlib.sha256()
    roots = [paths.ROOT / "dimios", paths.LADDERS, paths.NOTEBOOKS]
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.is_file() and f.suffix in {".py", ".yml", ".yaml", ".ipynb", ".css", ".csv"} and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(paths.ROOT)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


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


# ---------------------------------------------------------------- notebooks
def section_parameters(section: Section, work: dict, user: dict) -> dict:
    params = {
        "data": work["data"],
        "careless_truth": work.get("careless_truth") or "",
        "output_dir": work["tables"],
        "section": section.id,
        "exclude_careless": False,
        "privacy_threshold": None,
        "years": None,
        "organisation": "",
    }
    params.update(user)
    params.update(section.parameters)
    return params


def _cache_key(section: Section, params: dict, fingerprint: str, data_hash: str) -> str:
    # the tables folder is a fresh temporary folder each build: not part of the key
    params = {k: v for k, v in params.items() if k != "output_dir"}
    blob = json.dumps({"nb": section.notebook, "id": section.id, "params": params, "code": fingerprint,
                       "data": data_hash}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _execute(section: Section, params: dict, out_nb: Path, cwd: Path) -> None:
    import papermill as pm

    pm.execute_notebook(
        str(paths.NOTEBOOKS / section.notebook),
        str(out_nb),
        parameters=params,
        kernel_name=KERNEL,
        cwd=str(cwd),
        progress_bar=False,
        log_output=False,
        report_mode=True,
    )


def _describe_failure(section: Section, out_nb: Path, exc: Exception) -> str:
    """One message: notebook, cell and the error (no traceback)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    cell_index = None
    try:
        import nbformat

        nb = nbformat.read(out_nb, as_version=4)
        position = 0  # position in the source notebook: skip cells papermill added
        for c in nb.cells:
            tags = set(c.get("metadata", {}).get("tags", []))
            if tags & {"injected-parameters", "papermill-error-cell-tag"}:
                continue
            if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                cell_index = position
                break
            position += 1
    except Exception:  # the executed copy may not exist
        pass
    where = f"cell {cell_index + 1}" if cell_index is not None else (f"execution count {cell}" if cell else "a cell")
    nb_path = paths.NOTEBOOKS / section.notebook
    shown = os.path.relpath(nb_path, paths.ROOT) if nb_path.is_relative_to(paths.ROOT) else str(nb_path)
    return f"section '{section.id}' ({shown}) failed in {where}: {ename}: {evalue}"


def run_notebooks(secs: list[Section], work: dict, user: dict, nb_dir: Path, cache_dir: Path | None,
                  data_hash: str, jobs: int | None) -> dict[str, dict]:
    """Execute all sections in parallel; returns per-section {parameters, cached, seconds}."""
    import time

    from tqdm import tqdm

    fingerprint = package_fingerprint()
    jobs = jobs or max(1, os.cpu_count() or 1)
    results: dict[str, dict] = {}
    todo = []
    for s in secs:
        params = section_parameters(s, work, user)
        key = _cache_key(s, params, fingerprint, data_hash)
        cached = cache_dir / f"{key}.ipynb" if cache_dir else None
        cached_tables = cache_dir / f"{key}.tables" if cache_dir else None
        if cached is not None and cached.exists() and cached_tables.exists():
            shutil.copyfile(cached, nb_dir / s.output_name)
            shutil.copytree(cached_tables, Path(work["tables"]) / s.id, dirs_exist_ok=True)
            results[s.id] = {"parameters": params, "cached": True, "seconds": 0.0}
        else:
            todo.append((s, params, key))

    def job(item):
        s, params, key = item
        t0 = time.perf_counter()
        out_nb = nb_dir / s.output_name
        try:
            _execute(s, params, out_nb, cwd=paths.ROOT)
        except Exception as exc:  # noqa: BLE001 - reported as one message
            raise BuildError(_describe_failure(s, out_nb, exc)) from None
        return s, params, key, time.perf_counter() - t0

    errors = []
    with ThreadPoolExecutor(max_workers=jobs) as pool, tqdm(
        total=len(secs), initial=len(secs) - len(todo), desc="sections", unit="nb", file=sys.stderr,
        disable=None,
    ) as bar:
        futures = [pool.submit(job, item) for item in todo]
        for fut in as_completed(futures):
            if fut.cancelled():
                continue
            try:
                s, params, key, seconds = fut.result()
            except BuildError as err:
                errors.append(str(err))
                for f in futures:
                    f.cancel()
                bar.update(1)
                continue
            results[s.id] = {"parameters": params, "cached": False, "seconds": round(seconds, 2)}
            if cache_dir is not None:
                cache_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(nb_dir / s.output_name, cache_dir / f"{key}.ipynb")
                src_tables = Path(work["tables"]) / s.id
                dst = cache_dir / f"{key}.tables"
                if dst.exists():
                    shutil.rmtree(dst)
                if src_tables.exists():
                    shutil.copytree(src_tables, dst)
                else:
                    dst.mkdir(parents=True)
            bar.update(1)
    if errors:
        raise BuildError(sorted(errors)[0] if len(errors) == 1 else "\n".join(sorted(errors)))
    return results


# ---------------------------------------------------------------- the build
def build(opts: BuildOptions) -> Path:
    """Run the whole build; returns the report's index.html. Raises BuildError or DataValidationError."""
    from dimios import io, synthetic
    from dimios.html_book import assemble_html

    kind = "organisation" if opts.organisation is not None and opts.kind == "national" else opts.kind
    secs = sections(kind)

    # 1. input
    if opts.data is None:
        data_path = synthetic.ensure_default_panel()
        truth = synthetic.truth_path_for(data_path)
        data_label = "standarddata: syntetisk panel (dimios synth, standardfrö)"
        print(f"no --data given: using the synthetic default panel {data_path.relative_to(paths.ROOT)}", file=sys.stderr)
    else:
        data_path = Path(opts.data).resolve()
        truth = synthetic.truth_path_for(data_path)
        data_label = data_path.name
    result = io.read_responses(data_path, mapping=opts.mapping)  # DataValidationError on bad input
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    user_parameters = dict(opts.parameters)
    out = Path(opts.out).resolve()
    if kind == "organisation":
        from dimios import organisation

        try:
            org_id = organisation.select_organisation(result.data, opts.organisation or user_parameters.get(
                "organisation", ""))
            organisation.check_reportable(result.data, org_id, user_parameters.get("privacy_threshold"),
                                          user_parameters.get("years"))
        except organisation.OrganisationError as exc:
            raise BuildError(f"organisation report: {exc}") from None
        user_parameters["organisation"] = org_id
        if out == paths.REPORT.resolve():  # default: beside the national report, never replacing it
            out = paths.REPORT / "organisation" / organisation.safe_dirname(org_id)
    out.mkdir(parents=True, exist_ok=True)

    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    try:
        work_dir = out / ".work"
        if work_dir.exists():
            shutil.rmtree(work_dir)
        work_dir.mkdir()
        work_data = work_dir / "responses.parquet"
        io.write_responses(result.data, work_data)
        nb_dir = staging / "notebooks"
        tables = staging / "tables"
        nb_dir.mkdir()
        tables.mkdir()
        # paths given to notebooks are relative to the project root (cwd of the kernels)
        work = {
            "data": os.path.relpath(work_data, paths.ROOT),
            "careless_truth": os.path.relpath(truth, paths.ROOT) if truth.exists() else "",
            "tables": os.path.relpath(tables, paths.ROOT),
        }
        data_hash = file_sha256(data_path)
        cache_dir = out / ".cache" if opts.use_cache else None
        run = run_notebooks(secs, work, user_parameters, nb_dir, cache_dir, data_hash + file_sha256(work_data), opts.jobs)
        # tables were written under the staging path; parameters record the stable location
        _normalise_parameters(nb_dir, out)

        # 2. provenance
        provenance = {
            "report": kind,
            "input": {"file": data_label, "sha256": data_hash, "rows": int(len(result.data)),
                      "reading_notes": result.notes},
            "parameters": user_parameters,
            "sections": [
                {"id": s.id, "notebook": f"notebooks/{s.notebook}", "title": s.title,
                 "parameters": {k: v for k, v in run[s.id]["parameters"].items()
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

        # 3. assemble
        quarto.write_quarto_chapters(secs, quarto.quarto_config(kind))
        quarto_exe = quarto.quarto_executable(opts.quarto)
        book = staging / "_book"
        if quarto_exe:
            print(f"assembling with Quarto ({quarto_exe})", file=sys.stderr)
            profile = quarto.QUARTO_PROFILES.get(kind)
            staged_root = quarto.stage_quarto_project(staging, profile=profile)
            try:
                quarto.assemble_quarto(quarto_exe, staged_root, book, profile=profile)
            except quarto.QuartoError as exc:
                raise BuildError(str(exc)) from None
            how = "quarto"
        else:
            print("Quarto not found on PATH: assembling the executed notebooks into HTML with nbconvert",
                  file=sys.stderr)
            assemble_html(secs, nb_dir, book, title=quarto.book_title(quarto.quarto_config(kind)))
            how = "nbconvert"
        timings = {s.id: run[s.id] for s in secs}
        (work_dir / "timings.json").write_text(json.dumps(timings, indent=1, default=str))

        # 4. publish: replace the previous report only now
        _swap_in(staging, out, PUBLISHED_ITEMS)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        # the working copy is respondent-level data: never left beside the report
        (out / ".work" / "responses.parquet").unlink(missing_ok=True)
    index = out / "_book" / "index.html"
    print(f"report assembled with {how}", file=sys.stderr)
    return index


def _normalise_parameters(nb_dir: Path, out: Path) -> None:
    """Executed notebooks mention the published report folder, not a temporary build
    folder (this build's or, for notebooks taken from the cache, an earlier build's)."""
    import re

    staged = re.compile("(" + "|".join(re.escape(p) for p in (str(out), os.path.relpath(out, paths.ROOT)))
                        + r")/\.build-[A-Za-z0-9_]+")  # literal prefixes: linear time
    for nb in nb_dir.glob("*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        new = staged.sub(lambda m: m.group(1), text)
        if new != text:
            nb.write_text(new, encoding="utf-8")


def _swap_in(staging: Path, out: Path, items: list[str]) -> None:
    """Move staged items into ``out``; on any failure put the previous ones back."""
    backup = Path(tempfile.mkdtemp(prefix=".previous-", dir=out))
    moved: list[str] = []
    try:
        for name in items:
            if (out / name).exists():
                os.replace(out / name, backup / name)
            moved.append(name)
            if (staging / name).exists():
                os.replace(staging / name, out / name)
    except Exception:
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
