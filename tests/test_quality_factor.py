"""Golden tests of dimios.quality.factor (CFA fit measures as lavaan, EFA helpers)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from semopy.examples import holzinger39

from dimios import instrument
from dimios.quality import careless, factor as F
from tests.test_golden_r import _match  # column permutation and signs mapping R's factors onto ours

HS_ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return holzinger39.get_data()


def _hs_cfa(hs):
    # fitted in each test (not in a shared fixture): mutmut runs a mutant only with the tests that call
    # the mutated function themselves
    return F.cfa(hs, holzinger39.get_model(), name="HS")


def test_holzinger_swineford_fit_matches_lavaan(hs):
    hs_fit = _hs_cfa(hs)
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


def test_holzinger_swineford_standardized_loadings_match_lavaan(hs):
    hs_fit = _hs_cfa(hs)
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
    # uncorrelated by design (not by a lucky draw: 3 of 10 plain normal samples show one component):
    # orthonormal centred columns have a sample correlation matrix of exactly I, every observed
    # eigenvalue 1, below the random first eigenvalue, which always exceeds 1
    z = np.random.default_rng(2).normal(size=(300, 8))
    q, _ = np.linalg.qr(z - z.mean(axis=0))
    noise = pd.DataFrame(q)
    none = F.parallel_analysis(noise, n_iter=50, seed=1)
    np.testing.assert_allclose(none.table["observed_pca"], 1.0, atol=1e-9)
    assert none.n_components == 0


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


# ---------------------------------------------------------------- golden values from R (fast subset)
# tests/reference/golden_r.json is written by tests/reference/golden.R (psych 2.2.9, lavaan 0.6.14) on
# tests/reference/golden_synthetic.csv; tests/test_golden_r.py compares the whole quality chapter with
# it. The tests below compare the functions of this module directly (fast, no chapter).
REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def golden():
    return json.loads((REF / "golden_r.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def synthetic():
    """The golden synthetic panel's 26 principle columns (2,971 rows, 2,176 complete)."""
    items = list(instrument.load().principle_ids)
    return pd.read_csv(REF / "golden_synthetic.csv")[items]


def test_kmo_per_item_matches_psych(synthetic, golden):
    # psych::KMO(Xc)$MSAi and $MSA on complete cases
    ref = golden["kmo"]
    got = F.kmo(synthetic)
    assert got.index.name == "item" and list(got.columns) == ["kmo"]
    assert list(got.index) == list(synthetic.columns) + ["overall"]
    assert got.attrs["n"] == ref["n"] == 2176
    for item, value in ref["items"].items():
        assert got.loc[item, "kmo"] == pytest.approx(value, abs=1e-6), item
    assert got.loc["overall", "kmo"] == pytest.approx(ref["overall"], abs=1e-6)


def test_bartlett_matches_psych(synthetic, golden):
    # psych::cortest.bartlett(cor(Xc), n): χ² 40131.78 on 325 df, p = 0
    ref = golden["bartlett"]
    got = F.bartlett(synthetic)
    assert list(got.index) == ["n", "p", "chi2", "df", "pvalue"]
    assert (got["n"], got["p"], got["df"]) == (ref["n"], 26, ref["df"])
    assert got["chi2"] == pytest.approx(ref["chi2"], rel=1e-6)
    assert got["pvalue"] == pytest.approx(ref["pvalue"], abs=1e-12)
    # a p-value that is not 0: three weakly correlated items
    small = pd.DataFrame(np.random.default_rng(3).normal(size=(40, 3)), columns=list("abc"))
    b = F.bartlett(small)
    r = np.corrcoef(small.to_numpy(), rowvar=False)
    chi2 = -(40 - 1 - (2 * 3 + 5) / 6) * np.log(np.linalg.det(r))
    assert (b["n"], b["p"], b["df"]) == (40, 3, 3)
    assert b["chi2"] == pytest.approx(chi2)
    assert b["pvalue"] == pytest.approx(stats.chi2.sf(chi2, 3))


