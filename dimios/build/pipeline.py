"""``build()``: the story of a build, step by step (see the package's docstring)."""

from __future__ import annotations

import errno
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from dimios import paths, quarto
from dimios.build.cache import CACHE_DIR, Cache, os_reason, section_parameters
from dimios.build.checks import (check_engine, check_input, check_jobs, check_out, check_years,
                                 user_parameters)
from dimios.build.execute import run_sections, start_kernels
from dimios.build.fingerprint import ContentFiles, package_fingerprint
from dimios.build.lock import BuildLock, clear_leftovers, new_work_dir
from dimios.build.notebooks import OUT_ABS, OUT_REL
from dimios.build.options import MANIFEST, PUBLISHED_ITEMS, BuildError, BuildOptions, UsageError, note
from dimios.build.plan import (DEFAULT_DATA_LABEL, DEFAULT_PANEL, build_key, default_panel, make_plan,
                               truth_path, up_to_date, write_manifest)
from dimios.build.progress import editions, summary
from dimios.build.provenance import provenance, write_provenance
from dimios.build.publish import assemble, prepare_assembly, swap_in
from dimios.sections import Section, sections
from dimios.timing import timed


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@dataclass
class Request:
    """A checked command: what to build, from what, into which folder."""
    opts: BuildOptions
    kind: str
    secs: list[Section]
    user: dict                  # the user's parameters, typed (an organisation report adds its id)
    out: Path
    data: Path | None           # None: the synthetic default panel
    mapping: Path | None
    organisation: str | None    # the organisation asked for (organisation report)
    early: object = None        # the data, when it had to be read to name the report folder
    started: float = 0.0

    @property
    def key_user(self) -> dict:
        """The user's parameters as cache keys see them (the organisation asked for, not found)."""
        key = dict(self.user)
        if self.kind == "organisation":
            key["organisation"] = self.organisation or ""
        return key

    @property
    def data_label(self) -> str:
        return self.data.name if self.data else DEFAULT_DATA_LABEL


def build(opts: BuildOptions) -> Path:
    """Run the whole build; returns the report's index.html.

    Raises ``UsageError`` (a mistake in the command, found before any data is read, or a busy
    report folder), ``DataValidationError`` (bad input), ``BuildError`` (a failing step) or
    ``KeyboardInterrupt``; in every case the previous report is unchanged."""
    # 1. the command, before any data is read
    req = check_request(opts, time.perf_counter())
    # 2. the lock, and what an interrupted build left
    lock = BuildLock(req.out).acquire()
    try:
        for text in clear_leftovers(req.out, lock.previous):
            note(text)
        previous = (req.out / "provenance.json").exists() or (req.out / MANIFEST).exists()
        try:
            return _build_locked(req, lock)
        except BaseException as exc:
            exc.previous_report = previous  # what the command line says is left (a failed build changes nothing)
            raise
    finally:
        lock.release()


def check_request(opts: BuildOptions, started: float) -> Request:
    kind = "organisation" if opts.organisation is not None and opts.kind == "national" else opts.kind
    try:
        secs = sections(kind)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check_jobs(opts.jobs)
    check_engine(opts.engine)
    user = user_parameters(opts, kind)
    data_opt = check_input(opts.data, "--data")
    mapping = check_input(opts.mapping, "--mapping")
    if mapping is not None and data_opt is None:
        raise UsageError("--mapping goes with --data (the default data needs no mapping)")
    requested_org = None
    if kind == "organisation":
        requested_org = opts.organisation if opts.organisation is not None else user.get("organisation", "")
        given = user.get("organisation")
        if (opts.organisation is not None and given is not None
                and str(given).strip().casefold() != str(opts.organisation).strip().casefold()):
            raise UsageError(f"--organisation {opts.organisation} and -P organisation={given} name different "
                             "organisations; give the organisation once")
    org_default_out = kind == "organisation" and Path(opts.out).absolute() == paths.REPORT.absolute()
    out = check_out(paths.REPORT if org_default_out else opts.out)
    early = None
    if org_default_out:  # report/organisation/<id>: the id comes from the data
        from dimios import organisation

        early = read_data(data_opt or default_panel(), mapping)
        org_id = select_organisation(early.data, requested_org, user)
        out = check_out(paths.REPORT / "organisation" / organisation.safe_dirname(org_id))
    return Request(opts, kind, secs, user, out, data_opt, mapping, requested_org, early, started)


