import numpy as np
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


def test_percentages_are_per_principle_and_year():
    """Each row's shares are of that principle's organisations in that year (not of the year, the
    principle over all years, or the level)."""
    R = "styrning"
    rows = []
    # 2022: P levels 1,1,4,4 -> 50/0/0/50, R all level 3 (answer 5 = 66.7 %);
    # 2023: P levels 2,2,2,3 -> 0/75/25/0 (answers 3 = 33.3 %, 5), R not answered
    for i, a in enumerate([1, 1, 7, 7]):
        rows += [(f"O{i}", 2022, {P: a, R: 5})] * 3
    for i, a in enumerate([3, 3, 3, 5]):
        rows += [(f"O{i}", 2023, {P: a})] * 3
    org = scoring.organisation_scores(make_responses(rows))
    pct = spread.LEVEL_PCT_COLUMNS
    wide = spread.spread_wide(org).set_index(["principle", "year"])
    assert wide.loc[(P, 2022), pct].tolist() == [50, 0, 0, 50]
    assert wide.loc[(P, 2023), pct].tolist() == [0, 75, 25, 0]
    assert wide.loc[(R, 2022), pct].tolist() == [0, 0, 100, 0]
    # issue 20.5: a principle nobody answered in a year of the data keeps its row, with no shares
    assert wide.loc[(R, 2023), "n"] == 0 and wide.loc[(R, 2023), pct].isna().all()
    assert wide.loc[(P, 2022), "n"] == 4 and wide.loc[(P, 2023), "n"] == 4 and wide.loc[(R, 2022), "n"] == 4
    assert wide.loc[(P, 2023), ["level_1_n", "level_2_n", "level_3_n", "level_4_n"]].tolist() == [0, 3, 1, 0]
    counts = spread.level_counts(org)
    assert counts.groupby(["principle", "year"])["count"].sum().equals(
        counts.groupby(["principle", "year"])["n"].first())
    table = spread.spread_table(org).set_index(["principle", "year"])
    assert table.loc[("Portföljstyrning", 2023), pct].tolist() == [pd.NA, 75, 25, pd.NA]
    assert table.loc[("Styrning", 2022), "table"] == "26.1"
    assert table.loc[("Styrning", 2023), "note"] == "inga svar" and table.loc[("Styrning", 2022), "note"] == ""
    assert table.loc[("Styrning", 2023), pct].isna().all()


def test_rows_in_instrument_order_with_plain_columns(inst):
    # kompetens (table 19) sorts before portfoljstyrning (table 1) alphabetically
    K = "kompetens"
    rows = []
    for i, a in enumerate([2, 6]):
        rows += [(f"O{i}", 2023, {P: a, K: a})] * 3 + [(f"O{i}", 2021, {K: 7})] * 3
    rows += [("Solo", 2022, {K: 4})] * 3  # one organisation in a year: still a row (100 %)
    org = scoring.organisation_scores(make_responses(rows))
    counts = spread.level_counts(org)
    assert list(counts.columns) == ["principle", "year", "level", "count", "n"]
    assert list(counts["principle"].unique()) == list(inst.principle_ids)
    assert counts["level"].tolist()[:4] == [1, 2, 3, 4] and counts["level"].dtype == "int64"
    assert sorted(counts["level"].unique()) == [1, 2, 3, 4] and sorted(counts["year"].unique()) == [2021, 2022, 2023]
    assert isinstance(counts.index, pd.RangeIndex)
    # every principle has a row for every year of the data (issue 20.5); those nobody answered have n = 0
    every = spread.spread_wide(org)
    assert len(every) == len(inst.principle_ids) * 3
    assert list(every["principle"]) == [pid for pid in inst.principle_ids for _ in range(3)]
    wide = every[every["n"] > 0].reset_index(drop=True)
    assert list(wide["principle"]) == [P, K, K, K] and list(wide["year"]) == [2023, 2021, 2022, 2023]
    assert "index" not in every.columns and isinstance(every.index, pd.RangeIndex)
    assert wide.iloc[2][["level_3_pct", "n"]].tolist() == [100, 1]
    table = spread.spread_table(org)
    answered = table[table["note"] == ""]
    assert answered["table"].tolist() == ["1.1", "19.1", "19.1", "19.1"]
    assert (table.loc[table["note"] != "", spread.LEVEL_PCT_COLUMNS].isna()).all(axis=None)
    assert table["year"].dtype == "int64"


