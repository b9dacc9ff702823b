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
