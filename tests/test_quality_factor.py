"""Golden tests of dimios.quality.factor (CFA fit measures as lavaan, EFA helpers)."""

import numpy as np
import pandas as pd
import pytest
from semopy.examples import holzinger39

from dimios import instrument
from dimios.quality import careless, factor as F

HS_ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return holzinger39.get_data()


@pytest.fixture(scope="module")
def hs_fit(hs):
    return F.cfa(hs, holzinger39.get_model(), name="HS")


def test_holzinger_swineford_fit_matches_lavaan(hs_fit):
    # lavaan tutorial "A first example: CFA" (HolzingerSwineford1939, visual/textual/speed),
    # summary(fit, fit.measures = TRUE): N 301, Test statistic 85.306, df 24,
    # CFI 0.931, TLI 0.896, RMSEA 0.092, 90 % CI 0.071 - 0.114, SRMR 0.065.
    fit = hs_fit.fit
    assert fit["n"] == 301
    assert fit["df"] == 24
    assert fit["chi2"] == pytest.approx(85.306, abs=0.5)
    assert fit["cfi"] == pytest.approx(0.931, abs=0.002)
    assert fit["tli"] == pytest.approx(0.896, abs=0.002)
    assert fit["rmsea"] == pytest.approx(0.092, abs=0.002)
    assert fit["rmsea_ci_low"] == pytest.approx(0.071, abs=0.002)
    assert fit["rmsea_ci_high"] == pytest.approx(0.114, abs=0.002)
    assert fit["srmr"] == pytest.approx(0.065, abs=0.002)
    # semopy's own RMSEA divides by N-1 (0.09228); ours must use N as lavaan
    assert fit["rmsea"] == pytest.approx(np.sqrt((fit["chi2"] - 24) / (24 * 301)), rel=1e-12)


def test_holzinger_swineford_standardized_loadings_match_lavaan(hs_fit):
    # lavaan: summary(fit, standardized = TRUE), column Std.all
    lavaan_std_all = {
        "x1": 0.772, "x2": 0.424, "x3": 0.581,
        "x4": 0.852, "x5": 0.855, "x6": 0.838,
        "x7": 0.570, "x8": 0.723, "x9": 0.665,
    }  # fmt: skip
    got = hs_fit.loadings.set_index("indicator")["std_loading"]
    for item, value in lavaan_std_all.items():
        assert got[item] == pytest.approx(value, abs=0.002), item
    assert set(hs_fit.loadings["factor"]) == {"visual", "textual", "speed"}


def test_srmr_and_rmsea_ci_helpers():
    # SRMR by hand: S = [[1, .5], [.5, 1]], Σ = [[1, .3], [.3, 1]]: residuals on i <= j are
    # 0, .2, 0 -> sqrt(.04 / 3) = 0.11547
    s = np.array([[1, 0.5], [0.5, 1]])
    sig = np.array([[1, 0.3], [0.3, 1]])
    assert F.srmr_bentler(s, sig) == pytest.approx(np.sqrt(0.04 / 3))
    # lavaan lav_fit_rmsea_ci: lower bound 0 when pchisq(X2, df) < .95; upper bound 0 when
    # pchisq(X2, df) < .05 (χ² = 10 on 24 df: pchisq = .0036 -> CI [0, 0])
    assert F.rmsea_ci(10.0, 24, 300) == (0.0, 0.0)
    lo, hi = F.rmsea_ci(25.0, 24, 300)  # pchisq = .59: lower 0, upper > 0
    assert lo == 0.0 and 0 < hi < 0.06
    # the bounds invert the noncentral χ²: P(χ²_24(λ_U) <= 25) = .05
    from scipy import stats
    lam_u = hi**2 * 300 * 24
    assert stats.ncx2.cdf(25.0, 24, lam_u) == pytest.approx(0.05, abs=1e-6)


def test_kmo_and_bartlett_match_formulas(hs):
    x = hs[HS_ITEMS]
    r = np.corrcoef(x.to_numpy(), rowvar=False)
    inv = np.linalg.inv(r)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(9, dtype=bool)
    overall = (r[off] ** 2).sum() / ((r[off] ** 2).sum() + (partial[off] ** 2).sum())
    got = F.kmo(x)
    assert got.loc["overall", "kmo"] == pytest.approx(overall)
    assert got.attrs["n"] == 301
    b = F.bartlett(x)
    chi2 = -(301 - 1 - (2 * 9 + 5) / 6) * np.log(np.linalg.det(r))
    assert b["chi2"] == pytest.approx(chi2) and b["df"] == 36


