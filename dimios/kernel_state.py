"""Inside a warm kernel: warm up once, then give every notebook a clean start.

``dimios.engine`` keeps one Jupyter kernel per worker for a whole build instead of
starting one per notebook. This module runs *in* that kernel:

- ``warm_up(modules, roots)`` imports the analysis stack once, starts recording which
  project content files (ladders, instrument, reference tables) are opened, takes a
  snapshot of the global state a notebook can change, and moves what the imports built
  out of the garbage collector's sight (``gc.freeze``);
- ``reset()`` (between notebooks) clears the user namespace and restores that snapshot:
  matplotlib figures and rcParams, pandas and numpy options, warnings filters, working
  folder, ``sys.path``, environment, random state, the package's memoised loaders and the
  execution counter, so each notebook runs as in a fresh kernel;
- ``reads()`` lists the content files the current notebook opened (the build's cache uses
  them: a section re-runs only when a file it read changed). Files opened while a module
  was being imported belong to every notebook.

Only the standard library is imported at module level.
"""

from __future__ import annotations

import copy
import gc
import importlib
import os
import random
import sys
import warnings

_roots: tuple[str, ...] = ()
_skip_suffixes = (".py", ".pyc", ".ipynb", ".parquet")
_import_reads: set[str] = set()   # opened while importing: a dependency of every notebook
_reads: set[str] = set()          # opened by the current notebook
_snapshot: dict | None = None


def _during_import() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _audit(event: str, args) -> None:
    if event != "open" or not _roots:
        return
    path = args[0]
    if isinstance(path, int):
        return
    try:
        path = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return
    if path.startswith(_roots) and not path.endswith(_skip_suffixes):
        (_import_reads if _during_import() else _reads).add(path)


def _pandas_options(pd, prefix: str = "") -> dict:
    out = {}
    node = pd.options
    for part in [p for p in prefix.split(".") if p]:
        node = getattr(node, part)
    for key in dir(node):
        full = f"{prefix}.{key}" if prefix else key
        try:
            value = getattr(node, key)
        except Exception:  # noqa: BLE001 - a deprecated or removed option
            continue
        if type(value).__name__ == "DictWrapper":
            out.update(_pandas_options(pd, full))
        else:
            out[full] = value
    return out


_hooked = False


def record(roots: list[str] | None) -> None:
    """Start recording the content files opened below ``roots`` (None: stop recording)."""
    global _roots, _hooked
    _roots = tuple(os.path.join(os.path.abspath(r), "") for r in roots) if roots else ()
    _reads.clear()
    _import_reads.clear()
    if roots and not _hooked:
        sys.addaudithook(_audit)  # cannot be removed: with no roots it returns at once
        _hooked = True


def warm_up(modules: list[str], roots: list[str]) -> None:
    """Import ``modules``, start recording reads below ``roots`` and take the snapshot."""
    global _snapshot
    record(roots)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in modules:
            importlib.import_module(name)
    _snapshot = _take()
    _reads.clear()
    # what the imports built lives as long as the kernel: out of the collector's sight, every later
    # collection (one per reset(), and the notebooks' own) walks only what notebooks make
    # (measured: a reset 0.12 s -> 0.02 s)
    gc.collect()
    gc.freeze()


def _take() -> dict:
    snap: dict = {
        "cwd": os.getcwd(),
        "sys.path": list(sys.path),
        "environ": dict(os.environ),
        "warnings": list(warnings.filters),
    }
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        snap["numpy.print"] = np.get_printoptions()
        snap["numpy.err"] = np.geterr()
    if "pandas" in sys.modules:
        snap["pandas"] = _pandas_options(sys.modules["pandas"])
    if "matplotlib" in sys.modules:
        mpl = sys.modules["matplotlib"]
        snap["matplotlib.rc"] = copy.deepcopy(dict(mpl.rcParams))
        units = sys.modules.get("matplotlib.units")
        if units is not None:
            snap["matplotlib.units"] = dict(units.registry)
    return snap


def reset() -> None:
    """Clean start for the next notebook (see the module docstring)."""
    snap = _snapshot or {}
    ip = _ipython()
    if ip is not None:
        ip.reset(new_session=True)  # also restarts the execution counter at 1
        ip.execution_count = 1
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib.rc" in snap:
        mpl = sys.modules["matplotlib"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            changed = {k: v for k, v in snap["matplotlib.rc"].items()
                       if k != "backend" and _differs(mpl.rcParams.get(k), v)}
            mpl.rcParams.update(copy.deepcopy(changed))
    if "matplotlib.units" in snap:
        registry = sys.modules["matplotlib.units"].registry
        registry.clear()
        registry.update(snap["matplotlib.units"])
    if "pandas" in snap:
        pd = sys.modules["pandas"]
        now = _pandas_options(pd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, value in snap["pandas"].items():
                if _differs(now.get(key), value):
                    pd.set_option(key, value)
    if "numpy.print" in snap:
        np = sys.modules["numpy"]
        np.set_printoptions(**snap["numpy.print"])
        np.seterr(**snap["numpy.err"])
        np.random.seed(None)
    random.seed()
    if snap:
        os.chdir(snap["cwd"])
        sys.path[:] = snap["sys.path"]
        if dict(os.environ) != snap["environ"]:
            os.environ.clear()
            os.environ.update(snap["environ"])
        warnings.resetwarnings()  # also forgets which warnings were shown once
        warnings.filters[:] = snap["warnings"]
    clear_package_caches()
    _reads.clear()
    gc.collect()


def reads() -> list[str]:
    """Content files opened by the current notebook (and by imports), sorted."""
    return sorted(_reads | _import_reads)


def _differs(a, b) -> bool:
    try:
        return bool(a != b)
    except Exception:  # noqa: BLE001 - e.g. arrays: compare their text
        return repr(a) != repr(b)


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None
    return get_ipython()


def clear_package_caches() -> None:
    """Forget what the package's loaders memoised (``functools.cache``): read again, as a fresh kernel would."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "dimios" or name.startswith("dimios.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
