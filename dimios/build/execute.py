"""Executing the sections that are not cached on warm kernels, storing each in the cache, and
putting every section's notebook and tables (executed or cached) where the book is assembled."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

from dimios import paths
from dimios.build.cache import Cache, CacheStoreError, cache_key, section_parameters
from dimios.build.fingerprint import ContentFiles, package_fingerprint
from dimios.build.lock import WORK_PREFIX
from dimios.build.notebooks import canonical_notebook, describe_failure, materialise_notebook
from dimios.build.options import BuildError, note
from dimios.build.progress import Progress
from dimios.sections import Section

UNKNOWN_SECONDS = 10.0       # run time assumed for a section no earlier build timed
SECONDS_PER_WORKER = 5.0     # below this much work per worker, another warm kernel costs more than it saves


def start_kernels(work: Path, jobs: int | None, mode: str, todo: list[Section], cache: Cache):
    """A runner whose kernels start and warm up while the build goes on (reading the data)."""
    from dimios import engine

    n, message = engine.plan_jobs(jobs, len(todo))
    if message:
        note(message)
    if jobs is None:  # a worker is worth its start-up only with enough work for it
        known = cache.seconds()
        estimate = sum(known.get(s.id, UNKNOWN_SECONDS) for s in todo)
        n = max(1, min(n, math.ceil(estimate / SECONDS_PER_WORKER)))
    runner = engine.Runner(work, n, mode=mode)
    runner.start(len(todo))
    return runner


def order(todo: list[Section], known: dict[str, float], secs: list[Section]) -> list[Section]:
    """Longest first (run times of earlier builds; unknown: chapters with a notebook of their own first)."""
    shared = {}
    for s in secs:
        shared[s.notebook] = shared.get(s.notebook, 0) + 1
    return sorted(todo, key=lambda s: (-(known.get(s.id, 1e6 / shared[s.notebook]))))


def run_sections(runner, secs, todo, hits, params, keys, nb_dir, tables, cache, content, places, progress_opt,
                 out=None, extra_reads=(), meanwhile=None) -> dict[str, float]:
    """Execute ``todo`` on ``runner`` (storing each in the cache when there is one) and put every
    section's notebook in ``nb_dir`` (naming ``out``) and its tables in ``tables`` (cached ones from
    the cache). ``extra_reads``: content files every section depends on (read while preparing the
    data); ``meanwhile()``: work for this thread while the first notebooks run. Returns the run
    times of the executed sections."""
    from dimios import engine

    by_id = {s.id: s for s in secs}
    texts: dict[str, str] = {}
    seconds: dict[str, float] = {}
    if todo:
        tasks = [engine.Task(s.id, paths.NOTEBOOKS / s.notebook, nb_dir / s.output_name, params[s.id])
                 for s in order(todo, cache.seconds() if cache else {}, secs)]
        progress = Progress(len(secs), len(secs) - len(todo), progress_opt)
        errors = []
        results = runner.run(tasks, tick=lambda: progress.running(sorted(runner.started)), meanwhile=meanwhile)
        try:
            for res in _engine_errors_as_build_errors(results):
                s = by_id[res.task.key]
                if res.error is not None:
                    if not isinstance(res.error, engine.Stopped):
                        errors.append(describe_failure(s, res.task.output, res.error))
                        runner.stop()
                    continue
                texts[s.id] = canonical_notebook(res.task.output, places)
                files = ContentFiles.all() if res.reads is None else sorted(
                    {os.path.relpath(p, paths.ROOT) for p in [*res.reads, *extra_reads]})
                if cache is not None:
                    try:
                        cache.store(keys[s.id], texts[s.id], tables / s.id, content.record(files), res.seconds)
                    except CacheStoreError as exc:
                        runner.stop()
                        raise BuildError(f"section '{s.id}' ran, but {exc.strerror}") from None
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
    keys = {s.id: cache_key(s, params[s.id], fingerprint, data_hash) for s in secs}
    cache = Cache(Path(cache_dir)) if cache_dir is not None else None
    hits = {s.id: cache.lookup(keys[s.id], content) for s in secs} if cache else {}
    todo = [s for s in secs if not hits.get(s.id)]
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX) as logs:
        runner = None
        if todo:
            runner = engine.Runner(Path(logs), engine.plan_jobs(jobs, len(todo))[0], mode=mode)
            runner.start(len(todo), eager=False)
        try:
            seconds = run_sections(runner, secs, todo, hits, params, keys, Path(nb_dir),
                                   paths.ROOT / work["tables"], cache, content, {}, progress)
        finally:
            if runner is not None:
                runner.close()
    return {s.id: {"parameters": params[s.id], "cached": s.id not in seconds,
                   "seconds": round(seconds.get(s.id, 0.0), 2)} for s in secs}
