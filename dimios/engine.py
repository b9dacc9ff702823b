"""Executing section notebooks with papermill on kernels the build owns.

``run_notebooks`` executes a list of parameterised notebooks on ``jobs`` worker threads.
Each worker owns its Jupyter kernel:

- ``warm`` (the default): one kernel per worker for the whole build. It imports the
  analysis stack once (``dimios.kernel_state.warm_up``) and is reset between notebooks
  (``kernel_state.reset``: fresh namespace, figures, options, caches and execution
  counter), so kernel start-up and imports are paid once per worker, not once per section;
- ``fresh``: a new kernel for every notebook (what papermill does by itself; slower, kept
  as the reference the warm engine is compared with).

Papermill still parameterises and executes every notebook: ``DimiosEngine`` is a papermill
engine (registered as ``dimios``) that runs the notebook on the worker's kernel instead of
starting one. Kernel output (start-up warnings, shutdown messages) goes to a log file in
the build's private working folder, not to the terminal. ``stop()`` kills every kernel at
once (Ctrl-C).
"""

from __future__ import annotations

import ast
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dimios import paths
from dimios.timing import timed

KERNEL = "python3"
STARTUP_TIMEOUT = 120
#: imported once per warm kernel; the notebooks' own imports and the analysis stack
WARM_MODULES = ["dimios.kernel_state", "pandas", "numpy", "matplotlib", "matplotlib.pyplot", "seaborn", "scipy.stats",
                "dimios.context", "dimios.display", "dimios.plots", "dimios.organisation", "dimios.quality",
                "dimios.chapters.common", "dimios.chapters.front", "dimios.chapters.ladder",
                "dimios.chapters.principle", "dimios.chapters.overview", "dimios.chapters.quality",
                "dimios.chapters.method", "dimios.chapters.organisation"]
#: content files below these folders that a notebook opens are recorded (``Result.reads``)
RECORD_ROOTS = [paths.DATA, paths.ROOT / "dimios"]


class EngineError(RuntimeError):
    """A kernel could not be started or prepared (not an error in a notebook)."""


class Stopped(RuntimeError):
    """The run was stopped (another section failed, or Ctrl-C) before this notebook finished."""


@dataclass
class Task:
    key: str                  # identifies the task (the section id)
    notebook: Path            # source notebook
    output: Path              # executed notebook written here
    parameters: dict


@dataclass
class Result:
    task: Task
    seconds: float
    error: BaseException | None = None
    reads: list[str] | None = None      # content files opened (None: not recorded)
    worker: int = 0


