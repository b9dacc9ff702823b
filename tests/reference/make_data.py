"""Write the fixed data set of the R golden values (run once; the output is committed).

    .venv/bin/python tests/reference/make_data.py

* ``golden_synthetic.csv``: the project's synthetic generator (:func:`dimios.synthetic.generate`)
  with seed 20240601 and scale 0.12: 2,971 respondents, all 26 principles, 2020–2023,
  in the data contract's CSV format (``dimios.io.write_responses``; "vet ej" is an
  empty cell). Careless respondents are planted as in the default panel and are kept:
  the report's default build does not exclude them.
* ``structure.csv``: item, category and dimension of each principle in the instrument's
  order (``dimios/instrument.yml``), so that the R script builds the same models; the
  golden test checks that it still equals the instrument.

R (``golden.R``) and Python (``tests/test_golden_r.py``) both read these files, so the
two sides analyse exactly the same numbers. The data set is fixed: regenerating it after
a change of the generator would change the golden values, so rerun ``make golden`` then.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dimios import instrument, io, synthetic

HERE = Path(__file__).resolve().parent
SEED, SCALE = 20240601, 0.12


def structure() -> pd.DataFrame:
    inst = instrument.load()
    return pd.DataFrame(
        {
            "item": list(inst.principle_ids),
            "category": [inst.principle(p).category for p in inst.principle_ids],
            "dimension": [inst.principle(p).dimension for p in inst.principle_ids],
        }
    )


def main() -> None:
    panel = synthetic.generate(seed=SEED, scale=SCALE)
    io.write_responses(panel.responses, HERE / "golden_synthetic.csv")
    structure().to_csv(HERE / "structure.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
