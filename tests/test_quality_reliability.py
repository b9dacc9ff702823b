"""Golden tests of dimios.quality.reliability (pingouin is a test dependency)."""

import math

import numpy as np
import pingouin as pg
import pytest

from dimios import instrument
from dimios.quality import careless, factor, reliability as R


def test_alpha_pingouin_docs_long_format_example():
    # pingouin 0.7 cronbach_alpha docstring: data = pg.read_dataset("cronbach_alpha");
    # pg.cronbach_alpha(data, items="Items", scores="Scores", subject="Subj")
    # -> (0.5917188485995826, array([0.195, 0.84 ]))
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    got = R.cronbach_alpha(data)
    assert got["alpha"] == pytest.approx(0.5917188485995826, abs=1e-12)
    assert got["ci_low"] == pytest.approx(0.195, abs=5e-4)
    assert got["ci_high"] == pytest.approx(0.84, abs=5e-4)
    assert (got["n"], got["k"]) == (15, 10)


def test_alpha_pingouin_docs_missing_example():
    # pingouin docstring, "cronbach_wide_missing":
    # pairwise (psych::alpha(data, use="pairwise")) -> (0.732660835214447, [0.435, 0.909])
    # listwise (psych::alpha(data, use="complete.obs")) -> alpha 0.8016949152542373
    data = pg.read_dataset("cronbach_wide_missing")
    pw = R.cronbach_alpha(data, nan_policy="pairwise")
    assert pw["alpha"] == pytest.approx(0.732660835214447, abs=1e-12)
    assert (pw["ci_low"], pw["ci_high"]) == pytest.approx((0.435, 0.909), abs=5e-4)
    lw = R.cronbach_alpha(data, nan_policy="listwise")
    assert lw["alpha"] == pytest.approx(0.8016949152542373, abs=1e-12)
    # our listwise CI uses the 9 complete cases (pingouin keeps n = 12 rows): Feldt with
    # n = 9, k = 11 equals pingouin run on the complete cases.
    ref = pg.cronbach_alpha(data.dropna())
    assert lw["n"] == 9
    assert (lw["ci_low"], lw["ci_high"]) == pytest.approx(tuple(ref[1]), abs=5e-4)


def test_alpha_if_deleted_and_item_rest():
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    aid = R.alpha_if_deleted(data)
    for item in ["Q1", "Q5"]:
        expected = pg.cronbach_alpha(data.drop(columns=item))[0]
        assert aid.loc[item, "alpha_if_deleted"] == pytest.approx(expected)
        rest = data.drop(columns=item).sum(axis=1)
        assert aid.loc[item, "item_rest_r"] == pytest.approx(np.corrcoef(data[item], rest)[0, 1])


def test_omega_ave_hand_case():
    # λ = (.8, .7, .6): Σλ = 2.1, (Σλ)² = 4.41; Σ(1-λ²) = .36 + .51 + .64 = 1.51
    # omega = 4.41 / 5.92 = 0.744932; AVE = (.64 + .49 + .36)/3 = 0.496667
    got = R.omega_ave([0.8, 0.7, 0.6])
    assert got["omega"] == pytest.approx(4.41 / 5.92)
    assert got["ave"] == pytest.approx(1.49 / 3)


def test_reliability_table_synthetic_six_factor_model():
    inst = instrument.load()
    ci, di = inst.category_items(), inst.dimension_items()
    x, _ = careless.simulate_survey(ci, 1000, loading=0.8, factor_corr=0.5, seed=11)
    fit = factor.cfa(x, factor.model_first_order(ci), name="b")
    groups, levels = R.instrument_groups(ci, di)
    tab = R.reliability_table(x, groups, levels, fit.loadings)
    assert list(tab["group"][:3]) == ["instrument", "digital_formaga", "digitalt_arv"]
    assert tab.loc[tab["group"] == "instrument", "alpha"].item() > 0.8
    cats = tab[tab["level"] == "category"].set_index("group")
    # population omega of a category with k items of loading .8:
    # (0.8k)² / ((0.8k)² + 0.36k) -> k=7: .9256, k=2: .7805 (discretisation lowers it a bit)
    k7 = (0.8 * 7) ** 2 / ((0.8 * 7) ** 2 + 0.36 * 7)
    assert cats.loc["effektivitet", "omega"] == pytest.approx(k7, abs=0.03)
    assert cats["omega"].notna().all()
    assert tab.loc[tab["level"] != "category", "omega"].isna().all()  # no loadings given for them
    assert (tab["ci_low"] < tab["alpha"]).all() and (tab["alpha"] < tab["ci_high"]).all()
    assert not math.isnan(cats.loc["organisation", "alpha"])