def test_parallel_analysis_matches_psych(synthetic, golden):
    # psych::fa.parallel(cor(Xc), n.obs, fm = "minres", n.iter = 100, SMC = TRUE, quant = .95):
    # the observed eigenvalues are closed forms; the random ones come from other random numbers
    # (numpy vs R), so they may differ by 2 SD of psych's draws (see tests/test_golden_r.py)
    ref = golden["parallel"]
    pa = F.parallel_analysis(synthetic)  # defaults: 100 data sets, 95th percentile, the report's seed
    t = pa.table
    assert (pa.n, pa.n_iter, pa.quantile, pa.seed) == (ref["n"], ref["n_iter"], ref["quantile"], 20240601)
    assert t["number"].tolist() == list(range(1, 27))
    np.testing.assert_allclose(t["observed_pca"], ref["observed_pca"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(t["observed_fa"], ref["observed_fa"], rtol=0, atol=1e-6)
    for col in ("random_pca", "random_fa"):
        diff = np.abs(t[col].to_numpy() - np.array(ref[col]))
        assert (diff <= 2 * np.array(ref[f"{col}_sd"])).all(), col
        # the 95th percentile of the random eigenvalues lies above their mean
        assert (t[col] > t[f"mean_{col}"]).all(), col
    # the mean random PCA eigenvalues of independent variables scatter around 1 and sum to p
    assert t["mean_random_pca"].sum() == pytest.approx(26)
    assert t["mean_random_pca"].iloc[0] > 1 > t["mean_random_pca"].iloc[-1]
    assert (pa.n_factors, pa.n_components) == (ref["n_factors"], ref["n_components"]) == (8, 3)


def test_parallel_analysis_settings_change_the_reference():
    x = pd.DataFrame(np.random.default_rng(11).normal(size=(200, 5)))
    a = F.parallel_analysis(x, n_iter=20, quantile=0.95, seed=1)
    assert len(a.table) == 5 and (a.n, a.n_iter, a.seed) == (200, 20, 1)
    # another seed draws other data sets; a higher quantile gives higher reference values
    assert not np.allclose(F.parallel_analysis(x, n_iter=20, seed=2).table["random_pca"], a.table["random_pca"])
    q99 = F.parallel_analysis(x, n_iter=20, quantile=0.99, seed=1)
    assert q99.quantile == 0.99 and (q99.table["random_pca"] >= a.table["random_pca"]).all()
    assert q99.table["random_pca"].iloc[0] > a.table["random_pca"].iloc[0]
    np.testing.assert_allclose(q99.table["mean_random_pca"], a.table["mean_random_pca"])


def test_n_retained_counts_leading_eigenvalues_above_the_reference():
    ref = np.array([2.0, 1.5, 1.0, 0.5])
    assert F._n_retained(np.array([3.0, 2.0, 0.9, 0.6]), ref) == 2
    assert F._n_retained(np.array([3.0, 1.0, 1.2, 0.6]), ref) == 1  # stops at the first that does not
    assert F._n_retained(np.array([1.0, 2.0, 2.0, 2.0]), ref) == 0
    assert F._n_retained(np.array([3.0, 2.0, 1.1, 0.6]), ref) == 4
    assert F._n_retained(np.array([2.0, 2.0, 1.1, 0.6]), ref) == 0  # equal is not above


def test_eigenvalues_of_the_reduced_correlation_matrix():
    # two items correlating .6 with a third independent one: R's eigenvalues 1.6, 1, .4; the
    # squared multiple correlations are .36, .36, 0, so the reduced matrix has .96, 0, -.24
    r = np.array([[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1.0]])
    pca, fa = F._eigen_pca_fa(r)
    np.testing.assert_allclose(pca, [1.6, 1.0, 0.4], atol=1e-12)
    np.testing.assert_allclose(fa, [0.96, 0.0, -0.24], atol=1e-12)
    np.testing.assert_allclose(r, [[1, 0.6, 0], [0.6, 1, 0], [0, 0, 1.0]])  # the input is not changed


def test_efa_matches_psych(synthetic, golden):
    # psych::fa(Xc, nfactors = 6, rotate = "oblimin", fm = "minres"): $loadings, $Phi, $communality;
    # psych and factor_analyzer stop their rotations at tolerance 1e-5: 0.01 after matching columns
    ref = golden["efa"]
    res = F.efa(synthetic, 6)
    assert (res.n, res.rotation, res.method) == (ref["n"], ref["rotate"], ref["fm"])
    names = [f"F{i}" for i in range(1, 7)]
    assert list(res.loadings.columns) == names + ["communality"] and res.loadings.index.name == "item"
    assert list(res.loadings.index) == list(synthetic.columns)
    py = res.loadings[names].to_numpy()
    r = np.array([ref["loadings"][i] for i in synthetic.columns])
    perm, sign = _match(py, r)
    assert sorted(perm) == list(range(6))
    assert np.abs(py - r[:, perm] * sign).max() <= 0.01
    r_phi = np.array(ref["phi"])[np.ix_(perm, perm)] * np.outer(sign, sign)
    assert np.abs(res.factor_correlations.to_numpy() - r_phi).max() <= 0.01
    assert list(res.factor_correlations.index) == list(res.factor_correlations.columns) == names
    h2 = np.array([ref["h2"][i] for i in synthetic.columns])
    assert np.abs(res.loadings["communality"].to_numpy() - h2).max() <= 0.01
    # presentation: factors by decreasing sum of squared loadings, each column sum positive
    ssl = (py**2).sum(axis=0)
    assert (np.diff(ssl) <= 0).all() and (py.sum(axis=0) > 0).all()
    assert list(res.variance.index) == names and list(res.variance.columns) == ["ss_loadings", "proportion"]
    np.testing.assert_allclose(res.variance["ss_loadings"], ssl)
    np.testing.assert_allclose(res.variance["proportion"], ssl / 26)


def test_efa_rotations_and_one_factor(hs):
    x = hs[HS_ITEMS]
    none = F.efa(x, 3, rotation=None)
    assert none.rotation == "None"
    np.testing.assert_allclose(none.factor_correlations, np.eye(3))
    # an orthogonal rotation keeps Φ = I, changes the loadings, not the communalities
    vari = F.efa(x, 3, rotation="varimax")
    assert vari.rotation == "varimax"
    np.testing.assert_allclose(vari.factor_correlations, np.eye(3), atol=1e-12)
    assert not np.allclose(vari.loadings[["F1", "F2", "F3"]], none.loadings[["F1", "F2", "F3"]], atol=0.05)
    np.testing.assert_allclose(vari.loadings["communality"], none.loadings["communality"], atol=1e-8)
    # an oblique one (default oblimin) correlates the factors: HS's three abilities correlate .2-.5
    obl = F.efa(x, 3)
    off = obl.factor_correlations.to_numpy()[~np.eye(3, dtype=bool)]
    assert (np.abs(off) > 0.1).all() and (np.abs(off) < 0.7).all()
    np.testing.assert_allclose(obl.loadings["communality"], none.loadings["communality"], atol=1e-8)
    # the communality is diag(ΛΦΛ') (for an oblique solution not the row sum of squares)
    lam = obl.loadings[["F1", "F2", "F3"]].to_numpy()
    np.testing.assert_allclose(obl.loadings["communality"], np.diag(lam @ obl.factor_correlations @ lam.T))
    assert not np.allclose(obl.loadings["communality"], (lam**2).sum(axis=1), atol=0.01)
    # one factor: nothing to rotate; the loadings are positive (reflected) and Φ = [[1]]
    one = F.efa(x, 1)
    assert list(one.loadings.columns) == ["F1", "communality"]
    assert (one.loadings["F1"].sum() > 0) and one.factor_correlations.to_numpy().tolist() == [[1.0]]
    np.testing.assert_allclose(one.loadings["communality"], one.loadings["F1"] ** 2)
    # another extraction method gives other loadings
    ml = F.efa(x, 3, method="ml")
    assert ml.method == "ml"
    assert not np.allclose(ml.loadings["communality"], obl.loadings["communality"], atol=1e-3)


def test_rotate_helper():
    lam = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, -0.6], [0.2, -0.7]])
    same, phi = F._rotate(lam, None)
    np.testing.assert_array_equal(same, lam)
    np.testing.assert_array_equal(phi, np.eye(2))
    same[0, 0] = 9.0
    assert lam[0, 0] == 0.8  # a copy
    col = lam[:, :1]
    one, phi1 = F._rotate(col, "oblimin")  # one factor: nothing to rotate
    np.testing.assert_array_equal(one, col)
    np.testing.assert_array_equal(phi1, np.eye(1))
    vl, vphi = F._rotate(lam, "varimax")
    np.testing.assert_array_equal(vphi, np.eye(2))
    np.testing.assert_allclose((vl**2).sum(axis=1), (lam**2).sum(axis=1))  # orthogonal: communalities kept
    ol, ophi = F._rotate(lam, "oblimin")
    assert ophi.shape == (2, 2) and abs(ophi[0, 1]) > 0.01
    np.testing.assert_allclose(np.diag(ophi), 1.0)
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", ol, ophi, ol), (lam**2).sum(axis=1))


