"""Boundary tests of every rule (issue 16).

For each rule of ``dimios/instrument.yml`` and each threshold the chapters apply, the value
itself is pinned, and a case exactly at, just below and just above it is checked. A changed
threshold (2.0 -> 1.5), a flipped comparison (>= -> >) or an off-by-one count must fail here,
in a fast unit test, not only in an end-to-end build.

``JUST`` is the distance used for "just below/above": far below any score difference the
data can produce (answers are integers; a mean of n answers moves in steps of 1/n), far above
floating-point noise (levels are decided after rounding to 9 decimals).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math

import numpy as np
import pandas as pd
import pytest

from dimios import draws, instrument, io, organisation, scoring, trends, validation
from dimios.context import ReportData
from dimios.quality import careless as C
from dimios.quality import invariance, validity
from tests.conftest import make_responses

INST = instrument.load()
SC = INST.scoring
PIDS = list(INST.principle_ids)
P = "portfoljstyrning"
JUST = 1e-6


# ====================================================================== the values themselves
def test_instrument_rules_are_the_documented_values():
    """instrument.yml: the scale, the scoring rules and the quadrant split (method chapter)."""
    assert (INST.scale.min, INST.scale.max, INST.scale.dont_know) == (1, 7, "vet ej")
    assert INST.scale.values == (1, 2, 3, 4, 5, 6, 7)
    assert dict(INST.scale.labels) == {1: "Instämmer inte alls", 7: "Instämmer helt"}
    assert SC.min_valid_answers == 3
    assert SC.cut_points == (25.0, 50.0, 75.0) and SC.n_levels == 4
    assert SC.trend_threshold == 2.0
    assert SC.privacy_threshold == 5
    assert SC.quadrant_split == 50.0
    assert [(q.formaga, q.arv) for q in INST.quadrants] == [("low", "low"), ("high", "low"), ("low", "high"),
                                                            ("high", "high")]


def test_chapter_and_module_thresholds_are_the_documented_values():
    from dimios.chapters import quality as chapter

    # the published quality claims (report 2.5)
    assert chapter.ALPHA_MIN == 0.90
    assert chapter.FIT_MAX == 0.04
    assert chapter.AVE_RANGE == (0.51, 0.75)
    assert chapter.INVARIANCE_CUTS == (-0.010, 0.015)
    assert chapter.MIN_GROUP_COMPLETE == 50
    # the invariance verdict's defaults are the chapter's cut-offs (Chen, 2007)
    sig = inspect.signature(invariance.measurement_invariance).parameters
    assert (sig["delta_cfi"].default, sig["delta_rmsea"].default) == chapter.INVARIANCE_CUTS
    # careless vote (Curran, 2016) and the index rules
    rules = C.CarelessRules()
    assert (rules.min_flags, rules.longstring_share, rules.irv_mad_k, rules.mahad_confidence) == (3, 0.5, 3.0, 0.99)
    assert (rules.evenodd_min_consistency, rules.psychsyn_min, rules.psychsyn_critval) == (0.0, 0.0, 0.60)
    assert rules.min_answered is None  # half the items, rounded up
    assert len(C.INDICES) == 5
    assert inspect.signature(C.evenodd).parameters["min_pairs"].default == 3
    assert inspect.signature(C.psychsyn).parameters["min_pairs"].default == 3
    # organisation changes, national reference, trends' bootstrap
    assert trends.STEADY_TOLERANCE == 2.0
    assert organisation.REFERENCE_MIN_ORGANISATIONS == 5
    assert (trends.BOOTSTRAP_REPS, trends.CI_LEVEL) == (1000, 0.95)
    # reading: years and the header search
    assert validation.MIN_YEAR == 2015 and validation.max_year() == dt.date.today().year + 1
    assert io.HEADER_SEARCH_ROWS == 30
    assert inspect.signature(validity.dimension_scores).parameters["min_share"].default == 0.5


# ====================================================================== scale (validation)
def _raw(values, dtype=None) -> pd.DataFrame:
    """A raw table (as read from a file) with one answer column varied."""
    n = len(values)
    data = {"respondent_id": [f"R{i}" for i in range(n)], "organisation_id": ["O1"] * n,
            "organisation_type": ["kommun"] * n, "year": ["2023"] * n, "involved": ["true"] * n,
            "business_area": [""] * n}
    for p in PIDS:
        data[p] = ["4"] * n
    data[P] = pd.Series(values, dtype=dtype)
    df = pd.DataFrame(data)
    df.index = pd.RangeIndex(2, n + 2)
    return df


@pytest.mark.parametrize("dtype", ["object", "float64"])
def test_scale_ends_are_answers_and_one_step_outside_is_an_error(dtype):
    lo, hi = INST.scale.min, INST.scale.max
    inside = [lo, lo + 1, hi - 1, hi]
    cast = str if dtype == "object" else float
    df = validation.validate(_raw([cast(v) for v in inside], dtype), "mem")
    assert df[P].tolist() == [float(v) for v in inside]
    for outside in (lo - 1, hi + 1):
        with pytest.raises(validation.DataValidationError) as ei:
            validation.validate(_raw([cast(4), cast(outside)], dtype), "mem")
        (p,) = ei.value.problems
        assert (p.row, p.column, p.value) == (3, P, str(outside))


def test_scale_percent_transform_at_the_ends_and_the_middle():
    assert INST.scale.to_percent(INST.scale.min) == 0.0
    assert INST.scale.to_percent(INST.scale.max) == 100.0
    assert INST.scale.to_percent(4) == 50.0
    assert INST.scale.to_percent(2) == pytest.approx(100 / 6)


def test_dont_know_and_labels_are_read_as_documented():
    df = validation.validate(_raw(["vet ej", " Vet  EJ ", "", "Instämmer inte alls", "INSTÄMMER HELT"]), "mem")
    assert df[P].isna().tolist() == [True, True, True, False, False]
    assert df[P].tolist()[3:] == [1.0, 7.0]


@pytest.mark.parametrize("year, ok", [(validation.MIN_YEAR - 1, False), (validation.MIN_YEAR, True),
                                      (validation.MIN_YEAR + 1, True), (dt.date.today().year + 1, True),
                                      (dt.date.today().year + 2, False)])
def test_year_range(year, ok):
    raw = _raw(["4", "4"])
    raw["year"] = [str(year), "2023"]
    if ok:
        assert validation.validate(raw, "mem")["year"].tolist() == [year, 2023]
    else:
        with pytest.raises(validation.DataValidationError) as ei:
            validation.validate(raw, "mem")
        (p,) = ei.value.problems
        assert (p.row, p.column, p.value) == (2, "year", str(year))


# ====================================================================== minimum valid answers
@pytest.mark.parametrize("n_valid", [SC.min_valid_answers - 1, SC.min_valid_answers, SC.min_valid_answers + 1])
def test_minimum_valid_answers(n_valid):
    # n_valid answers of 5 and two "vet ej": a score only from min_valid_answers on
    rows = [("A", 2023, {P: 5})] * n_valid + [("A", 2023, {P: None})] * 2
    org = scoring.organisation_scores(make_responses(rows))
    assert org.loc[("A", 2023), "n_respondents"] == n_valid + 2
    if n_valid >= 3:
        assert org.loc[("A", 2023), P] == pytest.approx(200 / 3)
    else:
        assert np.isnan(org.loc[("A", 2023), P])


def test_minimum_valid_answers_can_be_given():
    rows = [("A", 2023, {P: 5})] * 2
    assert np.isnan(scoring.organisation_scores(make_responses(rows)).loc[("A", 2023), P])
    assert scoring.organisation_scores(make_responses(rows), min_valid=2).loc[("A", 2023), P] == pytest.approx(200 / 3)
    assert np.isnan(scoring.organisation_scores(make_responses(rows), min_valid=3).loc[("A", 2023), P])


# ====================================================================== level cut points
@pytest.mark.parametrize("k, cut", list(enumerate(SC.cut_points)))
def test_level_cut_points(k, cut):
    # level k+1 below the cut, level k+2 at and above it
    s = pd.Series([cut - JUST, cut, cut + JUST])
    assert scoring.to_levels(s).tolist() == [k + 1, k + 2, k + 2]
    assert scoring.to_levels(np.array([cut - JUST, cut, cut + JUST])).tolist() == [k + 1, k + 2, k + 2]
    df = pd.DataFrame({"x": [cut - JUST, cut], "y": [cut, np.nan]})
    lv = scoring.to_levels(df)
    assert lv["x"].tolist() == [k + 1, k + 2] and lv["y"].iloc[0] == k + 2 and pd.isna(lv["y"].iloc[1])


def test_levels_at_the_ends_of_the_scale_and_missing():
    assert scoring.to_levels(np.array([0.0, 100.0, np.nan])).tolist() == [1, 4, -1]
    s = scoring.to_levels(pd.Series([0.0, 100.0, np.nan], name="s"))
    assert s.tolist()[:2] == [1, 4] and pd.isna(s.iloc[2]) and s.name == "s" and str(s.dtype) == "Int8"


@pytest.mark.parametrize("answers, level", [
    ([2, 2, 3, 3], 2),             # mean 2.5 -> exactly 25 %
    ([2, 2, 3], 1),                # 2.333 -> 22.2 %, just below 25
    ([2, 3, 3], 2),                # 2.667 -> 27.8 %, just above 25
    ([4, 4, 4], 3),                # exactly 50 %
    ([3, 4, 4], 2),                # 44.4 %
    ([4, 4, 5], 3),                # 55.6 %
    ([5, 5, 6, 6], 4),             # mean 5.5 -> exactly 75 %
    ([5, 5, 6], 3),                # 72.2 %
    ([5, 6, 6], 4),                # 77.8 %
])
def test_levels_from_answers_around_each_cut_point(answers, level):
    org = scoring.organisation_scores(make_responses([("A", 2023, {P: a}) for a in answers]))
    assert scoring.principle_levels(org).loc[("A", 2023), P] == level


# ====================================================================== quadrant split
def test_quadrant_split_on_each_axis():
    split = SC.quadrant_split
    lo, hi = split - JUST, split + JUST
    f = np.array([lo, split, hi, split, split, split])
    a = np.array([split, split, split, lo, hi, np.nan])
    assert scoring.quadrant_of(f, a).tolist() == ["low_high", "high_high", "high_high", "high_low", "high_high", None]
    assert scoring.quadrant_of([lo], [lo]).tolist() == ["low_low"]


# ====================================================================== trend threshold
def test_trend_threshold_at_below_and_above():
    t = SC.trend_threshold
    assert trends.classify(t) == "stable" and trends.classify(-t) == "stable"
    assert trends.classify(t - JUST) == "stable" and trends.classify(-t + JUST) == "stable"
    assert trends.classify(t + JUST) == "positive" and trends.classify(-t - JUST) == "negative"


def test_a_change_between_one_and_a_half_and_two_points_is_stable():
    # the default panel has no change between 0.19 and 3.35 points, so this pins the value 2.0
    for change in (1.5, 1.75, 1.99):
        assert trends.classify(change) == "stable" and trends.classify(-change) == "stable"
    assert trends.classify(2.01) == "positive" and trends.classify(-2.01) == "negative"


def test_principle_trends_and_trend_table_use_the_instrument_threshold():
    # national mean of P: 50 -> 51.75 (+1.75, stable); Q: 50 -> 52.25 (+2.25, positive);
    # R: 50 -> 48.25 (-1.75, stable); S: 50 -> 47.75 (-2.25, negative); T: exactly +2 (stable)
    Q, R, S, T = "styrning", "skalning", "rykte", "kompetens"
    rows = []
    for org_id, d in (("A", 0.0), ("B", 0.5), ("C", -0.5)):
        base = {pid: 50.0 + d for pid in PIDS}
        rows.append((org_id, 2020, base))
        rows.append((org_id, 2023, {**base, P: 51.75 + d, Q: 52.25 + d, R: 48.25 + d, S: 47.75 + d, T: 52.0 + d}))
    idx = pd.MultiIndex.from_tuples([(o, y) for o, y, _ in rows], names=scoring.ORG_KEYS)
    org = pd.DataFrame([s for _, _, s in rows], index=idx)
    org["n_respondents"] = 5
    tr = trends.principle_trends(org)
    assert tr.loc[[P, Q, R, S, T], "trend"].tolist() == ["stable", "positive", "stable", "negative", "stable"]
    table = trends.trend_table(org, reps=50)
    assert table.loc[[P, Q, R, S, T], "trend"].tolist() == ["stable", "positive", "stable", "negative", "stable"]
    assert table.loc[[P, Q, R, S, T], "same_trend"].tolist() == ["stable", "positive", "stable", "negative", "stable"]


def test_uncertain_interval_boundaries():
    t = SC.trend_threshold
    # both ends in the same class -> certain; an end exactly at +t is still stable
    assert not trends.uncertain(0.0, t) and not trends.uncertain(t + JUST, 5.0)
    assert trends.uncertain(0.0, t + JUST) and trends.uncertain(-t - JUST, 0.0)
    assert trends.uncertain(np.array([0.0, 1.0]), np.array([t + JUST, t])).tolist() == [True, False]
    assert not trends.uncertain(np.nan, 1.0)


# ====================================================================== steady tolerance (organisation moves)
def test_steady_tolerance_at_below_and_above():
    f_ids = list(INST.principles_in("digital_formaga"))
    tol = trends.STEADY_TOLERANCE
    rows = []
    for org_id, move in (("at", tol), ("below", tol - JUST), ("above", tol + JUST), ("down", -tol)):
        rows.append((org_id, 2020, {p: 50.0 for p in PIDS}))
        rows.append((org_id, 2023, {p: (50.0 + move if p in f_ids else 50.0) for p in PIDS}))
    idx = pd.MultiIndex.from_tuples([(o, y) for o, y, _ in rows], names=scoring.ORG_KEYS)
    org = pd.DataFrame([s for _, _, s in rows], index=idx)
    org["n_respondents"] = 5
    ch = trends.organisation_changes(org).set_index("organisation_id")
    assert ch.loc["below", "direction"] == "steady"
    assert ch.loc["at", "direction"] == "improved" and ch.loc["above", "direction"] == "improved"
    assert ch.loc["down", "direction"] == "declined"
    assert ch.loc["at", "distance"] == pytest.approx(tol)


def test_organisation_changes_min_respondents_boundary():
    rows, n = [], {"k-1": 4, "k": 5, "k+1": 6}
    for org_id, k in n.items():
        rows.append((org_id, 2020, {p: 50.0 for p in PIDS}, k))
        rows.append((org_id, 2023, {p: 60.0 for p in PIDS}, 5))
    idx = pd.MultiIndex.from_tuples([(o, y) for o, y, _, _ in rows], names=scoring.ORG_KEYS)
    org = pd.DataFrame([s for _, _, s, _ in rows], index=idx)
    org["n_respondents"] = [k for *_, k in rows]
    kept = trends.organisation_changes(org, min_respondents=5)["organisation_id"].tolist()
    assert sorted(kept) == ["k", "k+1"]


# ====================================================================== privacy threshold k
def _one_organisation(n_by_year: dict[int, int], org_id: str = "A", answer: int = 5) -> list:
    return [(org_id, y, {p: answer for p in PIDS}) for y, n in n_by_year.items() for _ in range(n)]


def _context(rows, k: int | None = None) -> ReportData:
    responses = make_responses(rows)
    return ReportData(responses=responses, exclude_careless=False, n_careless_excluded=0,
                      privacy_threshold=SC.privacy_threshold if k is None else k, source="mem",
                      responses_all=responses)


def test_an_organisation_year_with_exactly_k_respondents_is_shown():
    k = SC.privacy_threshold
    ctx = _context(_one_organisation({2021: k - 1, 2022: k, 2023: k + 1}))
    rep = organisation.OrganisationReport(organisation="A", ctx=ctx, reference=organisation.shipped_reference())
    assert rep.k == k
    assert rep.shown_years == [2022, 2023] and rep.hidden_years == [2021]
    assert rep.latest == 2023 and rep.previous == 2022
    res = rep.results
    assert res.loc[res["year"] == 2021, "suppressed"].all() and res.loc[res["year"] == 2021, "score_pct"].isna().all()
    assert not res.loc[res["year"] == 2022, "suppressed"].any()
    assert (res.loc[res["year"] == 2022, "n_respondents"] == k).all()
    # the national side: organisation-years that may be shown individually
    assert sorted(ctx.org_public.index.get_level_values("year")) == [2022, 2023]


def test_privacy_threshold_parameter_moves_the_boundary():
    ctx = _context(_one_organisation({2022: 6, 2023: 7}), k=7)
    rep = organisation.OrganisationReport(organisation="A", ctx=ctx, reference=organisation.shipped_reference())
    assert rep.shown_years == [2023] and rep.previous is None and rep.change.empty


@pytest.mark.parametrize("n, hidden", [(SC.privacy_threshold - 1, True), (SC.privacy_threshold, False),
                                       (SC.privacy_threshold + 1, False), (0, False)])
def test_suppression_of_a_single_group(n, hidden):
    k = SC.privacy_threshold
    # primary suppression only: the other group is large, and when one group is hidden its
    # partner (the smallest shown) is hidden with it so the hidden ones sum to >= k
    mask = organisation.suppression_mask([n, 100], k)
    assert mask.tolist() == ([True, True] if hidden else [False, False])


def test_secondary_suppression_stops_exactly_at_k():
    k = SC.privacy_threshold
    # hidden 2 + 3 = 5 = k: nothing more is hidden; hidden 2 + 2 = 4 < k: the next smallest too
    assert organisation.suppression_mask([2, 3, 9, 9], k).tolist() == [True, True, False, False]
    assert organisation.suppression_mask([2, 2, 9, 10], k).tolist() == [True, True, True, False]
    assert organisation.suppression_mask([1, 5, 9], k).tolist() == [True, True, False]


def test_business_areas_with_k_respondents_are_shown():
    k = SC.privacy_threshold
    rows = []
    for area, n in (("Skola", k), ("Vård", k + 3), ("Miljö", k - 1), ("Kultur", k - 2)):
        rows += [("A", 2023, {p: 5 for p in PIDS})] * n
    ctx = _context(rows)
    areas = [a for area, n in (("Skola", k), ("Vård", k + 3), ("Miljö", k - 1), ("Kultur", k - 2)) for a in [area] * n]
    ctx.responses["business_area"] = areas
    rep = organisation.OrganisationReport(organisation="A", ctx=ctx, reference=organisation.shipped_reference())
    ar = rep.area_results.set_index("business_area")
    # Miljö (4) and Kultur (3) hidden (7 >= k together); Skola with exactly k shown
    assert ar["suppressed"].to_dict() == {"Kultur": True, "Miljö": True, "Skola": False, "Vård": False}
    assert ar.loc["Skola", "n_respondents"] == k


@pytest.mark.parametrize("n_other, kind", [(organisation.REFERENCE_MIN_ORGANISATIONS - 1, "shipped"),
                                           (organisation.REFERENCE_MIN_ORGANISATIONS, "data"),
                                           (organisation.REFERENCE_MIN_ORGANISATIONS + 1, "data")])
def test_reference_needs_enough_other_organisations_with_k_respondents(n_other, kind):
    k = SC.privacy_threshold
    rows = _one_organisation({2023: k})
    for i in range(n_other):
        rows += _one_organisation({2023: k}, org_id=f"O{i}", answer=3 + i % 3)
    rows += _one_organisation({2023: k - 1}, org_id="Small")  # too few respondents: never counted
    org_scores = scoring.organisation_scores(make_responses(rows))
    ref = organisation.choose_reference(org_scores, "A", k)
    assert ref.kind == kind
    if kind == "data":
        assert ref.scores.index.get_level_values("organisation_id").nunique() == n_other
        assert "Small" not in ref.scores.index.get_level_values("organisation_id")


# ====================================================================== careless vote and index rules
def _careless_data(extra_rows: list[list[float]], seed: int = 5) -> tuple[pd.DataFrame, dict]:
    ci = INST.category_items()
    # loading .9: items of a category correlate about .8 after rounding to 1..7, far above
    # psychsyn's critical .60, items of different categories about .4, far below it; so the
    # synonym pairs are exactly the within-category pairs whatever the draw (at loading .8
    # the within-category correlations sat at .60 and the pairs depended on the draw)
    x, _ = C.simulate_survey(ci, 400, loading=0.9, factor_corr=0.5, n_random=20, seed=seed)
    extra = pd.DataFrame(extra_rows, columns=x.columns, dtype=float)
    return pd.concat([x, extra], ignore_index=True), ci


def _alternating(n: int, start: int = 1) -> list[float]:
    """n answers without two equal neighbours: 1, 7, 2, 6, 3, 5, 1, 7, ..."""
    cycle = [1, 7, 2, 6, 3, 5]
    i0 = cycle.index(start)
    return [float(cycle[(i0 + i) % len(cycle)]) for i in range(n)]


def test_vote_needs_at_least_three_flags():
    x, ci = _careless_data([])
    tab = C.careless_table(x, ci)
    counts = tab["n_flags"].value_counts()
    assert {2, 3}.issubset(counts.index)  # the data have respondents on both sides of the vote
    assert not tab.loc[tab["n_flags"] == 2, "careless"].any()
    assert tab.loc[tab["n_flags"] == 3, "careless"].all()
    assert tab.loc[tab["n_flags"] >= 4, "careless"].all()
    assert tab["n_flags"].equals(tab[[f"flag_{i}" for i in C.INDICES]].sum(axis=1).astype(int))
    strict = C.careless_table(x, ci, C.CarelessRules(min_flags=4))
    assert (strict["careless"] == (strict["n_flags"] >= 4)).all()
    assert strict["careless"].sum() < tab["careless"].sum()


def test_longstring_flag_at_half_of_the_answered_items():
    k = len(PIDS)
    assert k == 26
    half = k // 2
    rows = [
        [4.0] * half + _alternating(k - half),               # run 13 of 26 answered: exactly half -> flag
        [4.0] * (half - 1) + _alternating(k - half + 1),     # run 12: below half -> no flag
        [4.0] * (half + 1) + _alternating(k - half - 1),     # run 14 -> flag
        [4.0] * 8 + [np.nan] * 10 + _alternating(8),          # 16 answered, run 8 = half of 16 -> flag
        [4.0] * 7 + [np.nan] * 10 + _alternating(9),          # 16 answered, run 7 -> no flag
    ]
    x, ci = _careless_data(rows)
    tab = C.careless_table(x, ci).iloc[-5:]
    assert tab["longstring"].tolist() == [13, 12, 14, 8, 7]
    assert tab["n_answered"].tolist() == [26, 26, 26, 16, 16]
    assert tab["flag_longstring"].tolist() == [True, False, True, True, False]


def test_flags_need_half_of_the_items_answered():
    k = len(PIDS)
    need = math.ceil(k / 2)
    rows = [
        [4.0] * need + [np.nan] * (k - need),                 # straight line over exactly the minimum
        [4.0] * (need - 1) + [np.nan] * (k - need + 1),       # one answer fewer: never flagged
        [4.0] * (need + 1) + [np.nan] * (k - need - 1),
    ]
    x, ci = _careless_data(rows)
    tab = C.careless_table(x, ci)
    assert tab.attrs["thresholds"]["min_answered"] == need == 13
    last = tab.iloc[-3:]
    assert last["n_answered"].tolist() == [need, need - 1, need + 1]
    assert last["flag_longstring"].tolist() == [True, False, True]
    assert last["flag_irv"].tolist() == [True, False, True]  # IRV 0
    assert last.iloc[1][[f"flag_{i}" for i in C.INDICES]].sum() == 0
    # the rule can be given
    tab12 = C.careless_table(x, ci, C.CarelessRules(min_answered=need - 1))
    assert tab12.iloc[-2]["flag_longstring"]


def _exact_threshold(target: float, make) -> float | None:
    """A threshold t with make(t) == target exactly (nudged by one ulp at a time), or None.

    Floating-point rounding can skip a target, so a caller tries several targets.
    """
    t = make.inverse(target)
    for _ in range(64):
        got = make(t)
        if got == target:
            return t
        t = np.nextafter(t, np.inf if got < target else -np.inf)
    return None


def _at_threshold(targets, make) -> tuple[float, float]:
    """The first of ``targets`` that ``make`` can hit exactly, and its threshold.

    Whether one given value can be hit depends on the roundings of the draw; among the
    many distinct values a 400-respondent sample offers, some always can, so the test
    does not rest on one lucky value.
    """
    for target in targets:
        t = _exact_threshold(float(target), make)
        if t is not None:
            return float(target), t
    raise AssertionError("no exact threshold found for any target")


def test_irv_fences_are_median_plus_minus_k_mad_and_the_fence_itself_is_not_flagged():
    x, ci = _careless_data([])
    tab = C.careless_table(x, ci)
    th = tab.attrs["thresholds"]
    el = tab["irv"][tab["n_answered"] >= th["min_answered"]].dropna().to_numpy()
    med = np.median(el)
    mad = np.median(np.abs(el - med))
    assert th["irv_low"] == pytest.approx(med - 3 * 1.4826 * mad)
    assert th["irv_high"] == pytest.approx(med + 3 * 1.4826 * mad)
    irv = tab["irv"].to_numpy()
    expected = (irv < th["irv_low"]) | (irv > th["irv_high"]) | (irv == 0)
    assert (tab["flag_irv"].to_numpy() == expected).all()
    assert tab["flag_irv"].any() and not tab["flag_irv"].all()
    # a respondent exactly on the upper fence is not flagged; one ulp inside the fence flags it
    def fence(k):
        return med + k * 1.4826 * mad
    fence.inverse = lambda target: (target - med) / (1.4826 * mad)
    top, k_exact = _at_threshold(np.unique(el[el > med])[::-1], fence)
    at = C.careless_table(x, ci, C.CarelessRules(irv_mad_k=k_exact))
    assert at.attrs["thresholds"]["irv_high"] == top
    assert not at.loc[tab["irv"] == top, "flag_irv"].any()
    inside = C.careless_table(x, ci, C.CarelessRules(irv_mad_k=np.nextafter(k_exact, 0)))
    assert inside.loc[tab["irv"] == top, "flag_irv"].all()
    # the lower fence likewise: the smallest positive IRV on the fence is not flagged
    def lower(k):
        return med - k * 1.4826 * mad
    lower.inverse = lambda target: (med - target) / (1.4826 * mad)
    low, k_low = _at_threshold(np.unique(el[(el > 0) & (el < med)]), lower)
    at_low = C.careless_table(x, ci, C.CarelessRules(irv_mad_k=k_low))
    assert at_low.attrs["thresholds"]["irv_low"] == low
    assert not at_low.loc[tab["irv"] == low, "flag_irv"].any()
    assert C.careless_table(x, ci, C.CarelessRules(irv_mad_k=np.nextafter(k_low, 0))).loc[
        tab["irv"] == low, "flag_irv"].all()


def test_consistency_flags_are_strictly_below_their_minimum():
    x, ci = _careless_data([])
    tab = C.careless_table(x, ci)
    # evenodd: flag when the consistency (-evenodd) is below the minimum, not at it
    cons = -tab["evenodd"]
    i = cons.dropna().index[len(cons.dropna()) // 2]
    at = C.careless_table(x, ci, C.CarelessRules(evenodd_min_consistency=float(cons[i])))
    assert not at.loc[i, "flag_evenodd"]
    above = C.careless_table(x, ci, C.CarelessRules(evenodd_min_consistency=float(np.nextafter(cons[i], np.inf))))
    assert above.loc[i, "flag_evenodd"]
    # psychsyn likewise; by design (see _careless_data) the synonym pairs are the 54 pairs
    # of items within a category
    assert tab.attrs["thresholds"]["n_synonym_pairs"] == sum(len(v) * (len(v) - 1) // 2 for v in ci.values()) == 54
    ps = tab["psychsyn"]
    j = ps.dropna().index[len(ps.dropna()) // 2]
    at = C.careless_table(x, ci, C.CarelessRules(psychsyn_min=float(ps[j])))
    assert not at.loc[j, "flag_psychsyn"]
    above = C.careless_table(x, ci, C.CarelessRules(psychsyn_min=float(np.nextafter(ps[j], np.inf))))
    assert above.loc[j, "flag_psychsyn"]
    # default minimum 0: a negative consistency is flagged, a positive one is not
    assert tab.loc[cons < 0, "flag_evenodd"].all() and not tab.loc[cons > 0, "flag_evenodd"].any()
    assert tab.loc[ps < 0, "flag_psychsyn"].all() and not tab.loc[ps > 0, "flag_psychsyn"].any()


def test_mahalanobis_flag_is_above_the_chi2_quantile_of_the_answered_items():
    from scipy import stats

    x, ci = _careless_data([])
    tab = C.careless_table(x, ci)
    cut = stats.chi2.ppf(0.99, tab["mahad_df"])
    assert (tab["flag_mahad"] == (tab["mahad"] > cut)).all()
    assert tab["flag_mahad"].any()
    # a lower confidence flags more respondents, and exactly the ones above its quantile
    lax = C.careless_table(x, ci, C.CarelessRules(mahad_confidence=0.9))
    assert (lax["flag_mahad"] == (lax["mahad"] > stats.chi2.ppf(0.9, lax["mahad_df"]))).all()
    assert lax["flag_mahad"].sum() > tab["flag_mahad"].sum()


def test_evenodd_and_psychsyn_need_three_complete_pairs():
    cat = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"], "D": ["d1", "d2"]}
    rows = [[1, 2, 3, 4, 5, 6, 7, 7], [1, 2, 3, 4, 5, 6, np.nan, np.nan], [1, 2, 3, 4, np.nan, np.nan, np.nan, np.nan]]
    x = pd.DataFrame(rows, columns=[c for v in cat.values() for c in v], dtype=float)
    eo = C.evenodd(x, cat)
    assert eo["evenodd_pairs"].tolist() == [4, 3, 2]
    assert not np.isnan(eo["evenodd"].iloc[0]) and not np.isnan(eo["evenodd"].iloc[1])
    assert np.isnan(eo["evenodd"].iloc[2])


# ====================================================================== known-groups validity: half of the items
def test_dimension_score_needs_half_of_the_items():
    df = pd.DataFrame({"a": [4.0, 4.0, 4.0], "b": [4.0, 4.0, np.nan], "c": [4.0, np.nan, np.nan],
                       "d": [np.nan, np.nan, np.nan]})
    got = validity.dimension_scores(df, {"g": ["a", "b", "c", "d"]})["g"]
    # 3 of 4 and 2 of 4 (exactly half) answered -> a score; 1 of 4 -> none
    assert got.iloc[0] == 50.0 and got.iloc[1] == 50.0 and np.isnan(got.iloc[2])


# ====================================================================== published QC limits (quality chapter)
def test_published_fit_limits():
    from dimios.chapters import quality as chapter

    lim = chapter.FIT_MAX
    assert chapter._fit_ok(lim - JUST, lim - JUST)
    assert not chapter._fit_ok(lim, lim - JUST) and not chapter._fit_ok(lim - JUST, lim)
    assert not chapter._fit_ok(lim + JUST, 0.0) and not chapter._fit_ok(0.0, lim + JUST)


def test_published_ave_range_is_inclusive():
    from dimios.chapters import quality as chapter

    lo, hi = chapter.AVE_RANGE
    assert chapter._ave_ok(lo) and chapter._ave_ok(hi) and chapter._ave_ok((lo + hi) / 2)
    assert not chapter._ave_ok(lo - JUST) and not chapter._ave_ok(hi + JUST)
    assert chapter._ave_ok(lo + JUST) and chapter._ave_ok(hi - JUST)


def test_values_next_to_a_published_limit_are_shown_on_the_right_side():
    from dimios.chapters import quality as chapter

    # rounded to 3 decimals, 0.0401 would read "0,040" next to a verdict "above 0,04": a value that
    # would round onto a limit is shown one step to its own side, with the same 3 decimals as the rest
    assert chapter._f(0.04) == "0,040" and chapter._f(0.0401) == "0,041" and chapter._f(0.0399) == "0,039"
    assert chapter._f(0.9) == "0,900" and chapter._f(0.8996) == "0,899" and chapter._f(0.9004) == "0,901"
    assert chapter._f(0.51) == "0,510" and chapter._f(0.5099) == "0,509"
    assert chapter._f(0.123) == "0,123"
    assert chapter._signed(-0.0098) == "−0,0098" and chapter._signed(-0.010) == "−0,010"
    assert chapter._signed(0.0149) == "+0,0149" and chapter._signed(0.015) == "+0,015"


def test_effect_size_and_kmo_labels_at_their_cut_points():
    from dimios.chapters import quality as chapter

    labels = [chapter._effect_label(g) for g in (0.19, 0.2, 0.49, 0.5, 0.79, 0.8, -0.8)]
    assert labels == ["försumbar", "liten", "liten", "medelstor", "medelstor", "stor", "stor"]
    kmo = [chapter._kmo_label(v) for v in (0.9, 0.8999, 0.8, 0.7999, 0.7, 0.6999, 0.6, 0.5999, 0.5, 0.4999)]
    assert kmo == ["utmärkt", "mycket god", "mycket god", "god", "god", "medelmåttig", "medelmåttig", "svag",
                   "svag", "otillräcklig"]


# ====================================================================== invariance verdict (Chen, 2007)
def _two_group_moments():
    rng = np.random.default_rng(11)
    frames = []
    for g, shift in ((2020, 0.0), (2023, 0.25)):
        eta = draws.correlated_normals(rng, [[1, 0.4], [0.4, 1]], 300)
        lam = np.array([[1, 0], [0.8, 0], [0.9, 0], [0, 1], [0, 0.7], [0, 0.85]])
        z = eta @ lam.T + rng.normal(0, 0.6, size=(300, 6))
        z[:, 2] += shift  # an intercept differs between the years
        frames.append(pd.DataFrame(z, columns=["a1", "a2", "a3", "b1", "b2", "b3"]).assign(year=g))
    return pd.concat(frames, ignore_index=True)


def test_invariance_verdict_at_the_cut_offs(monkeypatch):
    # the verdict is decided on the fits; the same fits are reused for every pair of cut-offs
    fits = {}
    fit = invariance.fit_multigroup

    def cached(moments, factor_items, items, step):
        if step not in fits:
            fits[step] = fit(moments, factor_items, items, step)
        return fits[step]

    monkeypatch.setattr(invariance, "fit_multigroup", cached)
    df = _two_group_moments()
    fi = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}
    res = invariance.measurement_invariance(df, fi)
    t = res.table.set_index("step")
    d_cfi, d_rmsea = t.loc["scalar", "delta_cfi"], t.loc["scalar", "delta_rmsea"]
    # the step is kept when delta CFI >= cut and delta RMSEA <= cut: exactly at both cuts it is invariant
    at = invariance.measurement_invariance(df, fi, delta_cfi=d_cfi, delta_rmsea=d_rmsea).table
    assert at.loc[2, "verdict"] == "invariant" and at.loc[0, "verdict"] == ""
    cfi_past = invariance.measurement_invariance(df, fi, delta_cfi=np.nextafter(d_cfi, 1), delta_rmsea=d_rmsea)
    assert cfi_past.table.loc[2, "verdict"] == "not invariant"
    rmsea_past = invariance.measurement_invariance(df, fi, delta_cfi=d_cfi, delta_rmsea=np.nextafter(d_rmsea, -1))
    assert rmsea_past.table.loc[2, "verdict"] == "not invariant"
