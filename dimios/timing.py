"""Step timings for the benchmarks: silent unless asked for."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

_T0 = time.perf_counter()  # when the command started, about (``dimios.cli`` imports this module first)


@contextmanager
def timed(step: str):
    """With ``DIMIOS_TIMINGS=1`` in the environment (benchmarks/bench_build.py sets it), one line
    ``timing: <step> <seconds>s (ended at <seconds>s)`` on stderr when the step ends (the second
    figure counts from the start of the command: steps that overlap show it); otherwise nothing."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if os.environ.get("DIMIOS_TIMINGS") == "1":
            ended = time.perf_counter()
            # one write: lines of steps that end at once in two threads (the kernels) do not interleave
            sys.stderr.write(f"timing: {step} {ended - started:.2f}s (ended at {ended - _T0:.2f}s)\n")
            sys.stderr.flush()
