"""Trend per principle, bootstrap intervals and change per organisation (report 2.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dimios import instrument, scoring, synthetic, trends

INST = instrument.load()
IDS = list(INST.principle_ids)
F_IDS = list(INST.principles_in("digital_formaga"))
A_IDS = list(INST.principles_in("digitalt_arv"))
P, Q, R = "portfoljstyrning", "styrning", "skalning"


def org_frame(rows) -> pd.DataFrame:
    """org_scores-like frame from (organisation_id, year, {principle: score}, n_respondents).

    Principles not given are 50.0; a value None is missing (NaN)."""
    records, index = [], []
    for org, year, scores, n in rows:
        rec = {"organisation_type": "kommun", "n_respondents": n}
        for pid in IDS:
            v = scores.get(pid, 50.0)
            rec[pid] = np.nan if v is None else float(v)
        records.append(rec)
        index.append((org, year))
    return pd.DataFrame.from_records(records, index=pd.MultiIndex.from_tuples(index, names=scoring.ORG_KEYS))


def plane_frame(rows) -> pd.DataFrame:
    """org_scores-like frame where every förmåga principle is f and every arv principle is a."""
    return org_frame([(o, y, {**{p: f for p in F_IDS}, **{p: a for p in A_IDS}}, n) for o, y, f, a, n in rows])


# ---------------------------------------------------------------- classify / principle_trends
def test_classify_exactly_at_threshold_is_stable():
    assert trends.classify(2.0, 2.0) == "stable"
    assert trends.classify(-2.0, 2.0) == "stable"
    assert trends.classify(2.0000001, 2.0) == "positive"
    assert trends.classify(-2.0000001, 2.0) == "negative"
    assert trends.classify(np.nan) is None
    assert list(trends.classify([-3, 0, 3], 2)) == ["negative", "stable", "positive"]
    assert trends.classify(2.5) == "positive"  # default threshold from the instrument (2)


def test_principle_trends_on_hand_made_data():
    # two organisations; P: 50 -> 52 (exactly +2: stable), Q: 50 -> 47.5 (negative), R: 50 -> 52.5 (positive)
    org = org_frame([
        ("A", 2020, {P: 48.0, Q: 50.0, R: 50.0}, 5), ("B", 2020, {P: 52.0, Q: 50.0, R: 50.0}, 5),
        ("A", 2023, {P: 50.0, Q: 45.0, R: 55.0}, 5), ("B", 2023, {P: 54.0, Q: 50.0, R: 50.0}, 5),
    ])
    tr = trends.principle_trends(org, threshold=2.0)
    assert tr.loc[P, "change"] == 2.0 and tr.loc[P, "trend"] == "stable"
    assert tr.loc[Q, "change"] == -2.5 and tr.loc[Q, "trend"] == "negative"
    assert tr.loc[R, "change"] == 2.5 and tr.loc[R, "trend"] == "positive"
    assert tr.loc[P, "first_mean"] == 50.0 and tr.loc[P, "last_mean"] == 52.0
    # a larger threshold turns R stable; a smaller one turns P positive
    assert trends.principle_trends(org, threshold=3.0).loc[R, "trend"] == "stable"
    assert trends.principle_trends(org, threshold=1.0).loc[P, "trend"] == "positive"


def test_first_and_last_year_only_middle_years_ignored():
    org = org_frame([
        ("A", 2020, {P: 40.0}, 5), ("A", 2021, {P: 90.0}, 5), ("A", 2022, {P: 45.0}, 5),
    ])
    tr = trends.principle_trends(org, threshold=2.0)
    assert (tr.loc[P, "first_year"], tr.loc[P, "last_year"]) == (2020, 2022)
    assert tr.loc[P, "change"] == 5.0
    # explicit years
    assert trends.principle_trends(org, first=2021, last=2022).loc[P, "change"] == -45.0


def test_principle_missing_in_a_year():
    # Q has no score in 2023: its own last year is 2021; with explicit first/last it has no trend
    org = org_frame([
        ("A", 2020, {Q: 40.0}, 5), ("A", 2021, {Q: 44.0}, 5), ("A", 2023, {Q: None}, 5),
        ("B", 2021, {Q: 50.0}, 5), ("B", 2023, {Q: None}, 5),
    ])
    tr = trends.principle_trends(org)
    assert (tr.loc[Q, "first_year"], tr.loc[Q, "last_year"]) == (2020, 2021)
    assert tr.loc[Q, "change"] == pytest.approx(47.0 - 40.0)
    fixed = trends.principle_trends(org, first=2020, last=2023)
    assert np.isnan(fixed.loc[Q, "change"]) and pd.isna(fixed.loc[Q, "trend"])
    assert fixed.loc[P, "trend"] == "stable"  # other principles are unaffected
    # a principle missing everywhere
    empty = org_frame([("A", 2020, {R: None}, 5), ("A", 2023, {R: None}, 5)])
    assert pd.isna(trends.principle_trends(empty).loc[R, "trend"])


def test_dimension_means_and_yearly_changes():
    org = plane_frame([("A", 2020, 40.0, 60.0, 5), ("B", 2020, 50.0, 70.0, 5), ("A", 2021, 46.0, 64.0, 5)])
    m = trends.dimension_means(org)
    assert list(m.columns) == ["digital_formaga", "digitalt_arv", "overall"]
    assert m.loc[2020, "digital_formaga"] == 45.0 and m.loc[2020, "digitalt_arv"] == 65.0
    assert m.loc[2021, "overall"] == pytest.approx((18 * 46 + 8 * 64) / 26)
    yc = trends.yearly_changes(org)
    assert list(yc.index) == [2021] and yc.loc[2021, P] == pytest.approx(1.0)


# ---------------------------------------------------------------- bootstrap
def _random_orgs(seed=1, n0=12, n1=20, shift=3.0):
    rng = np.random.default_rng(seed)
    rows = [(f"O{i:02d}", 2020, {p: float(v) for p, v in zip(IDS, rng.normal(50, 10, len(IDS)))}, 5)
            for i in range(n0)]
    rows += [(f"O{i:02d}", 2023, {p: float(v) for p, v in zip(IDS, rng.normal(50 + shift, 10, len(IDS)))}, 5)
             for i in range(4, 4 + n1)]
    return org_frame(rows)


def test_bootstrap_is_deterministic_for_a_seed():
    org = _random_orgs()
    a = trends.bootstrap_change(org, reps=300, seed=7)
    b = trends.bootstrap_change(org, reps=300, seed=7)
    c = trends.bootstrap_change(org, reps=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    # point estimate is the published definition; the interval contains it
    tr = trends.principle_trends(org)
    np.testing.assert_allclose(a["change"], tr["change"])
    assert ((a["ci_low"] <= a["change"]) & (a["change"] <= a["ci_high"])).all()
    assert (a["n_first"] == 12).all() and (a["n_last"] == 20).all()


def test_bootstrap_paired_uses_common_organisations():
    org = _random_orgs()
    assert trends.common_organisations(org, 2020, 2023) == [f"O{i:02d}" for i in range(4, 12)]
    paired = trends.bootstrap_change(org, reps=200, seed=3, paired=True)
    assert (paired["n_first"] == 8).all() and (paired["n_last"] == 8).all()
    common = org[org.index.get_level_values(0).isin(trends.common_organisations(org, 2020, 2023))]
    np.testing.assert_allclose(paired["change"], trends.principle_trends(common)["change"])


def test_bootstrap_of_constant_change_has_zero_width():
    # every organisation moves by exactly +3 on P: paired resampling gives a degenerate interval
    org = org_frame([(o, y, {P: b + (3.0 if y == 2023 else 0.0)}, 5)
                     for o, b in [("A", 40.0), ("B", 55.0), ("C", 61.0)] for y in (2020, 2023)])
    res = trends.bootstrap_change(org, reps=100, seed=0, paired=True)
    assert res.loc[P, "ci_low"] == pytest.approx(3.0) and res.loc[P, "ci_high"] == pytest.approx(3.0)


def test_uncertain_when_interval_crosses_a_class_boundary():
    got = trends.uncertain(np.array([-1.0, 1.0, 2.5, -5.0, -3.0, 2.0]), np.array([1.0, 3.0, 4.0, -2.5, -2.0, 5.0]),
                           2.0)
    # inside stable; crosses +2; inside positive; inside negative; touches -2 (stable at -2): crosses; 2 is stable
    assert list(got) == [False, True, False, False, True, True]
    assert trends.uncertain(np.nan, 1.0, 2.0) is False


def test_trend_table_columns():
    tt = trends.trend_table(_random_orgs(), threshold=2.0, reps=100, seed=1)
    for col in ("change", "trend", "ci_low", "ci_high", "uncertain", "same_change", "same_trend", "same_uncertain"):
        assert col in tt.columns
    assert (tt["n_same"] == 8).all()


# ---------------------------------------------------------------- change per organisation
def test_organisation_changes_hand_made():
    org = plane_frame([
        ("A", 2020, 40.0, 40.0, 10), ("A", 2021, 43.0, 44.0, 10),   # +3, +4: distance 5, improved
        ("B", 2020, 60.0, 50.0, 10), ("B", 2022, 61.0, 51.0, 10),   # skips 2021; distance 1.41: steady
        ("C", 2021, 50.0, 50.0, 10), ("C", 2022, 44.0, 42.0, 10),   # -6, -8: distance 10, declined
        ("C", 2023, 47.0, 39.0, 10),                                 # +3, -3: on the anti-diagonal: steady
        ("D", 2021, 50.0, 50.0, 3), ("D", 2022, 60.0, 60.0, 10),   # too few respondents in 2021
        ("E", 2023, 50.0, 50.0, 10),                                 # measured once
    ])
    ch = trends.organisation_changes(org, tolerance=2.0, min_respondents=5).set_index(["organisation_id", "to_year"])
    assert set(ch.index) == {("A", 2021), ("B", 2022), ("C", 2022), ("C", 2023)}
    a = ch.loc[("A", 2021)]
    assert (a["from_year"], a["d_formaga"], a["d_arv"]) == (2020, 3.0, 4.0)
    assert a["distance"] == pytest.approx(5.0) and a["direction"] == "improved"
    assert a["angle"] == pytest.approx(np.degrees(np.arctan2(4, 3)))
    assert ch.loc[("B", 2022), "from_year"] == 2020 and ch.loc[("B", 2022), "direction"] == "steady"
    assert ch.loc[("C", 2022), "distance"] == pytest.approx(10.0) and ch.loc[("C", 2022), "direction"] == "declined"
    assert ch.loc[("C", 2023), "direction"] == "steady"
    # without the privacy filter D is in
    assert ("D", 2022) in set(trends.organisation_changes(org).set_index(["organisation_id", "to_year"]).index)
    # a larger tolerance makes A steady
    big = trends.organisation_changes(org, tolerance=5.5, min_respondents=5).set_index(["organisation_id", "to_year"])
    assert big.loc[("A", 2021), "direction"] == "steady"

    shares = trends.change_shares(trends.organisation_changes(org, tolerance=2.0, min_respondents=5))
    assert list(shares.index) == ["2021", "2022", "2023", "total"]
    assert shares.loc["total", "n"] == 4
    assert shares.loc["total", ["improved", "steady", "declined"]].tolist() == [25.0, 50.0, 25.0]
    assert shares.loc["2022", "steady"] == 50.0 and shares.loc["2022", "declined"] == 50.0
    assert shares.loc["total", "median_distance"] == pytest.approx(np.median([5, np.sqrt(2), 10, np.sqrt(18)]))


def test_quadrant_shares():
    org = plane_frame([("A", 2020, 40.0, 40.0, 5), ("B", 2020, 60.0, 40.0, 5), ("C", 2020, 60.0, 60.0, 5),
                       ("D", 2020, 50.0, 50.0, 5)])  # exactly at the split counts as high
    sh = trends.quadrant_shares(scoring.positions(org))
    assert sh.loc[2020].tolist() == [25.0, 25.0, 0.0, 50.0]
    assert list(sh.columns) == [q.id for q in INST.quadrants]


# ---------------------------------------------------------------- default panel
@pytest.fixture(scope="module")
def panel_scores(default_panel):
    return scoring.organisation_scores(default_panel.responses)


def test_default_panel_trend_classes_are_the_published_ones(panel_scores):
    tr = trends.principle_trends(panel_scores)
    assert len(tr) == 26
    assert (tr["first_year"] == 2020).all() and (tr["last_year"] == 2023).all()
    got = tr["trend"].to_dict()
    expected = {pid: synthetic.published_trend_class(pid) for pid in IDS}
    assert got == expected
    assert sorted(p for p, c in got.items() if c == "negative") == sorted(
        ["portfoljstyrning", "projektstyrning", "arbetsmiljo", "skugg_it", "teknisk_skuld"])
    assert sorted(p for p, c in got.items() if c == "stable") == sorted(
        ["ekonomiska_ramar", "anvandarinvolvering", "oppna_data", "oppen_utveckling", "prioritering", "kompetens",
         "infrastruktur"])


def test_default_panel_trend_table(panel_scores):
    tt = trends.trend_table(panel_scores, reps=200)
    assert (tt["trend"] == trends.principle_trends(panel_scores)["trend"]).all()
    assert ((tt["ci_low"] < tt["change"]) & (tt["change"] < tt["ci_high"])).all()
    assert tt["n_same"].iloc[0] == len(trends.common_organisations(panel_scores, 2020, 2023)) > 0