def test_complete_cases():
    df = pd.DataFrame({"a": [1, 2, None, 4], "b": [1, None, 3, 4], "c": ["x", "y", "z", "w"]})
    got = F.complete_cases(df, ["a", "b"])
    assert list(got.columns) == ["a", "b"] and got.index.tolist() == [0, 3]
    assert (got.dtypes == float).all()
    all_cols = F.complete_cases(df[["a", "b"]])
    assert all_cols.equals(got)
    assert F.complete_cases(df, ("b",)).index.tolist() == [0, 2, 3]


# ---------------------------------------------------------------- CFA: golden and helpers
HS_FACTORS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


def test_holzinger_swineford_cfa_matches_lavaan_run(hs, golden):
    hs_fit = _hs_cfa(hs)
    # lavaan::cfa(HS.model, HolzingerSwineford1939) run by tests/reference/golden.R: fitMeasures and
    # std.all loadings (tolerances of tests/test_golden_r.py: χ² relative 1e-4, indices 5e-4)
    ref = golden["holzinger_swineford"]["cfa"]
    r, fit = ref["fit"], hs_fit.fit
    assert list(fit.index) == ["model", "n", "npar", "chi2", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low",
                               "rmsea_ci_high", "srmr", "converged"]
    assert fit["model"] == hs_fit.name == "HS"
    assert (fit["n"], fit["npar"], fit["df"]) == (r["n"], r["npar"], r["df"])
    assert fit["chi2"] == pytest.approx(r["chisq"], rel=1e-4)
    assert fit["pvalue"] == pytest.approx(r["pvalue"], rel=1e-3)
    for ours, theirs in {"cfi": "cfi", "tli": "tli", "rmsea": "rmsea", "rmsea_ci_low": "rmsea.ci.lower",
                         "rmsea_ci_high": "rmsea.ci.upper", "srmr": "srmr"}.items():
        assert fit[ours] == pytest.approx(r[theirs], abs=5e-4), ours
    assert fit["converged"] is True
    got = hs_fit.loadings.set_index("indicator")["std_loading"]
    for item, value in ref["loadings"].items():
        assert got[item] == pytest.approx(value, abs=0.005), item


