import numpy as np
import pandas as pd
import pytest

from dimios import scoring
from tests.conftest import make_responses

P = "portfoljstyrning"
Q = "styrning"


def test_organisation_score_is_mean_of_valid_answers_in_percent():
    # answers 1, 4, 7 and a "vet ej": mean answer 4 -> 50 %
    df = make_responses([("A", 2023, {P: 1}), ("A", 2023, {P: 4}), ("A", 2023, {P: 7}), ("A", 2023, {P: None})])
    org = scoring.organisation_scores(df)
    assert org.loc[("A", 2023), P] == 50.0
    assert org.loc[("A", 2023), "n_respondents"] == 4


def test_below_minimum_valid_answers_is_missing():
    df = make_responses([("A", 2023, {P: 5, Q: 5}), ("A", 2023, {P: 6, Q: None}), ("A", 2023, {P: 7, Q: None})])
    org = scoring.organisation_scores(df)  # min_valid_answers = 3
    assert org.loc[("A", 2023), P] == pytest.approx(np.mean([4, 5, 6]) / 6 * 100)
    assert np.isnan(org.loc[("A", 2023), Q])


def test_all_vet_ej_gives_no_score_and_no_level():
    df = make_responses([("A", 2023, {})] * 5)
    org = scoring.organisation_scores(df)
    assert org[list(scoring.instrument.load().principle_ids)].isna().all().all()
    assert scoring.principle_levels(org).isna().all().all()


@pytest.mark.parametrize(
    "answers, level",
    [
        ([2, 3, 2, 3], 2),  # mean 2.5 -> exactly 25 % -> level 2 (cut belongs to upper level)
        ([4, 4, 4], 3),  # exactly 50 %
        ([5, 6, 6, 5], 4),  # mean 5.5 -> exactly 75 %
        ([2, 3, 2], 1),  # 2.333 -> 22.2 %
        ([1, 1, 1], 1),
        ([7, 7, 7], 4),
        ([3, 5, 4, 3, 5], 3),  # mean 4 -> 50 % computed from a sum that is not trivially exact
    ],
)
def test_level_boundaries(answers, level):
    df = make_responses([("A", 2023, {P: a}) for a in answers])
    lv = scoring.principle_levels(scoring.organisation_scores(df))
    assert lv.loc[("A", 2023), P] == level


def test_to_levels_on_values():
    s = pd.Series([0, 24.999, 25, 49.99, 50, 74.9, 75, 100, np.nan])
    assert scoring.to_levels(s).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, pd.NA]


def test_group_scores_and_quadrant(inst):
    form = list(inst.principles_in("digital_formaga"))
    arv = list(inst.principles_in("digitalt_arv"))
    ans_high = {p: 7 for p in form} | {p: 1 for p in arv}
    df = make_responses([("A", 2023, ans_high)] * 3 + [("B", 2023, {p: 4 for p in inst.principle_ids})] * 3)
    pos = scoring.positions(scoring.organisation_scores(df))
    assert pos.loc[("A", 2023), "digital_formaga"] == 100 and pos.loc[("A", 2023), "digitalt_arv"] == 0
    assert pos.loc[("A", 2023), "quadrant"] == "high_low"
    assert pos.loc[("B", 2023), "quadrant"] == "high_high"  # 50 is on the split -> high
    assert pos.loc[("A", 2023), "overall"] == pytest.approx((18 * 100 + 8 * 0) / 26)


def test_exactly_two_valid_answers_is_below_the_minimum_of_three():
    # two answers and a "vet ej": no score; a third answer gives one
    two = [("A", 2023, {P: 6}), ("A", 2023, {P: 7}), ("A", 2023, {P: None})]
    org = scoring.organisation_scores(make_responses(two))
    assert np.isnan(org.loc[("A", 2023), P]) and org.loc[("A", 2023), "n_respondents"] == 3
    assert scoring.principle_levels(org).isna().loc[("A", 2023), P]
    three = two + [("A", 2023, {P: 5})]
    assert scoring.organisation_scores(make_responses(three)).loc[("A", 2023), P] == pytest.approx(5 / 6 * 100)


