import pandas as pd

from dimios import paths, scoring, spread
from tests.conftest import make_responses

P = "portfoljstyrning"


def test_round_half_up():
    # 1/8 = 12.5 % -> 13 (half up), 1/3 = 33.3 -> 33, 2/3 -> 67, 0 -> 0
    assert spread.round_half_up_percent([1, 1, 2, 0, 5], [8, 3, 3, 4, 40]).tolist() == [13, 33, 67, 0, 13]
    assert round(12.5) == 12  # why we do not use round()


def test_spread_counts_and_layout():
    rows = []
    # 8 organisations in 2023: levels 1,2,2,2,3,3,3,4 ; one organisation has too few answers
    for i, a in enumerate([1, 3, 3, 3, 5, 5, 5, 7]):
        rows += [(f"O{i}", 2023, {P: a})] * 3
    rows += [("X", 2023, {P: 7})] * 2
    org = scoring.organisation_scores(make_responses(rows))
    wide = spread.spread_wide(org)
    r = wide[wide.principle == P].iloc[0]
    assert (r.level_1_n, r.level_2_n, r.level_3_n, r.level_4_n, r.n) == (1, 3, 3, 1, 8)
    assert (r.level_1_pct, r.level_2_pct, r.level_3_pct, r.level_4_pct) == (13, 38, 38, 13)
    table = spread.spread_table(org)
    assert list(table.columns) == list(pd.read_csv(paths.PUBLISHED_SPREAD).columns)
    row = table[table.principle == "Portföljstyrning"].iloc[0]
    assert row.table == "1.1" and row.year == 2023


def test_empty_level_is_an_empty_cell():
    rows = [(f"O{i}", 2023, {P: 5}) for i in range(3) for _ in range(3)]
    table = spread.spread_table(scoring.organisation_scores(make_responses(rows)))
    row = table[table.principle == "Portföljstyrning"].iloc[0]
    assert pd.isna(row.level_1_pct) and row.level_3_pct == 100


def test_compare_cell_by_cell():
    pub = spread.read_published(paths.PUBLISHED_SPREAD)
    same = spread.compare(pub, pub)
    assert len(same) == 416 and (same.difference == 0).all()
    changed = pub.copy()
    changed.loc[0, "level_2_pct"] = 42
    diff = spread.compare(changed, pub)
    assert diff.difference.abs().sum() == 1