def test_holzinger_swineford_unstandardized_loadings_match_lavaan(hs):
    hs_fit = _hs_cfa(hs)
    # lavaan tutorial "A first example: CFA", summary(fit): Latent Variables, Estimate and Std.Err
    # (markers x1, x4, x7 fixed at 1 without a standard error or p-value)
    lav = {"x1": (1.0, None), "x2": (0.554, 0.100), "x3": (0.729, 0.109), "x4": (1.0, None), "x5": (1.113, 0.065),
           "x6": (0.926, 0.055), "x7": (1.0, None), "x8": (1.180, 0.165), "x9": (1.082, 0.151)}
    load = hs_fit.loadings
    assert list(load.columns) == ["factor", "indicator", "level", "estimate", "std_loading", "se", "pvalue"]
    assert load.index.tolist() == list(range(9))
    assert (load["level"] == "item").all()
    assert load[["factor", "indicator"]].apply(tuple, axis=1).tolist() == [
        (f, i) for f, items in HS_FACTORS.items() for i in items]
    t = load.set_index("indicator")
    for item, (est, se) in lav.items():
        assert t.loc[item, "estimate"] == pytest.approx(est, abs=0.003), item
        if se is None:
            assert np.isnan(t.loc[item, "se"]) and np.isnan(t.loc[item, "pvalue"]), item
        else:
            assert t.loc[item, "se"] == pytest.approx(se, abs=0.002), item
            assert 0 <= t.loc[item, "pvalue"] < 0.001, item  # lavaan: P(>|z|) 0.000
    assert load["estimate"].dtype == float and load["se"].dtype == float and load["pvalue"].dtype == float