def test_category_dimension_and_overall_scores_per_organisation(inst):
    # A: effektivitet principles 7, other förmåga principles 1, arv principles 4; B: all 4
    eff = set(inst.principles_in("effektivitet"))
    form = set(inst.principles_in("digital_formaga"))
    a = {p: (7 if p in eff else 1 if p in form else 4) for p in inst.principle_ids}
    df = make_responses([("A", 2023, a)] * 3 + [("B", 2023, {p: 4 for p in inst.principle_ids})] * 3)
    g = scoring.group_scores(scoring.organisation_scores(df))
    assert list(g.columns) == [c.id for c in inst.categories] + [d.id for d in inst.dimensions] + ["overall"]
    assert list(g.index) == [("A", 2023), ("B", 2023)]
    assert g.loc[("A", 2023), "effektivitet"] == 100 and g.loc[("A", 2023), "innovation"] == 0
    assert g.loc[("A", 2023), "balansering"] == 0 and g.loc[("A", 2023), "teknik"] == 50
    assert g.loc[("A", 2023), "digital_formaga"] == pytest.approx(7 * 100 / 18)
    assert (g.loc[("B", 2023)] == 50).all()


def test_group_score_is_the_mean_of_the_available_principles(inst):
    # one principle of the category unanswered: the mean of the others
    cat = list(inst.principles_in("anvandare"))
    df = make_responses([("A", 2023, {cat[0]: 7})] * 3)
    g = scoring.group_scores(scoring.organisation_scores(df))
    assert g.loc[("A", 2023), "anvandare"] == 100 and np.isnan(g.loc[("A", 2023), "teknik"])


def test_quadrant_names_and_missing_positions(inst):
    names = {q.id: q.name_sv for q in inst.quadrants}
    df = make_responses([("A", 2023, {p: 7 for p in inst.principle_ids})] * 3
                        + [("B", 2023, {p: 1 for p in inst.principles_in("digital_formaga")})] * 3)
    pos = scoring.positions(scoring.organisation_scores(df))
    assert pos.loc[("A", 2023), "quadrant_name"] == names["high_high"] == "Digitalt mogen"
    assert pd.isna(pos.loc[("B", 2023), "quadrant"]) and pd.isna(pos.loc[("B", 2023), "quadrant_name"])
    # plain lists with a missing value are read as numbers
    assert scoring.quadrant_of([50, None, 10], [None, 50, 80]).tolist() == [None, None, "low_high"]


def test_levels_keep_the_index_and_are_nullable_integers():
    s = pd.Series([10.0, np.nan, 80.0], index=["x", "y", "z"], name="p")
    lv = scoring.to_levels(s)
    assert str(lv.dtype) == "Int8" and list(lv.index) == ["x", "y", "z"] and lv.name == "p"
    assert lv["x"] == 1 and pd.isna(lv["y"]) and lv["z"] == 4
    df = pd.DataFrame({"a": [10.0, 60.0], "b": [np.nan, 30.0]}, index=["u", "v"])
    lvd = scoring.to_levels(df)
    assert (lvd.dtypes == "Int8").all() and list(lvd.index) == ["u", "v"]
    assert lvd.loc["u", "a"] == 1 and pd.isna(lvd.loc["u", "b"]) and lvd.loc["v", "b"] == 2
    full = scoring.to_levels(pd.DataFrame({"a": [10.0, 60.0]}))  # no missing value: still nullable
    assert str(full["a"].dtype) == "Int8"
    arr = scoring.to_levels(np.array([10.0, np.nan]))
    assert arr.dtype.kind == "i" and arr.tolist() == [1, -1]
    assert scoring.to_levels([24.0, None]).tolist() == [1, -1]


def test_levels_round_away_floating_point_noise_at_nine_decimals():
    # a score a few 1e-10 below a cut point is float noise (e.g. 24.9999999997): upper level;
    # 2e-9 below is a real difference: lower level
    assert scoring.to_levels(np.array([25 - 3e-10, 50 - 3e-10, 75 - 3e-10])).tolist() == [2, 3, 4]
    assert scoring.to_levels(np.array([25 - 2e-9, 50 - 2e-9, 75 - 2e-9])).tolist() == [1, 2, 3]


def test_organisation_scores_are_sorted_by_organisation_and_year_whatever_the_row_order():
    rows = [("B", 2023, {P: 7}), ("A", 2023, {P: 1}), ("B", 2021, {P: 4}), ("A", 2022, {P: 4})] * 3
    org = scoring.organisation_scores(make_responses(rows))
    assert list(org.index) == [("A", 2022), ("A", 2023), ("B", 2021), ("B", 2023)]
    assert org[P].tolist() == [50.0, 0.0, 50.0, 100.0] and org["n_respondents"].tolist() == [3, 3, 3, 3]