def _items(n=120, seed=4):
    import pandas as pd

    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    x = np.column_stack([f[:, 0] + rng.normal(0, 0.6, n) for _ in range(3)]
                        + [f[:, 1] + rng.normal(0, 0.6, n) for _ in range(3)])
    return pd.DataFrame(np.clip(np.rint(4 + 1.2 * x), 1, 7), columns=["a1", "a2", "a3", "b1", "b2", "b3"])


def test_alpha_at_its_smallest_sizes_and_the_policy_check():
    x = _items()
    assert np.isnan(R.cronbach_alpha(x[["a1"]])["alpha"])                    # one item
    two = R.cronbach_alpha(x[["a1", "a2"]])                                   # two items: computed
    assert not np.isnan(two["alpha"]) and (two["n"], two["k"]) == (120, 2)
    assert np.isnan(R.cronbach_alpha(x.iloc[:1])["alpha"])                    # one respondent
    small = R.cronbach_alpha(x.iloc[:2])                                      # two respondents: computed
    assert not np.isnan(small["alpha"]) and small["n"] == 2
    one = R.cronbach_alpha(x[["a1"]])
    assert list(one.index) == ["alpha", "ci_low", "ci_high", "n", "k"] and (one["n"], one["k"]) == (120, 1)
    assert np.isnan(one["ci_low"]) and np.isnan(one["ci_high"])
    with pytest.raises(ValueError, match="^nan_policy must be 'listwise' or 'pairwise'$"):
        R.cronbach_alpha(x, nan_policy="all")


def test_alpha_if_deleted_with_missing_answers_and_two_items():
    x = _items()
    x.iloc[0, 0] = np.nan  # respondent 0 misses a1
    aid = R.alpha_if_deleted(x[["a1", "a2", "a3"]])
    complete = x[["a1", "a2", "a3"]].dropna()
    assert aid.loc["a2", "alpha_if_deleted"] == pytest.approx(R.cronbach_alpha(complete[["a1", "a3"]])["alpha"])
    # listwise on all items: respondent 0 is left out even when a1 is the deleted item
    assert aid.loc["a1", "alpha_if_deleted"] == pytest.approx(R.cronbach_alpha(complete[["a2", "a3"]])["alpha"])
    assert aid.loc["a1", "item_rest_r"] == pytest.approx(
        np.corrcoef(complete["a1"], complete[["a2", "a3"]].sum(axis=1))[0, 1])
    # pairwise: every respondent is kept; the rest score needs all rest items
    pw = R.alpha_if_deleted(x[["a1", "a2", "a3"]], nan_policy="pairwise")
    assert pw.loc["a1", "alpha_if_deleted"] == pytest.approx(
        R.cronbach_alpha(x[["a2", "a3"]], nan_policy="pairwise")["alpha"])
    rest = x[["a1", "a3"]].sum(axis=1, min_count=2)
    assert pw.loc["a2", "item_rest_r"] == pytest.approx(x["a2"].corr(rest))
    assert pw.loc["a2", "alpha_if_deleted"] != pytest.approx(aid.loc["a2", "alpha_if_deleted"])
    # two items: deleting one leaves a single item, which has no alpha
    two = R.alpha_if_deleted(x[["a1", "a2"]])
    assert two["alpha_if_deleted"].isna().all() and two["item_rest_r"].notna().all()