def test_second_order_model_on_holzinger_swineford(hs):
    hs_fit = _hs_cfa(hs)
    # three first-order factors under one second-order factor are just identified: the same fit
    # as three correlated factors (χ² 85.306 on 24 df), with the factors as indicators of "g"
    desc = F.model_second_order(HS_FACTORS, {"g": ["visual", "textual", "speed"]})
    assert desc == ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
                    "g =~ visual + textual + speed")
    res = F.cfa(hs, desc, name="second")
    assert res.fit["df"] == 24 and res.fit["npar"] == 21
    assert res.fit["chi2"] == pytest.approx(hs_fit.fit["chi2"], rel=1e-4)
    load = res.loadings
    top = load[load["factor"] == "g"]
    assert top["indicator"].tolist() == ["visual", "textual", "speed"]
    assert (top["level"] == "factor").all() and (load.loc[load["factor"] != "g", "level"] == "item").all()
    assert len(load) == 12 and load.index.tolist() == list(range(12))
    assert top["std_loading"].between(0.3, 1.0).all()


def test_cfa_fit_table_stacks_the_models(hs):
    models = {"three": F.model_first_order(HS_FACTORS),
              "one": F.model_first_order({"g": HS_ITEMS})}
    table, results = F.cfa_fit_table(hs, models)
    assert table["model"].tolist() == ["three", "one"] and table.index.tolist() == [0, 1]
    assert list(table.columns) == list(results["three"].fit.index)  # one column per fit measure, no other
    assert list(results) == ["three", "one"] and results["one"].name == "one"
    assert results["one"].description == "g =~ " + " + ".join(HS_ITEMS)
    # one factor: 27 df (lavaan: χ² 312.264 on 27 df for HS's one-factor model)
    assert table.loc[1, "df"] == 27 and table.loc[1, "chi2"] > table.loc[0, "chi2"]
    assert table.loc[0, "chi2"] == pytest.approx(results["three"].fit["chi2"])
    assert table.loc[0, "n"] == table.loc[1, "n"] == 301


def test_cfa_uses_only_the_model_variables_for_listwise_deletion(hs):
    # a missing value in a column the model does not use must not drop the respondent
    x = hs.copy()
    x.loc[:4, "ageyr"] = np.nan
    x.loc[5:6, "x9"] = np.nan
    res = F.cfa(x, F.model_first_order({"visual": ["x1", "x2", "x3"], "speed": ["x7", "x8", "x9"]}))
    assert res.fit["n"] == 299


