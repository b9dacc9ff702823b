"""Step timings for the benchmarks: silent unless asked for."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager


@contextmanager
def timed(step: str):
    """With ``DIMIOS_TIMINGS=1`` in the environment (benchmarks/bench_build.py sets it), one line
    ``timing: <step> <seconds>s`` on stderr when the step ends; otherwise nothing."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if os.environ.get("DIMIOS_TIMINGS") == "1":
            print(f"timing: {step} {time.perf_counter() - started:.2f}s", file=sys.stderr, flush=True)