def _build_locked(req: Request, lock: BuildLock) -> Path:
    opts, secs, out = req.opts, req.secs, req.out
    # 3. the cache: a no-op rebuild is decided from hashes alone
    fingerprint, content = package_fingerprint(), ContentFiles()
    quarto_exe = quarto.quarto_executable(opts.quarto)

    def plan_for(data_path: Path):
        return make_plan(opts.use_cache, req.kind, secs, req.key_user, out, data_path, req.data_label, req.mapping,
                         fingerprint, content, quarto_exe, opts.pdf)

    expected = None  # sections to execute, as far as known before the data is looked at
    candidate = req.data or (DEFAULT_PANEL if DEFAULT_PANEL.exists() else None)
    if candidate is not None:
        plan = plan_for(candidate)
        manifest = up_to_date(plan, secs, out, opts.use_cache)
        if manifest is not None:
            return _report_up_to_date(req, manifest.get("how", "?"), quarto_exe)
        expected = plan.todo(secs)

    work = new_work_dir(out)  # private, outside the report folder: the staged report is built in it too
    lock.record(work)
    staging = work / "staging"
    staging.mkdir()
    cache = Cache(out / CACHE_DIR)
    runner = None
    try:
        if expected:  # the kernels warm up while the data is read
            runner = start_kernels(work, opts.jobs, opts.engine, expected, cache)
        plan = plan_for(_data_path(req))
        todo = plan.todo(secs)
        for s in todo:
            if s.id in plan.problems:
                note(f"cache entry of section '{s.id}' not used: {plan.problems[s.id]}; executing it again")
        if todo and runner is None:
            runner = start_kernels(work, opts.jobs, opts.engine, todo, cache)

        # 4. the data, once
        with timed("reading and preparing the data"):
            data_info, work_data = _prepare_data(req, plan, work, prepare=bool(todo))
        prepared_reads = data_info.reads
        nb_dir, tables = staging / "notebooks", staging / "tables"
        nb_dir.mkdir()
        tables.mkdir()
        truth = truth_path(plan.data_path)
        # paths given to notebooks are relative to the project root (cwd of the kernels)
        build_paths = {"data": os.path.relpath(work_data, paths.ROOT),
                       "careless_truth": os.path.relpath(truth, paths.ROOT) if truth.exists() else "",
                       "output_dir": os.path.relpath(tables, paths.ROOT)}
        params = {s.id: section_parameters(s, req.user, build_paths) for s in secs}

        # provenance does not depend on the execution: recorded while the kernels warm up
        record = provenance(opts, req.kind, secs, req.user, params, plan.data_label, plan.data_hash,
                            data_info.rows, data_info.notes)

        # 5. execute what is not cached; every notebook names the report folder
        places = {str(work): OUT_ABS + "/.work", os.path.relpath(work, paths.ROOT): OUT_REL + "/.work",
                  str(staging): OUT_ABS, os.path.relpath(staging, paths.ROOT): OUT_REL}
        with timed("execution of the sections"):
            seconds = run_sections(runner, secs, todo, plan.hits, params, plan.keys, nb_dir, tables, cache, content,
                                   places, opts.progress, out, extra_reads=prepared_reads,
                                   meanwhile=prepare_assembly(quarto_exe))
        _held_for_tests()

        # 6. provenance, assembly, publication
        write_provenance(record, staging)
        with timed("assembly"):
            how = assemble(req.kind, secs, staging, nb_dir, quarto_exe, out, pdf=opts.pdf, reuse=opts.use_cache)
        swap_in(staging, out, PUBLISHED_ITEMS)
        _point_root_project(req, quarto_exe)
        _write_records(req, record, seconds, out)
        write_manifest(out, build_key(req.kind, req.key_user, plan.key_data, fingerprint, quarto_exe,
                                      plan.data_label, opts.pdf), plan.keys, how)
        cache.save_seconds({k: round(v, 2) for k, v in seconds.items()})
        cache.prune(keep=set(plan.keys.values()), limit=max(100, 4 * len(secs)))
    except BaseException as exc:
        if runner is not None:
            runner.stop()  # kills the kernels now: workers notice within a second
            runner.close(timeout=1.0)
            runner = None
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            where = f" ({exc.filename})" if exc.filename else ""
            raise BuildError(f"{os_reason(exc)}{where}") from None
        raise
    finally:
        from dimios import kernel_state

        kernel_state.record(None)
        if runner is not None:
            runner.close(timeout=5.0)
        # the staged report, and the working copy (respondent-level data): never left behind
        shutil.rmtree(work, ignore_errors=True)
    index = out / "_book" / "index.html"
    summary(len(seconds), len(secs) - len(seconds), time.perf_counter() - req.started, editions(out / "_book"), how,
            index)
    return index


