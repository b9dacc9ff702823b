"""Shared fixtures: the default synthetic panel is generated once per test session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dimios import instrument


@pytest.fixture(scope="session")
def inst():
    return instrument.load()


@pytest.fixture(scope="session")
def default_panel():
    from dimios import synthetic

    return synthetic.generate()


def make_responses(rows, inst=None):
    """Respondent table in the data contract from a compact spec.

    rows: list of (organisation_id, year, {principle_id: answer or None}); principles
    not given are missing. organisation_type 'kommun', involved False.
    """
    inst = inst or instrument.load()
    records = []
    for i, (org, year, answers) in enumerate(rows):
        rec = {
            "respondent_id": f"r{i:04d}",
            "organisation_id": org,
            "organisation_type": "kommun",
            "year": year,
            "involved": False,
            "business_area": None,
        }
        for pid in inst.principle_ids:
            value = answers.get(pid)
            rec[pid] = np.nan if value is None else float(value)
        records.append(rec)
    return pd.DataFrame.from_records(records)
