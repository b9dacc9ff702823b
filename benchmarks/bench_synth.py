"""Time to generate the default synthetic panel (target: under 30 s). Prints the figure."""

import time

from dimios import synthetic

for run in range(3):
    t = time.perf_counter()
    panel = synthetic.generate()
    print(f"run {run + 1}: {time.perf_counter() - t:5.2f} s  ({len(panel.responses):,} respondents, "
          f"{panel.responses['organisation_id'].nunique()} organisations)")