# ---------------------------------------------------------------- papermill engine
def _register_engine() -> None:
    import logging

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class DimiosEngine(NBClientEngine):
        """Runs the parameterised notebook on a kernel the caller owns (``kernel=``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, kernel=None, start_timeout=STARTUP_TIMEOUT,
                                     execution_timeout=None, **kwargs):
            if kernel is None:
                raise EngineError("the dimios engine needs kernel=")
            if isinstance(kernel, _Slot):
                kernel = kernel.get()
            client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name, log=logger,
                                             timeout=execution_timeout, startup_timeout=start_timeout,
                                             record_timing=False, log_output=False)
            client.kc = kernel.kc
            return client.execute(cleanup_kc=False)

    papermill_engines.register("dimios", DimiosEngine)
    # failures reach the user as one message from the build; papermill's own log lines (e.g. "Kernel
    # died while waiting for execute reply" when the build stops its kernels) would only add noise
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


_registered = threading.Lock()
_done_registering = False


def _ensure_engine() -> None:
    global _done_registering
    with _registered:
        if not _done_registering:
            _register_engine()
            _done_registering = True


# ---------------------------------------------------------------- kernels
class Kernel:
    """A Jupyter kernel started and used by one thread (its asyncio loop owns the sockets)."""

    def __init__(self, work_dir: Path, name: str):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self._run_sync = run_sync
        self.name = name
        self.log = open(work_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in shutdown()
        self.km = AsyncKernelManager(kernel_name=KERNEL)
        self.km.connection_file = str(work_dir / f"{name}.json")
        # no history database: build kernels need none, and parallel kernels would share one file
        run_sync(self.km.start_kernel)(cwd=str(paths.ROOT), stdout=self.log, stderr=self.log,
                                       extra_arguments=["--HistoryManager.enabled=False"])
        self.pid = self.km.provisioner.process.pid if getattr(self.km.provisioner, "process", None) else None
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.allow_stdin = False
        self._log_path = work_dir / f"{name}.log"

    def wait_ready(self) -> None:
        try:
            self._run_sync(self.kc.wait_for_ready)(timeout=STARTUP_TIMEOUT)
        except RuntimeError as exc:
            raise EngineError(f"kernel {self.name} did not start: {exc} (log: {self._log_path})") from None

    def run(self, code: str, expressions: dict | None = None, stop: threading.Event | None = None,
            meanwhile=None) -> dict:
        """Run ``code`` silently (no history, no execution count); the values of ``expressions``.
        ``meanwhile()`` runs here while the kernel works."""
        msg_id = self.kc.execute(code, silent=False, store_history=False, user_expressions=expressions or {},
                                 allow_stdin=False)
        if meanwhile is not None:
            meanwhile()
        return self._run_sync(self._reply)(msg_id, stop)

    async def _reply(self, msg_id: str, stop: threading.Event | None) -> dict:
        while True:
            try:
                msg = await self.kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if stop is not None and stop.is_set():
                    raise Stopped() from None
                if not await self.km.is_alive():
                    raise EngineError(f"kernel {self.name} died") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        content = msg["content"]
        if content.get("status") != "ok":
            raise EngineError(f"kernel {self.name}: {content.get('ename')}: {content.get('evalue')}")
        values = {}
        for name, res in content.get("user_expressions", {}).items():
            if res.get("status") != "ok":
                raise EngineError(f"kernel {self.name}: {res.get('ename')}: {res.get('evalue')}")
            values[name] = ast.literal_eval(res["data"]["text/plain"])
        return values

    def warm_up(self, stop: threading.Event | None = None, meanwhile=None) -> None:
        self.run(f"__import__('dimios.kernel_state').kernel_state.warm_up({WARM_MODULES!r}, "
                 f"{[str(r) for r in RECORD_ROOTS]!r})", stop=stop, meanwhile=meanwhile)

    def reset(self, stop: threading.Event | None = None) -> None:
        self.run("__import__('dimios.kernel_state').kernel_state.reset()", stop=stop)

    def reads(self) -> list[str]:
        got = self.run("", {"reads": "__import__('dimios.kernel_state').kernel_state.reads()"})
        return got["reads"]

    def kill(self) -> None:
        """Kill the kernel process (and anything it started) now; safe from any thread."""
        if self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
            self._run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the kernel may be gone already
            self.kill()
        finally:
            self.log.close()


# ---------------------------------------------------------------- the run
@dataclass
class Runner:
    """Workers with their own kernels; ``start()`` early (kernels warm up meanwhile), ``run()`` later."""
    work_dir: Path
    jobs: int
    mode: str = "warm"            # "warm" | "fresh"
    stop_event: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        if self.mode not in ("warm", "fresh"):
            raise ValueError(f"unknown engine mode {self.mode!r}")
        self._tasks: queue.Queue = queue.Queue()
        self._results: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._kernels: set[Kernel] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started: dict[str, float] = {}     # task key -> start time (running now)

    # -- lifecycle
    def start(self, n_workers: int, eager: bool = True) -> None:
        """Start the workers; ``eager``: each starts (and warms up) its kernel now, not at its first notebook."""
        for i in range(max(1, min(self.jobs, n_workers))):
            t = threading.Thread(target=self._worker, args=(i, eager), name=f"dimios-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def run(self, tasks: list[Task], tick=None, meanwhile=None):
        """Queue ``tasks`` (in this order) and yield ``Result``s as they finish; after ``stop()``, the
        results of the notebooks that were running (as ``Stopped``). ``tick()`` is called about
        five times a second; ``meanwhile()`` once, in the caller's thread, as soon as a notebook runs
        (not while the kernels start: on a machine with few cores it would slow them down)."""
        for t in tasks:
            self._tasks.put(t)
        for _ in self._threads:
            self._tasks.put(None)
        self._ready.set()
        remaining = len(tasks)
        while remaining:
            if meanwhile is not None and (self.started or not self._results.empty()):
                meanwhile()
                meanwhile = None
            try:
                item = self._results.get(timeout=0.05 if meanwhile is not None else 0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in self._threads) and self._results.empty():
                    if self.stop_event.is_set():
                        return
                    raise EngineError("the workers stopped before every notebook ran")
                if tick is not None:
                    tick()
                continue
            if isinstance(item, EngineError):
                raise item
            if isinstance(item, BaseException):
                raise EngineError(f"a kernel could not be started or prepared: {type(item).__name__}: {item}") \
                    from item
            remaining -= 1
            yield item
            if tick is not None:
                tick()

    def stop(self) -> None:
        """Stop now: no new notebooks, every kernel killed."""
        self.stop_event.set()
        self._ready.set()
        with self._lock:
            kernels = list(self._kernels)
        for k in kernels:
            k.kill()

    def close(self, timeout: float = 5.0) -> None:
        """Wait (briefly) for the workers to shut their kernels down."""
        self._ready.set()
        for _ in self._threads:
            self._tasks.put(None)
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            kernels = list(self._kernels)
        for k in kernels:  # still alive after the wait: kill
            k.kill()

    # -- worker
    def _new_kernel(self, i: int, meanwhile=None) -> Kernel:
        """Start a kernel (warm it up in warm mode); ``meanwhile()`` runs while it warms up."""
        if self.stop_event.is_set():
            raise Stopped()
        k = Kernel(self.work_dir, f"kernel-{i}-{time.monotonic_ns()}")
        with self._lock:
            self._kernels.add(k)
        if self.stop_event.is_set():  # stopped while it started: shut it down (and remove its files)
            self._drop_kernel(k)
            raise Stopped()
        with timed(f"kernel {i} started"):
            k.wait_ready()
        if self.mode == "warm":
            with timed(f"kernel {i} warmed up"):
                k.warm_up(self.stop_event, meanwhile=meanwhile)
        elif meanwhile is not None:
            meanwhile()
        return k

    def _drop_kernel(self, k: Kernel) -> None:
        with self._lock:
            self._kernels.discard(k)
        k.shutdown()

    def _worker(self, i: int, eager: bool) -> None:
        slot = _Slot(self, i)
        try:
            if eager and self.mode == "warm":
                slot.start(meanwhile=_ensure_engine)  # papermill is imported while the kernel warms up
            _ensure_engine()
            import papermill as pm

            self._ready.wait()
            while not self.stop_event.is_set():
                task = self._tasks.get()
                if task is None or self.stop_event.is_set():
                    break
                t0 = time.perf_counter()
                self.started[task.key] = t0
                result = Result(task, 0.0, worker=i)
                try:
                    slot.prepare()
                    pm.execute_notebook(str(task.notebook), str(task.output), parameters=task.parameters,
                                        engine_name="dimios", kernel=slot, kernel_name=KERNEL,
                                        progress_bar=False, log_output=False, report_mode=True,
                                        request_save_on_cell_execute=False)
                    result.reads = slot.reads()
                except BaseException as exc:  # noqa: BLE001 - reported by the caller
                    result.error = Stopped() if self.stop_event.is_set() else exc
                    slot.discard()  # a failed notebook may leave its kernel in any state
                finally:
                    self.started.pop(task.key, None)
                    if self.mode == "fresh":
                        slot.discard()
                result.seconds = time.perf_counter() - t0
                self._results.put(result)
        except Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - kernel start/warm-up failed: tell the caller
            if not self.stop_event.is_set():
                self._results.put(exc)
        finally:
            slot.discard()


class _Slot:
    """A worker's kernel, started when first needed (the papermill engine asks for it)."""

    def __init__(self, runner: Runner, i: int):
        self.runner, self.i = runner, i
        self.kernel: Kernel | None = None
        self.used = False        # a notebook ran since the last reset

    def start(self, meanwhile=None) -> None:
        if self.kernel is None:
            self.kernel = self.runner._new_kernel(self.i, meanwhile)

    def get(self) -> Kernel:
        self.start()
        self.used = True
        return self.kernel

    def prepare(self) -> None:
        """Before a notebook: reset the warm kernel if a notebook ran on it."""
        if self.kernel is not None and self.used:
            self.kernel.reset(self.runner.stop_event)
            self.used = False

    def reads(self) -> list[str] | None:
        if self.runner.mode == "warm" and self.kernel is not None and self.used:
            return self.kernel.reads()
        return None

    def discard(self) -> None:
        if self.kernel is not None:
            k, self.kernel, self.used = self.kernel, None, False
            self.runner._drop_kernel(k)


def plan_jobs(requested: int | None, n_tasks: int, per_kernel_gb: float = 0.75) -> tuple[int, str | None]:
    """Workers to start: ``requested`` (default: one per core), capped by cores, free memory and
    the number of notebooks. Returns (jobs, a note when a requested number was lowered)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    mem_cap = None
    try:
        import psutil

        mem_cap = max(1, int(psutil.virtual_memory().available / (per_kernel_gb * 2**30)))
    except Exception:  # noqa: BLE001 - psutil missing or unsupported platform: cores only
        pass
    cap = min(cores, mem_cap) if mem_cap else cores
    jobs = requested if requested is not None else cap
    note = None
    if requested is not None and requested > cap:
        why = f"{cores} core{'s' if cores != 1 else ''}"
        if mem_cap is not None and mem_cap < cores:
            why = f"free memory for {mem_cap} kernel{'s' if mem_cap != 1 else ''} (~{per_kernel_gb:g} GB each)"
        note = f"--jobs {requested} lowered to {cap}: this machine has {why}"
        jobs = cap
    return max(1, min(jobs, max(1, n_tasks))), note