def test_model_builders_syntax_and_name_clashes():
    assert F.model_first_order({"f": ["a", "b", "c"], "g": ["d", "e"]}) == "f =~ a + b + c\ng =~ d + e"
    with pytest.raises(ValueError, match=r"latent names clash with item names: \['a', 'f'\]"):
        F.model_first_order({"f": ["f", "b"], "a": ["a", "c"]})
    # a second-order (dimension) name may not be an item or a category either
    with pytest.raises(ValueError, match=r"clash with item names: \['b'\]"):
        F.model_second_order({"f": ["a", "b"], "g": ["c", "d"]}, {"b": ["f", "g"]})
    models = F.instrument_models({"c1": ["a", "b"], "c2": ["c", "d"]}, {"d1": ["a", "b", "c", "d"]},
                                 {"d1": ["c1", "c2"]})
    assert models == {"a_dimensions": "d1 =~ a + b + c + d", "b_categories": "c1 =~ a + b\nc2 =~ c + d",
                      "c_second_order": "c1 =~ a + b\nc2 =~ c + d\nd1 =~ c1 + c2"}


def test_srmr_standardises_by_the_observed_variances():
    # S with variances 4 and 9, cov 3 (r = .5); Σ with cov 1.8 (r = .3): standardized residual .2
    # on the off-diagonal, 0 on the diagonal -> sqrt(.04 / 3); a residual variance counts too
    s = np.array([[4.0, 3.0], [3.0, 9.0]])
    assert F.srmr_bentler(s, np.array([[4.0, 1.8], [1.8, 9.0]])) == pytest.approx(np.sqrt(0.04 / 3))
    # Σ_11 = 3 instead of 4: (4 - 3) / 4 = .25 on the diagonal
    assert F.srmr_bentler(s, np.array([[3.0, 3.0], [3.0, 9.0]])) == pytest.approx(np.sqrt(0.25**2 / 3))
    assert F.srmr_bentler(s, s) == 0.0


def test_ml_discrepancy_and_baseline():
    s = np.array([[4.0, 3.0], [3.0, 9.0]])
    assert F.ml_discrepancy(s, s) == pytest.approx(0.0, abs=1e-12)
    sigma = np.diag([4.0, 9.0])
    # log|Σ| + tr(SΣ⁻¹) − log|S| − p = log 36 + 2 − log 27 − 2
    assert F.ml_discrepancy(s, sigma) == pytest.approx(np.log(36 / 27))
    sigma2 = np.array([[5.0, 1.0], [1.0, 8.0]])
    expected = np.log(np.linalg.det(sigma2)) + np.trace(s @ np.linalg.inv(sigma2)) - np.log(27) - 2
    assert F.ml_discrepancy(s, sigma2) == pytest.approx(expected)
    # a model matrix that is not positive definite has no likelihood
    assert F.ml_discrepancy(s, np.array([[1.0, 2.0], [2.0, 1.0]])) == np.inf
    # independence model: N (Σ log s_ii − log|S|) = −N log(1 − r²) for two variables, 1 df
    chi2_b, df_b = F.baseline_chi2(s, 100)
    assert chi2_b == pytest.approx(-100 * np.log(1 - 0.25)) and df_b == 1
    assert F.baseline_chi2(np.eye(4), 50) == (pytest.approx(0.0), 6)