def _held_for_tests() -> None:
    """Tests that interrupt or kill a build (tests/test_build.py) hold it here, after its sections ran
    and before anything is published, while the file ``DIMIOS_TEST_HOLD`` names exists; without the
    hold they would race the build to its end."""
    hold = os.environ.get("DIMIOS_TEST_HOLD")
    while hold and Path(hold).exists():
        time.sleep(0.05)


def _report_up_to_date(req: Request, how: str, quarto_exe: str | None) -> Path:
    index = req.out / "_book" / "index.html"
    _point_root_project(req, quarto_exe)
    summary(0, len(req.secs), time.perf_counter() - req.started, editions(req.out / "_book"), how, index,
            up_to_date=True)
    return index


def _data_path(req: Request) -> Path:
    if req.data is not None:
        return req.data
    data_path = default_panel()  # (re)generated when missing or out of date
    note(f"no --data given: using the synthetic default panel {os.path.relpath(data_path, paths.ROOT)}")
    return data_path


@dataclass
class PreparedData:
    """What the build needs of the data besides the working copy itself."""
    rows: int
    notes: list[str]
    reads: list[str]   # content files read while preparing (every section depends on them)


def _prepare_data(req: Request, plan, work: Path, prepare: bool) -> tuple[PreparedData, Path]:
    """Read and validate the data once and write its typed working copy into ``work`` (with the
    parameters applied, when sections are to run). Returns what the reading said (with the
    content files read meanwhile: the prepared data depends on them) and the working copy.

    Respondent-level data never outlives the build: the working copy is in the build's private
    folder, removed on every exit, and nothing of it is kept in the report folder or its cache."""
    from dimios import engine, io, kernel_state

    work_data = work / "responses.parquet"
    kernel_state.record([str(r) for r in engine.RECORD_ROOTS])
    kernel_state.clear_package_caches()
    result = req.early or read_data(plan.data_path, req.mapping)
    if req.kind == "organisation":
        req.user["organisation"] = select_organisation(result.data, req.organisation, req.user)
    check_years(req.user, result.data["year"].unique())
    io.write_responses(result.data, work_data)
    if prepare and req.opts.prepared_data:
        from dimios import context

        chosen = {"years": req.user.get("years"), "exclude_careless": req.user.get("exclude_careless", False),
                  "privacy_threshold": req.user.get("privacy_threshold")}
        context.save_prepared(context.load(work_data, **chosen), work_data, **chosen)
    info = PreparedData(int(len(result.data)), list(result.notes), kernel_state.reads())
    kernel_state.record(None)
    return info, work_data


def _point_root_project(req: Request, quarto_exe: str | None) -> None:
    """Point the project's own Quarto files at this report (for the user's ``quarto render``).
    Quarto renders only files inside its project: for a report outside the project folder they
    keep pointing at the one built last inside it, and a Quarto user is told so."""
    if not quarto.write_root_project(req.kind, req.secs, req.out) and quarto_exe:
        name = quarto.profile_name(req.kind)
        profile = "" if name == "national" else f" --profile {name}"
        note(f"{req.out} is outside the project folder: `quarto render{profile}` there renders the report "
             "built last inside the project, not this one")


def _write_records(req: Request, record: dict, seconds: dict, out: Path) -> None:
    """Beside the published report: the sections' run times."""
    import json

    timings = {s.id: {"parameters": record["sections"][i]["parameters"], "cached": s.id not in seconds,
                      "seconds": round(seconds.get(s.id, 0.0), 2)} for i, s in enumerate(req.secs)}
    (out / ".work").mkdir(exist_ok=True)
    (out / ".work" / "timings.json").write_text(json.dumps(timings, indent=1, default=str), encoding="utf-8")


def read_data(data_path: Path, mapping: Path | None):
    from dimios import io

    result = io.read_responses(data_path, mapping=mapping)  # DataValidationError on bad input
    for text in result.notes:
        note(text)
    return result


def select_organisation(data, requested: str, user: dict) -> str:
    """The organisation id of an organisation report; ``BuildError`` when it is not in the data, or
    when every figure of its report would be hidden (no year with enough respondents)."""
    from dimios import organisation

    try:
        org_id = organisation.select_organisation(data, requested)
        organisation.check_reportable(data, org_id, user.get("privacy_threshold"), user.get("years"))
    except organisation.OrganisationError as exc:
        raise BuildError(f"organisation report: {exc}") from None
    return org_id