def test_missing_values_are_deleted_listwise(hs):
    x = hs[HS_ITEMS].copy()
    x.iloc[:10, 0] = np.nan
    assert F.kmo(x).attrs["n"] == 291
    assert F.efa(x, 3).n == 291
    assert F.cfa(x, holzinger39.get_model()).fit["n"] == 291


def test_parallel_analysis(hs):
    pa = F.parallel_analysis(hs[HS_ITEMS], n_iter=50, seed=1)
    # three well-known factors (visual, textual, speed); principal-axis eigenvalues 4..9
    # of HS are below the random 95th percentiles.
    assert pa.n_factors == 3
    assert pa.table["observed_pca"].iloc[0] > pa.table["random_pca"].iloc[0]
    assert F.parallel_analysis(hs[HS_ITEMS], n_iter=50, seed=1).table.equals(pa.table)  # seeded
    noise = pd.DataFrame(np.random.default_rng(2).normal(size=(300, 8)))
    assert F.parallel_analysis(noise, n_iter=50, seed=1).n_components == 0


def test_efa_recovers_simple_structure():
    ci = {"A": ["a1", "a2", "a3", "a4"], "B": ["b1", "b2", "b3", "b4"], "C": ["c1", "c2", "c3", "c4"]}
    x, _ = careless.simulate_survey(ci, 1500, loading=0.8, factor_corr=0.3, seed=4)
    res = F.efa(x, 3)
    lam = res.loadings.drop(columns="communality")
    dominant = lam.abs().idxmax(axis=1)
    # each block of four items loads on one factor, a different one per block
    blocks = [set(dominant[list(v)]) for v in ci.values()]
    assert all(len(b) == 1 for b in blocks) and len(set.union(*blocks)) == 3
    assert (lam.abs().max(axis=1) > 0.6).all()
    assert res.rotation == "oblimin" and res.factor_correlations.shape == (3, 3)
    off = res.factor_correlations.to_numpy()[~np.eye(3, dtype=bool)]
    assert np.all(np.abs(off - 0.3) < 0.15)  # oblique rotation recovers the correlations


def test_model_builders():
    inst = instrument.load()
    ci, di = inst.category_items(), inst.dimension_items()
    dc = {d.id: list(inst.categories_in(d.id)) for d in inst.dimensions}
    models = F.instrument_models(ci, di, dc)
    assert models["a_dimensions"].count("=~") == 2
    assert models["b_categories"].count("=~") == 6
    assert "digital_formaga =~ effektivitet + innovation + balansering" in models["c_second_order"]
    with pytest.raises(ValueError):
        F.model_first_order({"x1": ["x1", "x2"]})


def test_synthetic_six_factor_model_recovered():
    inst = instrument.load()
    ci, di = inst.category_items(), inst.dimension_items()
    dc = {d.id: list(inst.categories_in(d.id)) for d in inst.dimensions}
    x, _ = careless.simulate_survey(ci, 1200, loading=0.75, factor_corr=0.5, seed=5)
    table, results = F.cfa_fit_table(x, F.instrument_models(ci, di, dc))
    t = table.set_index("model")
    assert t.loc["b_categories", "rmsea"] < 0.05 and t.loc["b_categories", "cfi"] > 0.95
    assert t.loc["b_categories", "srmr"] < 0.05
    assert t.loc["c_second_order", "rmsea"] < 0.05
    # the 2-factor model is wrong for 6-factor data and must fit clearly worse
    assert t.loc["a_dimensions", "rmsea"] > 0.08 and t.loc["a_dimensions", "cfi"] < 0.9
    # df: 351 moments; (b) 20 loadings + 26 residuals + 21 covariances = 67 -> 284;
    # (c) 20 + 26 + 4 second-order loadings + 6 disturbances + 2 variances + 1 covariance -> 292
    assert (t.loc["b_categories", "df"], t.loc["c_second_order", "df"]) == (284, 292)
    load = results["b_categories"].loadings
    items = load[load["level"] == "item"]
    assert len(items) == 26
    # population standardized loading of the continuous response is .75; rounding to 1..7 lowers it a little
    assert items["std_loading"].between(0.6, 0.8).all()
