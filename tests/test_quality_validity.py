"""Tests of dimios.quality.validity against hand computations and pingouin/scipy."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from dimios.quality import validity as V


def test_dimension_scores_percent_and_min_share():
    df = pd.DataFrame({"a": [1.0, 7.0, np.nan], "b": [4.0, np.nan, np.nan], "c": [7.0, 7.0, 4.0]})
    got = V.dimension_scores(df, {"d": ["a", "b", "c"]})
    # row 0: mean(1, 4, 7) = 4 -> (4-1)/6*100 = 50; row 1: mean(7, 7) = 7 -> 100;
    # row 2: one of three answered (< 50 %) -> NaN
    assert got["d"].iloc[0] == pytest.approx(50.0)
    assert got["d"].iloc[1] == pytest.approx(100.0)
    assert np.isnan(got["d"].iloc[2])


def test_hedges_g_matches_pingouin():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0.5, 1, 40), rng.normal(0, 1.3, 55)
    g = pg.compute_effsize(x, y, eftype="hedges")
    lo, hi = pg.compute_esci(g, nx=len(x), ny=len(y), eftype="cohen", decimals=10)
    assert V.hedges_g(x, y) == pytest.approx((g, lo, hi), abs=1e-9)


def test_hedges_g_hand_case():
    # x = (1,2,3), y = (3,4,5): means 2 and 4, both variances 1 -> pooled SD 1, d = -2
    # J = 1 - 3/(4*6 - 9) = 0.8 -> g = -1.6
    g, lo, hi = V.hedges_g(np.array([1.0, 2, 3]), np.array([3.0, 4, 5]))
    assert g == pytest.approx(-1.6)
    # SE = sqrt(6/9 + 2.56/12) = sqrt(0.88); crit = t_.975(4) = 2.776445
    se = np.sqrt(6 / 9 + 2.56 / 12)
    assert lo == pytest.approx(-1.6 - stats.t.ppf(0.975, 4) * se)
    assert hi == pytest.approx(-1.6 + 2.7764451 * se, abs=1e-6)


def test_known_groups_table():
    rng = np.random.default_rng(5)
    n = 400
    involved = rng.random(n) < 0.4
    base = rng.normal(4, 1, (n, 1)) + 0.5 * involved[:, None]
    items = np.clip(np.rint(base + rng.normal(0, 0.7, (n, 4))), 1, 7)
    df = pd.DataFrame(items, columns=["i1", "i2", "i3", "i4"])
    df["involved"] = involved
    tab = V.known_groups(df, {"dim_a": ["i1", "i2"], "dim_b": ["i3", "i4"]})
    assert list(tab["dimension"]) == ["dim_a", "dim_b"]
    scores = V.dimension_scores(df, {"dim_a": ["i1", "i2"]})["dim_a"]
    x, y = scores[involved].to_numpy(), scores[~involved].to_numpy()
    row = tab.iloc[0]
    assert (row["n_true"], row["n_false"]) == (involved.sum(), (~involved).sum())
    assert row["difference"] == pytest.approx(x.mean() - y.mean())
    welch = pg.ttest(x, y, correction=True)
    assert row["t_welch"] == pytest.approx(welch["T"].item())
    assert row["df_welch"] == pytest.approx(welch["dof"].item())
    assert row["p_welch"] == pytest.approx(welch["p_val"].item() if "p_val" in welch else welch["p-val"].item())
    u = stats.mannwhitneyu(x, y, alternative="two-sided")
    assert row["u"] == u.statistic and row["p_mwu"] == pytest.approx(u.pvalue)
    assert row["hedges_g"] > 0.2  # planted difference of half a scale point
    assert row["g_ci_low"] < row["hedges_g"] < row["g_ci_high"]


def test_known_groups_sd_rank_biserial_and_scale():
    # items on a 0-10 scale; group True answers 10, 8, 6 -> 100, 80, 60 %; False 0, 2, 4, 6 -> 0, 20, 40, 60 %
    df = pd.DataFrame({"i": [10.0, 8, 6, 0, 2, 4, 6], "j": [np.nan] * 7,
                       "involved": [True, True, True, False, False, False, False]})
    tab = V.known_groups(df, {"d": ["i", "j"]}, scale_min=0, scale_max=10, min_share=0.5)
    r = tab.iloc[0]
    assert (r["mean_true"], r["mean_false"], r["difference"]) == (80.0, 30.0, 50.0)
    assert r["sd_true"] == pytest.approx(20.0) and r["sd_false"] == pytest.approx(np.std([0, 20, 40, 60], ddof=1))
    u = stats.mannwhitneyu([100, 80, 60], [0, 20, 40, 60], alternative="two-sided")
    assert r["u"] == u.statistic and r["rank_biserial"] == pytest.approx(2 * u.statistic / 12 - 1)
    assert r["rank_biserial"] == pytest.approx(11.5 / 6 - 1)  # U = 11.5 (one tie at 60 %)
    # with min_share above one half, one of two items is not enough: no scores at all
    none = V.known_groups(df, {"d": ["i", "j"]}, scale_min=0, scale_max=10, min_share=0.6).iloc[0]
    assert (none["n_true"], none["n_false"]) == (0, 0) and np.isnan(none["mean_true"])


@pytest.mark.parametrize("n_true, tested", [(1, False), (2, True)])
def test_known_groups_needs_two_respondents_per_group(n_true, tested):
    vals = [7.0, 5.0][:n_true] + [1.0, 2.0, 4.0]
    df = pd.DataFrame({"i": vals, "involved": [True] * n_true + [False] * 3})
    r = V.known_groups(df, {"d": ["i"]}).iloc[0]
    assert (r["n_true"], r["n_false"]) == (n_true, 3)
    assert np.isnan(r["sd_true"]) != tested and r["sd_false"] == pytest.approx(np.std([0, 100 / 6, 50], ddof=1))
    assert ("hedges_g" in r.index and not np.isnan(r["hedges_g"])) == tested
    assert ("rank_biserial" in r.index and not np.isnan(r["rank_biserial"])) == tested
    # and the same rule for the other group
    flipped = V.known_groups(df.assign(involved=~df["involved"]), {"d": ["i"]}).iloc[0]
    assert np.isnan(flipped["sd_false"]) != tested
    assert ("t_welch" in flipped.index and not np.isnan(flipped["t_welch"])) == tested
    assert ("rank_biserial" in flipped.index and not np.isnan(flipped["rank_biserial"])) == tested
