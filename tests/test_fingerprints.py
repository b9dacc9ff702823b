"""Fingerprints of what is published: the default panel's canonical sha256."""

from __future__ import annotations

import pandas as pd
import pytest

from dimios import io, synthetic


@pytest.fixture(scope="module")
def small_panel():
    return synthetic.generate(scale=0.05).responses


def test_default_panel_fingerprint_is_the_committed_one(default_panel):
    ref = synthetic.default_panel_fingerprints()
    got = synthetic.panel_fingerprint(default_panel.responses)
    assert got == ref["sha256"], (
        f"the default panel's fingerprint changed ({ref['sha256'][:12]}… -> {got[:12]}…): the generated panel "
        "is no longer the published one. After an intended change run `make fingerprints` and commit."
    )
    assert synthetic.panel_year_fingerprints(default_panel.responses) == ref["years"]
    assert len(default_panel.responses) == ref["rows"]
    assert synthetic.is_default_panel(default_panel.responses)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_fingerprint_ignores_file_format_and_column_and_row_order(small_panel, tmp_path, suffix):
    want = synthetic.panel_fingerprint(small_panel)
    shuffled = small_panel.sample(frac=1, random_state=3)[list(small_panel.columns[::-1])]
    path = tmp_path / f"panel{suffix}"
    if suffix == ".xlsx":
        shuffled.astype({"organisation_type": str}).to_excel(path, index=False)
    else:
        io.write_responses(shuffled, path)
    read = io.read_responses(path).data
    assert not read["respondent_id"].equals(small_panel["respondent_id"])  # really another row order
    assert synthetic.panel_fingerprint(read) == want


def test_fingerprint_ignores_columns_outside_the_contract(small_panel):
    extra = small_panel.assign(comment="x")
    assert synthetic.panel_fingerprint(extra) == synthetic.panel_fingerprint(small_panel)


def test_any_changed_cell_changes_the_fingerprint(small_panel):
    want = synthetic.panel_fingerprint(small_panel)
    pid = small_panel.columns[-1]
    for column, value in (("respondent_id", "SYN-2020-999999"), ("year", 2019), ("involved", None),
                          ("business_area", "IT"), (pid, None), (pid, 2.5)):
        changed = small_panel.copy()
        if value is None and column == "involved":
            value = not bool(changed.loc[0, "involved"])
        elif value is None:
            value = 1.0 if changed.loc[0, pid] != 1.0 else 2.0
        changed.loc[0, column] = value
        assert synthetic.panel_fingerprint(changed) != want, column
    assert synthetic.panel_fingerprint(small_panel.iloc[1:]) != want  # a row removed


def test_missing_and_whole_numbers_have_one_spelling(small_panel):
    ints = small_panel.copy()
    pid = ints.columns[-1]
    ints[pid] = ints[pid].astype("Int64")  # 3 and 3.0, NaN and <NA> are the same answer
    assert synthetic.panel_fingerprint(ints) == synthetic.panel_fingerprint(small_panel)


def test_an_edited_copy_of_the_default_panel_is_not_the_default_panel(default_panel):
    edited = default_panel.responses.copy()
    pid = edited.columns[-1]
    row = edited[pid].first_valid_index()
    edited.loc[row, pid] = 1.0 if edited.loc[row, pid] != 1.0 else 2.0
    assert edited["respondent_id"].str.startswith("SYN-").all()
    assert not synthetic.is_default_panel(edited)
    assert not synthetic.is_default_panel(edited, allow_year_subset=True)


def test_years_of_the_default_panel(default_panel):
    r = default_panel.responses
    later = r[r["year"] >= 2022]
    assert not synthetic.is_default_panel(later)
    assert synthetic.is_default_panel(later, allow_year_subset=True)
    mixed = pd.concat([later, r[r["year"] == 2020].iloc[1:]])
    assert not synthetic.is_default_panel(mixed, allow_year_subset=True)
    assert not synthetic.is_default_panel(r.iloc[:0], allow_year_subset=True)


def test_not_a_response_table():
    frame = pd.DataFrame({"respondent_id": ["a"], "year": [2020]})
    with pytest.raises(ValueError, match="missing column"):
        synthetic.panel_fingerprint(frame)
    assert not synthetic.is_default_panel(frame)
