"""Validate + score + spread on a large synthetic file; prints time and peak memory.

Usage: .venv/bin/python benchmarks/bench_core.py [--respondents 1000000]
Generation runs in its own process first, so the figures below are for the measured steps only.
Target (2-core machine): under 20 s and under 2 GB for 1,000,000 respondents.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--respondents", type=int, default=1_000_000)
    args = ap.parse_args()
    default_n = 27_105  # respondents in the default panel
    # organisation sizes are random, so scaled panels come out ~3 % smaller than n x scale
    scale = args.respondents / default_n * 1.03
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.parquet"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dimios.cli", "synth", "--out", str(path), "--scale", f"{scale:.4f}"],
                       check=True, capture_output=True)
        print(f"generate  {time.perf_counter() - t0:7.1f} s  (scale {scale:.2f}, separate process)")

        from dimios import io, scoring, spread

        t = time.perf_counter()
        data = io.read_responses(path).data
        t_read = time.perf_counter() - t
        t = time.perf_counter()
        org = scoring.organisation_scores(data)
        levels = scoring.principle_levels(org)
        pos = scoring.positions(org)
        t_score = time.perf_counter() - t
        t = time.perf_counter()
        table = spread.spread_table(org)
        t_spread = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"rows      {len(data):,} respondents, {len(org):,} organisation-years, {len(table)} spread rows")
        print(f"validate  {t_read:7.1f} s")
        print(f"score     {t_score:7.1f} s  ({levels.notna().sum().sum():,} levels, {len(pos):,} positions)")
        print(f"spread    {t_spread:7.1f} s")
        print(f"total     {t_read + t_score + t_spread:7.1f} s   peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
