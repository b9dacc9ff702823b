"""Wall time and peak memory of a full build on the default data: parallel vs one after another.

Usage: .venv/bin/python benchmarks/bench_build.py [--jobs N]
Both builds run without the execution cache, into temporary folders; per-section times come
from the build's own timing record. Peak memory is the largest child process (a kernel).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from dimios import build


def run(jobs: int) -> tuple[float, dict]:
    out = Path(tempfile.mkdtemp(prefix="dimios-bench-"))
    try:
        t = time.perf_counter()
        build.build(build.BuildOptions(out=out, jobs=jobs, use_cache=False, quarto=None, command_line="bench"))
        wall = time.perf_counter() - t
        timings = json.loads((out / ".work" / "timings.json").read_text())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return wall, timings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    wall_par, timings = run(args.jobs)
    wall_seq, timings_seq = run(1)
    print(f"{'section':32s} {'parallel s':>10s} {'sequential s':>13s}")
    for sid, rec in timings.items():
        print(f"{sid:32s} {rec['seconds']:10.1f} {timings_seq[sid]['seconds']:13.1f}")
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total wall: parallel ({args.jobs} jobs) {wall_par:.1f} s, sequential {wall_seq:.1f} s "
          f"(speed-up {wall_seq / wall_par:.2f}x)")
    print(f"peak memory: build process {self_peak:,.0f} MB, largest kernel {child_peak:,.0f} MB")


if __name__ == "__main__":
    main()