def test_fit_indices_from_lavaan_statistics(golden):
    # from lavaan's own χ² (golden.R) and its baseline model (lavaan tutorial, HS: "Model Test Baseline
    # Model: Test statistic 918.852, Degrees of freedom 36") the formulas give lavaan's indices
    r = golden["holzinger_swineford"]["cfa"]["fit"]
    got = F.fit_indices(r["chisq"], 24, 301, 918.852, 36)
    assert list(got) == ["chi2", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high"]
    assert got["chi2"] == r["chisq"] and got["df"] == 24 and isinstance(got["df"], int)
    assert got["pvalue"] == pytest.approx(r["pvalue"], rel=1e-6)
    for key, theirs in (("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"), ("rmsea_ci_low", "rmsea.ci.lower"),
                        ("rmsea_ci_high", "rmsea.ci.upper")):
        assert got[key] == pytest.approx(r[theirs], abs=2e-6), key
    # several groups (lavaan multiplies RMSEA and its bounds by sqrt(G)): HS configural by school
    c = golden["holzinger_swineford"]["invariance"]["configural"]
    got = F.fit_indices(c["chisq"], 48, 301, 957.769, 72, n_groups=2)  # baseline: lavaan, group = "school"
    for key, theirs in (("rmsea", "rmsea"), ("rmsea_ci_low", "rmsea.ci.lower"), ("rmsea_ci_high", "rmsea.ci.upper"),
                        ("cfi", "cfi"), ("tli", "tli")):
        assert got[key] == pytest.approx(c[theirs], abs=2e-6), key


def test_fit_indices_edge_cases():
    # χ² below its df: perfect CFI and RMSEA 0; TLI may exceed 1 (lavaan does not truncate it)
    got = F.fit_indices(10.0, 20, 301, 918.85, 36)
    assert (got["cfi"], got["rmsea"], got["rmsea_ci_low"], got["rmsea_ci_high"]) == (1.0, 0.0, 0.0, 0.0)
    assert got["tli"] == pytest.approx((918.85 / 36 - 0.5) / (918.85 / 36 - 1))
    assert got["pvalue"] == pytest.approx(stats.chi2.sf(10, 20))
    # no misfit beyond df in the model nor in the baseline: CFI is 1 (the denominator is 0)
    assert F.fit_indices(10.0, 20, 301, 30.0, 36)["cfi"] == 1.0
    # a baseline that fits worse by less than the model: CFI 0
    assert F.fit_indices(120.0, 20, 301, 50.0, 36)["cfi"] == pytest.approx(0.0)
    # a saturated model (df 0): no p-value, RMSEA 0, TLI 1, CFI from the formula
    sat = F.fit_indices(0.0, 0, 301, 918.85, 36)
    assert np.isnan(sat["pvalue"]) and sat["rmsea"] == 0.0 and sat["tli"] == 1.0 and sat["cfi"] == 1.0
    assert (sat["rmsea_ci_low"], sat["rmsea_ci_high"]) == (0.0, 0.0)
    # RMSEA from its definition, N (not N - 1) as lavaan
    got = F.fit_indices(60.0, 20, 200, 900.0, 36, n_groups=3)
    assert got["rmsea"] == pytest.approx(np.sqrt(40 / (20 * 200)) * np.sqrt(3))
    assert got["cfi"] == pytest.approx(1 - 40 / (900 - 36))


def test_rmsea_ci_inverts_the_noncentral_chi2():
    chi2, df, n = 85.3055, 24, 301
    lo, hi = F.rmsea_ci(chi2, df, n)
    # λ_L: P(χ²_df(λ) <= χ²) = .95, λ_U: = .05; bound = sqrt(λ / (N df))
    assert stats.ncx2.cdf(chi2, df, lo**2 * n * df) == pytest.approx(0.95, abs=1e-8)
    assert stats.ncx2.cdf(chi2, df, hi**2 * n * df) == pytest.approx(0.05, abs=1e-8)
    # a 95 % interval inverts at .975 / .025 and is wider
    lo95, hi95 = F.rmsea_ci(chi2, df, n, level=0.95)
    assert stats.ncx2.cdf(chi2, df, lo95**2 * n * df) == pytest.approx(0.975, abs=1e-8)
    assert stats.ncx2.cdf(chi2, df, hi95**2 * n * df) == pytest.approx(0.025, abs=1e-8)
    assert lo95 < lo and hi95 > hi
    # G groups multiply both bounds by sqrt(G)
    lo2, hi2 = F.rmsea_ci(chi2, df, n, 2)
    assert (lo2, hi2) == (pytest.approx(lo * np.sqrt(2)), pytest.approx(hi * np.sqrt(2)))
    assert isinstance(lo, float) and isinstance(hi, float)


def test_rmsea_ci_bounds_at_their_thresholds():
    df, n = 24, 300
    q95, q05 = stats.chi2.ppf(0.95, df), stats.chi2.ppf(0.05, df)
    # lower bound: 0 while P(χ²_df <= χ²) < .95 (χ² up to the central 95th percentile), then positive
    assert F.rmsea_ci(q95 - 0.01, df, n)[0] == 0.0
    assert F.rmsea_ci(q95, df, n)[0] == pytest.approx(0.0, abs=1e-6)
    assert 0 < F.rmsea_ci(q95 + 0.5, df, n)[0] < 0.02
    # upper bound: 0 while P(χ²_df <= χ²) < .05, then positive
    assert F.rmsea_ci(q05 - 0.01, df, n)[1] == 0.0
    assert F.rmsea_ci(q05 + 0.5, df, n)[1] > 0
    # fewer than 1 df: no interval; 1 df: an interval
    assert F.rmsea_ci(50.0, 0.5, n) == (0.0, 0.0) and F.rmsea_ci(50.0, 0, n) == (0.0, 0.0)
    lo, hi = F.rmsea_ci(50.0, 1, n)
    assert 0 < lo < hi


def test_efa_two_factors_are_rotated_and_weak_factors_reflected(hs):
    # two factors are rotated too (oblimin): visual and textual items separate, factors correlate ~.3
    res = F.efa(hs[["x1", "x2", "x3", "x4", "x5", "x6"]], 2)
    load = res.loadings[["F1", "F2"]]
    assert (load.loc[["x4", "x5", "x6"], "F1"] > 0.75).all() and (load.loc[["x1", "x2", "x3"], "F2"] > 0.4).all()
    assert (load.loc[["x4", "x5", "x6"], "F2"].abs() < 0.1).all()
    assert res.factor_correlations.loc["F1", "F2"] == pytest.approx(0.305, abs=0.02)
    # reflection: every factor is shown with a positive sum of loadings, also when the sum is small
    # (items loading .6, -.3, -.2: factor_analyzer returns sums of -.69 and +.11 for these two samples)
    for seed in (1, 7):
        rng = np.random.default_rng(seed)
        f = rng.normal(size=1000)
        x = pd.DataFrame({f"v{i}": w * f + rng.normal(size=1000) for i, w in enumerate((0.6, -0.3, -0.2))})
        one = F.efa(x, 1).loadings["F1"]
        assert 0 < one.sum() < 0.7 and one["v0"] > 0.5 and (one[["v1", "v2"]] < 0).all(), seed


def test_efa_passes_factor_analyzer_warnings_on():
    # only sklearn's FutureWarning is silenced during the fit; factor_analyzer's own warnings (here:
    # fewer complete cases than items for a principal-components extraction) reach the user
    x = pd.DataFrame(np.random.default_rng(1).normal(size=(3, 5)))
    with pytest.warns(UserWarning, match="number of factors will be constrained"):
        F.efa(x, 3, method="principal", rotation=None)


def test_fit_indices_of_a_model_with_one_degree_of_freedom():
    """df = 1 is a real model (e.g. four items on one factor with one equality): every index is
    computed, none falls back to its df = 0 value. Hand values from lavaan's formulas."""
    got = F.fit_indices(chi2=3.0, df=1, n=200, chi2_base=100.0, df_base=10)
    assert got["df"] == 1
    assert got["pvalue"] == pytest.approx(stats.chi2.sf(3.0, 1))             # 0.0833
    assert got["cfi"] == pytest.approx(1 - 2 / 90)                           # 1 - (3-1)/(100-10)
    assert got["tli"] == pytest.approx((10 - 3) / (10 - 1))                  # (χ²b/dfb - χ²/df)/(χ²b/dfb - 1)
    assert got["rmsea"] == pytest.approx(0.1)                                # sqrt((3-1)/(1*200))


def test_cfi_when_both_misfits_are_below_one():
    # χ² - df = 0.5 for the model and 0.8 for the baseline: CFI = 1 - 0.5/0.8 (no floor of 1 in the denominator)
    assert F.fit_indices(chi2=1.5, df=1, n=100, chi2_base=1.8, df_base=1)["cfi"] == pytest.approx(0.375)
