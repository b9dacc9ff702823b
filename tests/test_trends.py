"""Trend per principle, bootstrap intervals and change per organisation (report 2.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dimios import instrument, reference, scoring, synthetic, trends

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


# ---------------------------------------------------------------- edge cases (mutation testing, issue 16)
def test_classify_takes_missing_values_as_none():
    # a change column with a missing value (None, e.g. from an object column) is classified, not an error
    assert list(trends.classify([1.0, None, -3.0], 2.0)) == ["stable", None, "negative"]
    assert trends.classify(None, 2.0) is None


def test_principle_without_any_score_does_not_stop_the_others():
    org = org_frame([("A", 2020, {IDS[0]: None}, 5), ("A", 2023, {IDS[0]: None, IDS[-1]: 60.0}, 5)])
    tr = trends.principle_trends(org, threshold=2.0)
    assert list(tr.index) == IDS
    assert pd.isna(tr.loc[IDS[0], "trend"])
    assert tr.loc[IDS[-1], "change"] == 10.0 and tr.loc[IDS[-1], "trend"] == "positive"


def test_explicit_first_year_without_a_score_gives_no_trend():
    # Q is scored in 2021 only: from 2020 to 2021 it has no change, and that is not an error
    org = org_frame([("A", 2020, {Q: None}, 5), ("A", 2021, {Q: 44.0}, 5)])
    tr = trends.principle_trends(org, first=2020, last=2021)
    assert np.isnan(tr.loc[Q, "first_mean"]) and np.isnan(tr.loc[Q, "change"]) and pd.isna(tr.loc[Q, "trend"])
    assert tr.loc[P, "change"] == 0.0 and tr.loc[P, "trend"] == "stable"


def test_uncertain_uses_the_given_threshold_at_both_ends():
    # with threshold 5 both 3 and 4 are stable (with the default 2 they would be positive)
    assert trends.uncertain(3.0, 4.0, 5.0) is False
    assert trends.uncertain(-4.0, -3.0, 5.0) is False
    assert list(trends.uncertain(np.array([3.0, -4.0, 1.0]), np.array([4.0, 6.0, 4.5]), 5.0)) == [False, True, False]


def _three_years():
    return org_frame([(o, y, {P: base + step * i}, 5)
                      for o, base, step in [("A", 40.0, 5.0), ("B", 50.0, 1.0), ("C", 62.0, -2.0)]
                      for i, y in enumerate((2020, 2021, 2022))])


def test_bootstrap_first_and_last_year():
    org = _three_years()
    # P's mean: 50.67, 52.0, 53.33. By default the earliest and the latest year (+8/3)
    default = trends.bootstrap_change(org, reps=50, seed=1)
    assert default.loc[P, "change"] == pytest.approx(8 / 3)
    # explicit years: 2021 -> 2022 and 2020 -> 2021 (+4/3 each)
    assert trends.bootstrap_change(org, first=2021, reps=50, seed=1).loc[P, "change"] == pytest.approx(4 / 3)
    assert trends.bootstrap_change(org, last=2021, reps=50, seed=1).loc[P, "change"] == pytest.approx(4 / 3)
    for paired in (False, True):
        res = trends.bootstrap_change(org, first=2021, last=2022, reps=50, seed=1, paired=paired)
        np.testing.assert_allclose(res["change"], trends.principle_trends(org, first=2021, last=2022)["change"])


def test_bootstrap_layout():
    res = trends.bootstrap_change(_random_orgs(), reps=20, seed=1)
    assert res.index.name == "principle" and list(res.index) == IDS
    assert list(res.columns) == ["change", "ci_low", "ci_high", "se", "n_first", "n_last"]


def test_bootstrap_se_is_the_standard_deviation_of_the_replicates():
    # two replicates b1, b2: the sample standard deviation (n - 1) is |b1 - b2| / sqrt(2), and the 95 %
    # percentile interval (linear interpolation) spans 95 % of |b1 - b2|
    res = trends.bootstrap_change(_random_orgs(), reps=2, seed=4, level=0.95)
    spread_of_two = (res["ci_high"] - res["ci_low"]) / 0.95
    assert spread_of_two.nunique() > 1 and (spread_of_two > 0).all()
    np.testing.assert_allclose(res["se"], spread_of_two / np.sqrt(2))


def test_bootstrap_interval_is_the_percentile_interval_at_the_level():
    # paired, two organisations changing by 0 and 10: a replicate's mean change is 0, 5 or 10 with
    # probabilities 1/4, 1/2, 1/4. The central 95 % of the replicates span 0..10, the central 40 % only 5.
    org = org_frame([("A", 2020, {P: 40.0}, 5), ("A", 2023, {P: 40.0}, 5),
                     ("B", 2020, {P: 60.0}, 5), ("B", 2023, {P: 70.0}, 5)])
    wide = trends.bootstrap_change(org, paired=True, level=0.95)
    assert (wide.loc[P, "ci_low"], wide.loc[P, "ci_high"]) == (0.0, 10.0)
    assert wide.loc[P, "se"] == pytest.approx(np.sqrt(12.5), rel=0.05)  # sd of the mean of 2 draws
    narrow = trends.bootstrap_change(org, paired=True, level=0.4)
    assert (narrow.loc[P, "ci_low"], narrow.loc[P, "ci_high"]) == (5.0, 5.0)
    # the other principles do not change at all
    assert (wide.drop(P)[["change", "ci_low", "ci_high", "se"]] == 0).all().all()


def test_bootstrap_year_without_data_gives_no_interval():
    org = org_frame([("A", 2020, {}, 5), ("B", 2020, {}, 5), ("A", 2023, {P: 56.0}, 5), ("B", 2023, {}, 5)])
    for paired in (False, True):
        for first, last in ((2019, 2023), (2020, 2024)):
            res = trends.bootstrap_change(org, first=first, last=last, reps=30, seed=1, paired=paired)
            assert res[["change", "ci_low", "ci_high", "se"]].isna().all().all(), (first, last, paired)
            counts = res[["n_first", "n_last"]].to_numpy()
            assert (counts[:, 0] == (0 if first == 2019 or paired else 2)).all()
            assert (counts[:, 1] == (0 if last == 2024 or paired else 2)).all()


def test_bootstrap_paired_without_common_organisations():
    org = org_frame([("A", 2020, {}, 5), ("B", 2020, {}, 5), ("C", 2023, {}, 5)])
    res = trends.bootstrap_change(org, reps=30, seed=1, paired=True)
    assert res[["change", "ci_low", "ci_high"]].isna().all().all()
    assert (res["n_first"] == 0).all() and (res["n_last"] == 0).all()


def test_bootstrap_with_one_organisation_in_a_year():
    # one organisation in 2020: it is drawn every time, so only the 2023 resampling varies
    org = org_frame([("A", 2020, {P: 40.0}, 5),
                     ("A", 2023, {P: 40.0}, 5), ("B", 2023, {P: 50.0}, 5), ("C", 2023, {P: 60.0}, 5)])
    res = trends.bootstrap_change(org, reps=200, seed=2)
    assert res.loc[P, "change"] == pytest.approx(10.0)
    assert 0.0 <= res.loc[P, "ci_low"] < 10.0 < res.loc[P, "ci_high"] <= 20.0
    assert (res.loc[P, "n_first"], res.loc[P, "n_last"]) == (1, 3)
    assert res.loc[Q, "change"] == 0.0 and res.loc[Q, "ci_low"] == res.loc[Q, "ci_high"] == 0.0


def test_bootstrap_skips_missing_scores():
    # Q: B has no 2020 score, so the 2020 mean is A's 40; R: nobody has a 2020 score, so R has no change
    org = org_frame([("A", 2020, {Q: 40.0, R: None}, 5), ("B", 2020, {Q: None, R: None}, 5),
                     ("A", 2023, {Q: 50.0, R: 50.0}, 5), ("B", 2023, {Q: 54.0, R: 50.0}, 5)])
    res = trends.bootstrap_change(org, reps=200, seed=3)
    assert res.loc[Q, "change"] == pytest.approx(12.0)
    assert res.loc[Q, "ci_low"] >= 10.0 - 1e-9 and res.loc[Q, "ci_high"] <= 14.0 + 1e-9
    assert (res.loc[Q, "n_first"], res.loc[Q, "n_last"]) == (1, 2)
    assert res.loc[R, ["change", "ci_low", "ci_high", "se"]].isna().all()
    assert (res.loc[R, "n_first"], res.loc[R, "n_last"]) == (0, 2)


def test_bootstrap_of_nullable_scores():
    # scores in pandas' nullable float dtype (e.g. read with dtype_backend="numpy_nullable") give the same result
    org = _random_orgs()
    org.iloc[0, org.columns.get_loc(P)] = np.nan
    nullable = org.astype({pid: "Float64" for pid in IDS})
    pd.testing.assert_frame_equal(trends.bootstrap_change(nullable, reps=50, seed=2),
                                  trends.bootstrap_change(org, reps=50, seed=2))


def test_trend_table_is_built_from_its_parts():
    # a threshold, replications, seed and level other than the defaults reach every column
    org = _random_orgs(seed=5, shift=3.0)
    thr, reps, seed, level = 4.0, 60, 11, 0.8
    tt = trends.trend_table(org, threshold=thr, reps=reps, seed=seed, level=level)
    tr = trends.principle_trends(org, threshold=thr)
    allb = trends.bootstrap_change(org, reps=reps, seed=seed, level=level)
    same = trends.bootstrap_change(org, reps=reps, seed=seed, level=level, paired=True)
    pd.testing.assert_frame_equal(tt[tr.columns], tr)
    np.testing.assert_array_equal(tt["ci_low"], allb["ci_low"])
    np.testing.assert_array_equal(tt["ci_high"], allb["ci_high"])
    np.testing.assert_array_equal(tt["uncertain"], trends.uncertain(allb["ci_low"], allb["ci_high"], thr))
    np.testing.assert_array_equal(tt["same_change"], same["change"])
    np.testing.assert_array_equal(tt["same_trend"], trends.classify(same["change"], thr))
    np.testing.assert_array_equal(tt["same_ci_low"], same["ci_low"])
    np.testing.assert_array_equal(tt["same_ci_high"], same["ci_high"])
    np.testing.assert_array_equal(tt["same_uncertain"], trends.uncertain(same["ci_low"], same["ci_high"], thr))
    assert list(tt.columns) == list(tr.columns) + ["ci_low", "ci_high", "uncertain", "same_change", "same_trend",
                                                   "same_ci_low", "same_ci_high", "same_uncertain", "n_same"]
    # the data make the threshold matter: some classes and flags differ from those at the default 2 points
    assert (tt["trend"] != trends.principle_trends(org)["trend"]).any()
    assert (tt["same_trend"] != trends.classify(same["change"])).any()
    assert (tt["uncertain"] != trends.uncertain(allb["ci_low"], allb["ci_high"])).any()
    assert (tt["same_uncertain"] != trends.uncertain(same["ci_low"], same["ci_high"])).any()
    assert tt["uncertain"].any() and tt["same_uncertain"].any()


def test_organisation_changes_layout_and_small_net_improvement():
    org = plane_frame([("A", 2020, 40.0, 40.0, 10), ("A", 2021, 43.0, 37.5, 10),   # +3, -2.5: net +0.5
                       ("B", 2020, 50.0, 50.0, 10), ("B", 2021, 48.0, 51.5, 10)])  # -2, +1.5: net -0.5
    ch = trends.organisation_changes(org, tolerance=2.0)
    assert list(ch.columns) == ["organisation_id", "from_year", "to_year", "d_formaga", "d_arv", "distance", "angle",
                                "direction"]
    assert list(ch.index) == [0, 1]
    assert ch["from_year"].dtype == "int64" and ch["to_year"].dtype == "int64"
    a, b = ch.set_index("organisation_id").loc["A"], ch.set_index("organisation_id").loc["B"]
    assert a["distance"] > 2.0 and a["direction"] == "improved"  # a move pointing (just) to higher maturity
    assert b["distance"] > 2.0 and b["direction"] == "declined"


def test_organisation_changes_without_respondent_counts():
    # without a minimum number of respondents the counts are not needed: an unknown count keeps the pair
    org = plane_frame([("A", 2020, 40.0, 40.0, np.nan), ("A", 2021, 45.0, 45.0, 8)])
    ch = trends.organisation_changes(org)
    assert len(ch) == 1 and ch.loc[0, "direction"] == "improved"
    assert trends.organisation_changes(org, min_respondents=5).empty


def test_change_shares_order_and_index_name():
    org = plane_frame([("A", 2021, 40.0, 40.0, 10), ("A", 2022, 45.0, 45.0, 10),   # 2021 -> 2022
                       ("B", 2020, 40.0, 40.0, 10), ("B", 2023, 30.0, 30.0, 10)])  # 2020 -> 2023
    ch = trends.organisation_changes(org)
    assert ch["from_year"].tolist() == [2021, 2020]
    by_from = trends.change_shares(ch, by="from_year")
    assert list(by_from.index) == ["2020", "2021", "total"] and by_from.index.name == "from_year"
    assert by_from.loc["2020", "declined"] == 100.0 and by_from.loc["2021", "improved"] == 100.0
    assert trends.change_shares(ch).index.name == "to_year"
    total = trends.change_shares(ch, by=None)
    assert list(total.index) == ["total"] and total.index.name == "group"
    assert total.loc["total", ["n", "improved", "declined"]].tolist() == [2, 50.0, 50.0]


def test_quadrant_shares_per_year():
    # 2020: one low-low, two high-high; 2021: one low-low, one high förmåga / low arv (a quadrant 2020 lacks)
    org = plane_frame([("A", 2020, 40.0, 40.0, 5), ("B", 2020, 60.0, 60.0, 5), ("C", 2020, 60.0, 60.0, 5),
                       ("A", 2021, 40.0, 40.0, 5), ("B", 2021, 60.0, 40.0, 5)])
    pos = scoring.positions(org)
    low_low, high_high, high_low = (pos.loc[k, "quadrant"] for k in [("A", 2020), ("B", 2020), ("B", 2021)])
    sh = trends.quadrant_shares(pos)
    assert sh.loc[2020, low_low] == pytest.approx(100 / 3) and sh.loc[2020, high_high] == pytest.approx(200 / 3)
    assert sh.loc[2020, high_low] == 0.0
    assert sh.loc[2021, low_low] == 50.0 and sh.loc[2021, high_low] == 50.0 and sh.loc[2021, high_high] == 0.0
    others = [c for c in sh.columns if c not in (low_low, high_high, high_low)]
    assert (sh[others] == 0.0).all().all()
    assert sh.sum(axis=1).tolist() == pytest.approx([100.0, 100.0])


def test_years_in_swedish_edges():
    assert trends.years_sv([]) == "inga år"
    assert trends.years_sv([2019, 2020, 2023]) == "2019–2023 (utom 2021 och 2022)"
    assert trends.missing_years([2019, 2020, 2023]) == [2021, 2022]
    assert trends.missing_years([]) == []


# ---------------------------------------------------------------- level shares against the mean
UP_DOWN, NEG_DOWN, STABLE_DOWN, NONE = IDS[0], IDS[1], IDS[2], IDS[3]


def _share_frame(spec):
    """Four organisations, 2020 and 2023; spec: {principle: (four 2020 scores, four 2023 scores)}."""
    return org_frame([(f"O{o}", year, {pid: scores[k][o] for pid, scores in spec.items()}, 5)
                      for k, year in enumerate((2020, 2023)) for o in range(4)])


SHARES = _share_frame({
    UP_DOWN: ([50, 50, 10, 10], [49, 49, 49, 90]),      # mean 30 -> 59.25 (positive), levels 3-4: 50 -> 25 %
    NEG_DOWN: ([60, 60, 60, 60], [40, 40, 60, 60]),     # mean 60 -> 50 (negative), 100 -> 50 %
    STABLE_DOWN: ([50, 50, 49, 49], [49, 49, 49, 50]),  # mean 49.5 -> 49.25 (stable), 50 -> 25 %
    NONE: ([None] * 4, [None] * 4),                     # never scored
})


def test_spread_vs_mean_falling_shares():
    sv = trends.spread_vs_mean(SHARES)
    assert sv.loc[UP_DOWN, ["trend", "share_direction"]].tolist() == ["positive", "down"]
    assert sv.loc[UP_DOWN, "high_change"] == -25.0 and sv.loc[UP_DOWN, "disagree"]
    assert sv.loc[NEG_DOWN, ["trend", "share_direction"]].tolist() == ["negative", "down"]
    assert not sv.loc[NEG_DOWN, "disagree"]  # both fall
    assert sv.loc[STABLE_DOWN, ["trend", "share_direction"]].tolist() == ["stable", "down"]
    assert sv.loc[STABLE_DOWN, "disagree"]
    # a principle that does not move at all (every score 50 both years)
    assert sv.loc[IDS[-1], ["trend", "share_direction", "high_change"]].tolist() == ["stable", "flat", 0.0]
    assert not sv.loc[IDS[-1], "disagree"]


def test_spread_vs_mean_share_falling_exactly_by_the_threshold_is_no_move():
    sv = trends.spread_vs_mean(SHARES, share_threshold=25.0)
    assert sv.loc[UP_DOWN, "share_direction"] == "flat" and not sv.loc[UP_DOWN, "disagree"]
    assert sv.loc[NEG_DOWN, "share_direction"] == "down"


def test_spread_vs_mean_principle_never_scored():
    sv = trends.spread_vs_mean(SHARES)
    row = sv.loc[NONE]
    assert row[["high_first", "high_last", "high_change"]].isna().all()
    assert (row["n_first"], row["n_last"], row["n_same"]) == (0, 0, 0)
    assert pd.isna(sv.loc[NONE, "share_direction"]) and not sv.loc[NONE, "disagree"]
    assert sv.loc[UP_DOWN, ["n_first", "n_last", "n_same"]].tolist() == [4, 4, 4]


def test_spread_vs_mean_uses_the_given_trend_threshold():
    # NEG_DOWN's mean falls by 10 points: negative by default, stable with a threshold of 10
    sv = trends.spread_vs_mean(SHARES, threshold=10.0)
    assert sv.loc[NEG_DOWN, "trend"] == "stable" and sv.loc[NEG_DOWN, "disagree"]
    pd.testing.assert_series_equal(sv["trend"], trends.principle_trends(SHARES, threshold=10.0)["trend"])


# ---------------------------------------------------------------- the published section 2.4
def test_published_vs_data_classes_from_levels_and_thresholds():
    org = _share_frame({
        "arbetsmiljo": ([60, 60, 60, 60], [60, 60, 40, 40]),  # prose on levels: share 100 -> 50 %: negative
        "kompetens": ([50, 50, 50, 50], [51, 51, 51, 51]),    # prose on levels: share stays 100 %: stable
        "rykte": ([40, 40, 60, 60], [40, 60, 60, 60]),        # prose on levels: share 50 -> 75 %: positive
        "portfoljstyrning": ([50] * 4, [53] * 4),             # prose on the mean: +3 points
    })
    cmp = trends.published_vs_data(org)
    assert cmp.loc["arbetsmiljo", "data_class"] == "negative" and not cmp.loc["arbetsmiljo", "prose_vs_data"]
    assert cmp.loc["kompetens", "data_class"] == "stable" and cmp.loc["kompetens", "prose_vs_data"]
    assert cmp.loc["rykte", "data_class"] == "positive"
    assert cmp.loc["portfoljstyrning", "data_class"] == "positive"
    # the figure says negative for portfoljstyrning and positive for styrning (data: stable)
    assert cmp.loc["portfoljstyrning", "figure_vs_data"] and cmp.loc["styrning", "figure_vs_data"]
    assert not cmp.loc["kompetens", "figure_vs_data"]  # figure stable, mean +1
    # the thresholds reach the comparison
    strict = trends.published_vs_data(org, threshold=5.0, share_threshold=30.0)
    assert strict.loc["portfoljstyrning", "data_class"] == "stable"
    assert strict.loc["rykte", "data_class"] == "stable"
    assert strict.loc["arbetsmiljo", "data_class"] == "negative"


def test_published_spread_vs_figure_layout_and_thresholds():
    pub = trends.published_spread_vs_figure()
    assert list(pub.index) == IDS
    assert list(pub.columns) == ["first_year", "last_year", "high_first", "high_last", "high_change",
                                 "share_direction", "figure_class", "disagree"]
    assert (pub["first_year"] == 2020).all() and (pub["last_year"] == 2023).all()
    # anvandarinvolvering 47 -> 48 %, teknisk_skuld 22 -> 19 %: within 5 points
    assert pub.loc["anvandarinvolvering", "share_direction"] == "flat"
    assert pub.loc["teknisk_skuld", "share_direction"] == "flat"
    # forvaltningsstyrning +7 and portfoljstyrning -9 points: a change exactly at the threshold is no move
    assert trends.published_spread_vs_figure(share_threshold=7.0).loc["forvaltningsstyrning", "share_direction"] == "flat"
    assert trends.published_spread_vs_figure(share_threshold=9.0).loc["portfoljstyrning", "share_direction"] == "flat"
    assert trends.published_spread_vs_figure(share_threshold=8.9).loc["portfoljstyrning", "share_direction"] == "down"


def test_published_spread_vs_figure_positive_figure_with_falling_share(monkeypatch):
    # a published table in which the share at levels 3-4 of a principle the figure calls positive falls
    real = reference.published_spread()
    name = INST.principle("rykte").name_sv
    last = (real["principle"] == name) & (real["year"] == real["year"].max())
    changed = real.copy()
    changed.loc[last, ["level_3_pct", "level_4_pct"]] = [10, 5]
    changed = changed.iloc[::-1]  # rows in any order: the result is in instrument order, years sorted
    monkeypatch.setattr(reference, "published_spread", lambda: changed)
    pub = trends.published_spread_vs_figure()
    assert list(pub.index) == IDS and (pub["first_year"] == 2020).all() and (pub["last_year"] == 2023).all()
    assert pub.loc["rykte", "figure_class"] == "positive"
    assert pub.loc["rykte", ["high_first", "high_last", "share_direction"]].tolist() == [34.0, 15.0, "down"]
    assert pub.loc["rykte", "disagree"]


def _write_overview(tmp_path, monkeypatch, rows):
    from dimios import paths
    text = "principle,prose_class,prose_measure,prose_says\n" + "".join(",".join(r) + "\n" for r in rows)
    (tmp_path / trends.PUBLISHED_OVERVIEW).write_text(text, encoding="utf-8")
    monkeypatch.setattr(paths, "REFERENCE", tmp_path)


def test_published_overview_order_and_columns(tmp_path, monkeypatch):
    # the file's rows in any order: the table is in instrument order, the figure's class first
    rows = [(pid, "", "", "") for pid in reversed(IDS)]
    rows[0] = (IDS[-1], "positive", "levels", "2023")
    _write_overview(tmp_path, monkeypatch, rows)
    pub = trends.published_overview()
    assert list(pub.index) == IDS
    assert list(pub.columns) == ["figure_class", "prose_class", "prose_measure", "prose_says"]
    assert pub.loc[IDS[-1], ["prose_class", "prose_measure", "prose_says"]].tolist() == ["positive", "levels", "2023"]
    assert pub.drop(IDS[-1])[["prose_class", "prose_measure", "prose_says"]].isna().all().all()


@pytest.mark.parametrize("bad, who", [
    ({"prose_class": "rising"}, [0]),                                 # unknown class
    ({"prose_measure": "levelz"}, [0]),                               # unknown measure, class given
    ({"prose_class": "positive", "prose_measure": ""}, [0]),          # a class without a measure
])
def test_published_overview_bad_rows_are_named(tmp_path, monkeypatch, bad, who):
    rows = [[pid, "stable", "trend", "text"] for pid in IDS]
    for i in (0, 2):
        for col, value in bad.items():
            rows[i][["principle", "prose_class", "prose_measure", "prose_says"].index(col)] = value
    _write_overview(tmp_path, monkeypatch, rows)
    with pytest.raises(ValueError) as err:
        trends.published_overview()
    assert str(err.value) == (f"{trends.PUBLISHED_OVERVIEW}: unknown class or measure in row(s) for "
                              f"{IDS[0]}, {IDS[2]}")


def test_published_overview_needs_every_principle(tmp_path, monkeypatch):
    _write_overview(tmp_path, monkeypatch, [(pid, "", "", "") for pid in IDS[:-1]])
    with pytest.raises(ValueError) as err:
        trends.published_overview()
    assert str(err.value) == f"{trends.PUBLISHED_OVERVIEW}: expected one row per principle of the instrument"