def test_composite_reliability_from_tidy_loadings():
    import pandas as pd

    lo = pd.DataFrame({
        "factor": ["G", "G", "F", "F", "F", "H"],
        "std_loading": [0.9, 0.5, 0.8, 0.7, 0.6, 0.7],
        "level": ["item", "item", "item", "item", "item", "factor"],
    })
    cr = R.composite_reliability(lo)
    assert list(cr.index) == ["G", "F"] and cr.index.name == "factor"  # factor-level rows left out, order kept
    assert list(cr.columns) == ["k", "omega", "ave", "sqrt_ave"] and cr["k"].dtype.kind == "i"
    assert cr.loc["F", "k"] == 3 and cr.loc["F", "omega"] == pytest.approx(4.41 / 5.92)
    assert cr.loc["G", "ave"] == pytest.approx((0.81 + 0.25) / 2)
    assert cr.loc["G", "sqrt_ave"] == pytest.approx(np.sqrt(0.53))
    # without a level column every row is an item
    no_level = R.composite_reliability(lo.drop(columns="level"))
    assert list(no_level.index) == ["G", "F", "H"] and no_level.loc["H", "k"] == 1
    got = R.omega_ave((0.8, 0.7, 0.6))
    assert list(got.index) == ["k", "omega", "ave", "sqrt_ave"] and got["k"] == 3


def test_instrument_groups_and_levels():
    groups, levels = R.instrument_groups({"c1": ["a", "b"], "c2": ["c"]}, {"d": ["a", "b", "c"]}, name="all")
    assert groups == {"all": ["a", "b", "c"], "d": ["a", "b", "c"], "c1": ["a", "b"], "c2": ["c"]}
    assert levels == {"all": "instrument", "d": "dimension", "c1": "category", "c2": "category"}


def test_reliability_table_columns_omega_from_loadings_and_policy():
    import pandas as pd

    x = _items()
    x.iloc[:5, 0] = np.nan
    groups = {"all": list(x.columns), "A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "solo": ["b1"]}
    lo = pd.DataFrame({"factor": ["A"] * 3 + ["X"], "std_loading": [0.8, 0.7, 0.6, 0.9], "level": "item"})
    tab = R.reliability_table(x, groups, {"all": "instrument", "A": "category"}, lo)
    assert list(tab.columns) == ["group", "level", "k", "n", "alpha", "ci_low", "ci_high", "omega", "ave",
                                 "not_computable"]
    t = tab.set_index("group")
    assert t["level"].tolist() == ["instrument", "category", "", ""]
    assert t["k"].tolist() == [6, 3, 3, 1] and t["n"].tolist() == [115, 115, 120, 120]
    assert t.loc["A", "alpha"] == pytest.approx(R.cronbach_alpha(x[groups["A"]])["alpha"])
    assert t.loc["A", "ci_low"] < t.loc["A", "alpha"] < t.loc["A", "ci_high"]
    assert t.loc["A", "omega"] == pytest.approx(4.41 / 5.92) and t.loc["A", "ave"] == pytest.approx(1.49 / 3)
    assert np.isnan(t.loc["B", "omega"]) and np.isnan(t.loc["all", "ave"])
    assert t.loc["solo", "not_computable"] == "one_item" and np.isnan(t.loc["solo", "alpha"])
    assert set(tab.attrs["not_computable"]) == {"solo"} and tab.attrs["not_computable"]["solo"]["code"] == "one_item"
    pw = R.reliability_table(x, {"A": groups["A"]}, nan_policy="pairwise").iloc[0]
    assert pw["alpha"] == pytest.approx(R.cronbach_alpha(x[groups["A"]], nan_policy="pairwise")["alpha"])
    assert pw["level"] == ""
    # min_n: a group with fewer complete answers is not computed, with the count of complete answers
    few = R.reliability_table(x, {"A": groups["A"]}, min_n=116).iloc[0]
    assert few["not_computable"] == "too_few" and few["n"] == 115 and np.isnan(few["alpha"])
    assert R.reliability_table(x, {"A": groups["A"]}, min_n=115).iloc[0]["not_computable"] == ""