def test_round_half_up_gives_integers():
    got = spread.round_half_up_percent(np.array([1.0, 3.0]), np.array([8.0, 8.0]))
    assert got.dtype.kind == "i" and got.tolist() == [13, 38]
    assert spread.round_half_up_percent(0, 0) == 0


def test_compare_names_cells_of_both_sides_and_tables_on_one_side_only():
    pub = spread.read_published(paths.PUBLISHED_SPREAD)
    computed = pub[pub["table"].isin(["1.1", "2.1"])].copy()
    i = computed.index[computed["level_2_pct"].notna()][0]
    was = int(pub.loc[i, "level_2_pct"])
    computed.loc[i, "level_2_pct"] = was + 2
    extra = computed.loc[[i]].assign(table="99.1")
    diff = spread.compare(pd.concat([computed, extra]), pub[pub["table"].isin(["1.1", "3.1"])])
    assert list(diff.columns) == ["table", "year", "level", "difference", "computed", "published"]
    assert set(diff["table"]) == {"1.1", "2.1", "3.1", "99.1"}  # outer join: every table of either side
    cell = diff[(diff.table == "1.1") & (diff.year == pub.loc[i, "year"]) & (diff.level == "level_2_pct")]
    assert cell[["difference", "computed", "published"]].iloc[0].tolist() == [2, was + 2, was]
    assert diff.loc[diff.table == "1.1", "difference"].abs().sum() == 2
    assert diff.loc[diff.table == "99.1", "published"].isna().all()
    assert diff.loc[diff.table == "3.1", "computed"].isna().all()
    assert len(diff) == 4 * len(pd.concat([computed, extra, pub[pub["table"] == "3.1"]]))


def test_read_published_has_text_notes_and_integer_cells():
    pub = spread.read_published(paths.PUBLISHED_SPREAD)
    assert list(pub.columns) == spread.PUBLISHED_COLUMNS
    assert pub["note"].notna().all() and (pub["note"] == "").any()
    assert all(str(pub[c].dtype) == "Int64" for c in spread.LEVEL_PCT_COLUMNS) and pub["level_1_pct"].isna().any()


def test_read_published_keeps_notes_as_written(tmp_path):
    f = tmp_path / "spread.csv"
    f.write_text("table,principle,dimension,year,level_1_pct,level_2_pct,level_3_pct,level_4_pct,note\n"
                 "1.1,Portföljstyrning,digital_formaga,2023,,50,50,,NA\n"
                 "1.1,Portföljstyrning,digital_formaga,2022,10,40,50,,2\n", encoding="utf-8")
    pub = spread.read_published(f)
    assert pub["note"].tolist() == ["NA", "2"] and pub["table"].tolist() == ["1.1", "1.1"]
    assert pd.isna(pub.loc[0, "level_1_pct"]) and pub.loc[1, "level_1_pct"] == 10


def test_read_published_keeps_numeric_notes_as_text(tmp_path):
    # a note column holding only footnote numbers (and empty notes) is still text, not numbers
    f = tmp_path / "spread.csv"
    f.write_text("table,principle,dimension,year,level_1_pct,level_2_pct,level_3_pct,level_4_pct,note\n"
                 "1.1,Portföljstyrning,digital_formaga,2023,,50,50,,\n"
                 "1.1,Portföljstyrning,digital_formaga,2022,10,40,50,,1\n", encoding="utf-8")
    pub = spread.read_published(f)
    assert pub["note"].tolist() == ["", "1"]
