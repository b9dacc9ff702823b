"""Golden tests of dimios.quality.invariance (multi-group ML CFA)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from semopy.examples import holzinger39

from dimios import instrument
from dimios.quality import careless, factor, invariance as V

HS_FACTORS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
HS_ITEMS = [i for v in HS_FACTORS.values() for i in v]
REF = Path(__file__).parent / "reference"


def test_holzinger_swineford_by_school_matches_lavaan():
    # lavaan tutorial "Multiple groups": cfa(HS.model, data = HolzingerSwineford1939, group = "school")
    # configural: Test statistic 115.851, df 48 (Pasteur 64.309, Grant-White 51.542);
    # lavTestLRT(fit1, fit2, fit3) with group.equal = "loadings" and
    # c("intercepts", "loadings"): Chisq 124.04 (df 54) and 164.10 (df 60),
    # Chisq diff 8.192 (6) and 40.059 (6).
    # one fit for all the checks below (not a shared fixture: mutmut runs a mutant only with the tests
    # that call the mutated function themselves)
    res = V.measurement_invariance(holzinger39.get_data(), HS_FACTORS, group="school")
    t = res.table.set_index("step")
    assert t.loc["configural", "chi2"] == pytest.approx(115.851, abs=0.01)
    assert t.loc["metric", "chi2"] == pytest.approx(124.044, abs=0.01)
    assert t.loc["scalar", "chi2"] == pytest.approx(164.103, abs=0.01)
    assert t["df"].tolist() == [48, 54, 60]
    assert t.loc["metric", "delta_chi2"] == pytest.approx(8.192, abs=0.01)
    assert t.loc["scalar", "delta_chi2"] == pytest.approx(40.059, abs=0.01)
    by_group = res.fits["configural"]["chi2_by_group"]
    assert by_group["Pasteur"] == pytest.approx(64.309, abs=0.01)
    assert by_group["Grant-White"] == pytest.approx(51.542, abs=0.01)
    assert t["converged"].all()
    assert res.groups["n"].tolist() == [145, 156]  # Grant-White, Pasteur (sorted)
    _every_fit_measure_matches_lavaan_run(res)
    _table_differences_and_groups(res)


def test_single_group_engine_equals_semopy():
    d = holzinger39.get_data()
    items = [i for v in HS_FACTORS.values() for i in v]
    moments = V.group_moments(d[items], pd.Series(1, index=d.index))
    mine = V.fit_multigroup(moments, HS_FACTORS, items, "configural")
    sem = factor.cfa(d, holzinger39.get_model())
    assert mine["chi2"] == pytest.approx(sem.fit["chi2"], abs=0.01)
    assert mine["df"] == sem.fit["df"] == 24  # saturated means add p moments and p parameters
    assert mine["rmsea"] == pytest.approx(sem.fit["rmsea"], abs=1e-4)


def _years(shift_last=False, n=2500):
    ci = instrument.load().category_items()
    frames = []
    for g in range(4):
        x, _ = careless.simulate_survey(ci, n, loading=0.75, factor_corr=0.5, seed=20 + g, missing_rate=0.005)
        if shift_last and g == 3:  # intercepts of five items move by one scale point
            cols = ["portfoljstyrning", "oppna_data", "prioritering", "rykte", "skugg_it"]
            x[cols] = (x[cols] + 1).clip(upper=7)
        x["year"] = 2021 + g
        frames.append(x)
    return pd.concat(frames, ignore_index=True), ci


def test_synthetic_invariant_years():
    df, ci = _years(n=5000)  # 20,000 respondents x 26 items x 4 years
    res = V.measurement_invariance(df, ci, "year")
    t = res.table.set_index("step")
    assert t["converged"].all()
    assert t.loc["metric", "verdict"] == "invariant" and t.loc["scalar", "verdict"] == "invariant"
    assert t.loc["configural", "rmsea"] < 0.05
    assert list(res.groups["year"]) == [2021, 2022, 2023, 2024]


def test_synthetic_intercept_shift_breaks_scalar_invariance():
    df, ci = _years(shift_last=True, n=1500)
    t = V.measurement_invariance(df, ci, "year").table.set_index("step")
    assert t.loc["metric", "verdict"] == "invariant"
    assert t.loc["scalar", "verdict"] == "not invariant"
    assert t.loc["scalar", "delta_cfi"] < -0.01


# ---------------------------------------------------------------- golden values and the estimator
def _every_fit_measure_matches_lavaan_run(hs_mi):
    # tests/reference/golden_r.json (tests/reference/golden.R, lavaan 0.6.14): cfa(HS.model, group = "school",
    # group.equal = c() / "loadings" / c("loadings", "intercepts")), fitMeasures and stat.group;
    # tolerances as tests/test_golden_r.py (χ² relative 1e-4, indices 5e-4)
    ref = json.loads((REF / "golden_r.json").read_text(encoding="utf-8"))["holzinger_swineford"]["invariance"]
    t = hs_mi.table.set_index("step")
    assert list(t.index) == list(V.STEPS) == ["configural", "metric", "scalar"]
    for step, r in ref.items():
        assert (t.loc[step, "n"], t.loc[step, "npar"], t.loc[step, "df"]) == (r["n"], r["npar"], r["df"]), step
        assert t.loc[step, "chi2"] == pytest.approx(r["chisq"], rel=1e-4), step
        assert t.loc[step, "pvalue"] == pytest.approx(r["pvalue"], rel=1e-3), step
        for ours, theirs in (("cfi", "cfi"), ("tli", "tli"), ("rmsea", "rmsea"), ("rmsea_ci_low", "rmsea.ci.lower"),
                             ("rmsea_ci_high", "rmsea.ci.upper")):
            assert t.loc[step, ours] == pytest.approx(r[theirs], abs=5e-4), (step, ours)
        fit = hs_mi.fits[step]
        assert (fit["step"], fit["n_groups"]) == (step, 2)
        assert list(fit["chi2_by_group"]) == ["Grant-White", "Pasteur"]
        for school, chi2 in r["chi2_by_group"].items():
            assert fit["chi2_by_group"][school] == pytest.approx(chi2, rel=1e-4), (step, school)
        assert fit["converged"] is True


def _table_differences_and_groups(hs_mi):
    t = hs_mi.table
    assert list(t.columns) == ["step", "n", "npar", "chi2", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low",
                               "rmsea_ci_high", "converged", "delta_chi2", "delta_df", "delta_pvalue", "delta_cfi",
                               "delta_rmsea", "verdict"]
    # the first step has nothing to compare with
    assert t.loc[0, ["delta_chi2", "delta_df", "delta_pvalue", "delta_cfi", "delta_rmsea"]].isna().all()
    assert t.loc[0, "verdict"] == ""
    for i in (1, 2):
        assert t.loc[i, "delta_chi2"] == pytest.approx(t.loc[i, "chi2"] - t.loc[i - 1, "chi2"])
        assert t.loc[i, "delta_df"] == 6
        assert t.loc[i, "delta_pvalue"] == pytest.approx(stats.chi2.sf(t.loc[i, "delta_chi2"], 6))
        assert t.loc[i, "delta_cfi"] == pytest.approx(t.loc[i, "cfi"] - t.loc[i - 1, "cfi"])
        assert t.loc[i, "delta_rmsea"] == pytest.approx(t.loc[i, "rmsea"] - t.loc[i - 1, "rmsea"])
    # lavTestLRT (lavaan tutorial "Multiple groups"): Chisq diff 8.192 and 40.059 on 6 df, Pr(>Chisq) 0.2244
    assert t.loc[1, "delta_pvalue"] == pytest.approx(0.2244, abs=5e-4)
    assert t.loc[2, "delta_pvalue"] == pytest.approx(stats.chi2.sf(40.059, 6), rel=1e-3)
    # HS: loadings hold (ΔCFI -.002, ΔRMSEA -.004), intercepts do not (ΔCFI -.038)
    assert t["verdict"].tolist() == ["", "invariant", "not invariant"]
    assert hs_mi.groups.to_dict("list") == {"school": ["Grant-White", "Pasteur"], "n": [145, 156]}


def _two_groups(shift: float = 0.0, n: int = 400) -> pd.DataFrame:
    """Two groups, two correlated factors with three items each; ``shift`` moves one intercept in B."""
    rng = np.random.default_rng(1)
    lam = np.array([1.0, 0.8, 0.7, 0.9, 1.0, 0.6])
    frames = []
    for g in ("A", "B"):
        f = rng.normal(size=(n, 2)) @ np.linalg.cholesky(np.array([[1, 0.4], [0.4, 1]])).T
        x = f[:, [0, 0, 0, 1, 1, 1]] * lam + rng.normal(scale=0.6, size=(n, 6)) + 3
        if g == "B":
            x[:, 2] += shift
        d = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
        d["grp"] = g
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


TWO = {"fa": ["a1", "a2", "a3"], "fb": ["b1", "b2", "b3"]}


def test_verdict_cut_offs_are_inclusive():
    # a step is invariant when ΔCFI >= delta_cfi and ΔRMSEA <= delta_rmsea: exactly at the cut-off
    # it still is, just beyond it it is not
    df = _two_groups()
    t = V.measurement_invariance(df, TWO, "grp").table
    assert t["verdict"].tolist() == ["", "invariant", "invariant"]
    dcfi, drmsea = t.loc[2, "delta_cfi"], t.loc[2, "delta_rmsea"]
    assert dcfi < 0 < drmsea  # scalar fits a little worse than metric
    at = V.measurement_invariance(df, TWO, "grp", delta_cfi=dcfi, delta_rmsea=drmsea).table
    assert at.loc[2, "verdict"] == "invariant"
    cfi_beyond = V.measurement_invariance(df, TWO, "grp", delta_cfi=dcfi + 1e-9, delta_rmsea=drmsea).table
    assert cfi_beyond.loc[2, "verdict"] == "not invariant"
    rmsea_beyond = V.measurement_invariance(df, TWO, "grp", delta_cfi=dcfi, delta_rmsea=drmsea - 1e-9).table
    assert rmsea_beyond.loc[2, "verdict"] == "not invariant"


def test_shifted_intercept_breaks_only_scalar_invariance():
    # one intercept moves by half a scale point in group B: loadings hold, intercepts do not
    res = V.measurement_invariance(_two_groups(shift=0.5), TWO, "grp")
    t = res.table
    assert t["verdict"].tolist() == ["", "invariant", "not invariant"]
    assert t.loc[2, "delta_cfi"] < -0.01 and t.loc[2, "delta_rmsea"] > 0.015
    assert t["df"].tolist() == [16, 20, 24] and t["npar"].tolist() == [38, 34, 30]
    assert res.groups.to_dict("list") == {"grp": ["A", "B"], "n": [400, 400]}


def test_equality_constraints_of_each_step():
    df = _two_groups(shift=0.5)
    items = list(df.columns[:6])
    moments = V.group_moments(df[items], df["grp"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on well-behaved data (e.g. an unknown optimiser option)
        fits = {s: V.fit_multigroup(moments, TWO, items, s) for s in V.STEPS}
    for s, fit in fits.items():
        a, b = fit["loadings"]["A"], fit["loadings"]["B"]
        assert list(a.index) == items and list(a.columns) == ["fa", "fb"]
        # markers fixed at 1, cross-loadings 0
        assert (a.loc["a1", "fa"], a.loc["b1", "fb"], b.loc["a1", "fa"], b.loc["b1", "fb"]) == (1, 1, 1, 1)
        assert (a.loc[["a1", "a2", "a3"], "fb"] == 0).all() and (b.loc[["b1", "b2", "b3"], "fa"] == 0).all()
        assert fit["converged"] and len(fit["theta"]) == fit["npar"]
    # configural: loadings differ between groups; metric and scalar: equal
    assert not np.allclose(fits["configural"]["loadings"]["A"], fits["configural"]["loadings"]["B"])
    for s in ("metric", "scalar"):
        pd.testing.assert_frame_equal(fits[s]["loadings"]["A"], fits[s]["loadings"]["B"])
    # the configural loadings are those of each group fitted alone
    for g, m in zip(("A", "B"), moments):
        alone = V.fit_multigroup([m], TWO, items, "configural")
        np.testing.assert_allclose(alone["loadings"][g], fits["configural"]["loadings"][g], atol=1e-4)
        assert alone["chi2"] == pytest.approx(fits["configural"]["chi2_by_group"][g], rel=1e-5)
    # χ² is the sum over groups
    for fit in fits.values():
        assert fit["chi2"] == pytest.approx(sum(fit["chi2_by_group"].values()))
    default = V.fit_multigroup(moments, TWO, items)  # the configural step unless told otherwise
    assert default["step"] == "configural" and default["chi2"] == pytest.approx(fits["configural"]["chi2"])
    with pytest.raises(ValueError, match=r"step must be one of \('configural', 'metric', 'scalar'\)"):
        V.fit_multigroup(moments, TWO, items, "strict")


def test_group_moments_are_biased_and_listwise():
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, np.nan, 6.0], "b": [2.0, 2.0, 5.0, 1.0, 1.0, 3.0]})
    group = pd.Series([2, 2, 1, 1, 1, None], name="year")
    out = V.group_moments(items, group)
    assert [(lab, n) for lab, n, _, _ in out] == [(1, 2), (2, 2)]  # sorted; missing item or group dropped
    _, _, mean, cov = out[0]
    np.testing.assert_allclose(mean, [3.5, 3.0])
    # denominator N (ML), not N - 1: rows (3, 5), (4, 1)
    np.testing.assert_allclose(cov, [[0.25, -1.0], [-1.0, 4.0]])
    # a categorical group (e.g. the years as categories): a category without respondents is no group
    cat = pd.Series(pd.Categorical([2021, 2021, 2023, 2023, 2023, 2021], categories=[2021, 2022, 2023]))
    assert [(lab, n) for lab, n, _, _ in V.group_moments(items, cat)] == [(2021, 3), (2023, 2)]


def test_analytic_gradient_equals_numerical_gradient():
    # the estimator minimises F with its analytic gradient: check it against finite differences at a
    # point away from the optimum, for each step (scalar has free latent means in the second group)
    d = holzinger39.get_data()
    moments = V.group_moments(d[HS_ITEMS], d["school"])
    items = HS_ITEMS
    pattern = np.zeros((9, 3), dtype=bool)
    for j, f in enumerate(HS_FACTORS):
        pattern[[items.index(i) for i in HS_FACTORS[f]], j] = True
    markers = np.array([0, 3, 6])
    groups = [(n, mean, s, np.linalg.slogdet(s)[1]) for _, n, mean, s in moments]
    n_total = float(sum(g[0] for g in groups))
    rng = np.random.default_rng(0)
    for step in V.STEPS:
        lay = V._layout(pattern, markers, 2, step)
        x0 = V._start(lay, groups, pattern, markers)
        x = x0 * (1 + 0.1 * rng.uniform(-1, 1, size=x0.size)) + 0.05 * rng.uniform(-1, 1, size=x0.size)
        f, grad = V._objective(x, lay, groups, n_total)
        assert np.isfinite(f) and f > 0
        num = optimize.approx_fprime(x, lambda t: V._objective(t, lay, groups, n_total)[0], 1e-7)
        np.testing.assert_allclose(grad, num, rtol=1e-4, atol=1e-5, err_msg=step)


def _one_factor_fit(s: np.ndarray, step: str = "configural"):
    """Fit one factor with three items to exact moments (mean 0, covariance ``s``, N 500)."""
    items = ["i1", "i2", "i3"]
    moments = [("g", 500, np.zeros(3), s)]
    fit = V.fit_multigroup(moments, {"f": items}, items, step)
    lay = V._layout(np.ones((3, 1), dtype=bool), np.array([0]), 1, step)
    lam, phi, th, nu, alpha = V._matrices(fit["theta"], lay, 0)
    return fit, lam, phi, th


def test_heywood_cases_stay_at_the_lower_bounds():
    # three items, one factor: φ = c12 c13 / c23 and θ1 = s11 − φ. With c12 = c13 = .6, c23 = .3 the
    # unbounded ML solution has θ1 = 1 − 1.2 = −.2 (a negative residual variance); the estimator bounds
    # residual variances below by 1e-8, so θ1 sits at the bound and the model no longer fits exactly
    fit, lam, phi, th = _one_factor_fit(np.array([[1, 0.6, 0.6], [0.6, 1, 0.3], [0.6, 0.3, 1]]))
    assert fit["df"] == 0
    assert th.min() >= 1e-8 and th[0] < 1e-4
    assert fit["chi2"] > 1.0
    # convergence is judged by the gradient of F, which is not 0 at a bound: not reported as converged
    assert fit["converged"] is False
    # a proper solution (θ1 = 1 − .48 = .52 > 0) is reproduced exactly
    fit, lam, phi, th = _one_factor_fit(np.array([[1, 0.6, 0.4], [0.6, 1, 0.3], [0.4, 0.3, 1]]))
    assert fit["chi2"] == pytest.approx(0.0, abs=1e-6) and fit["converged"] is True
    np.testing.assert_allclose([phi[0, 0], th[0]], [0.8, 0.2], atol=1e-4)
    # two factors whose items hardly correlate: unbounded, the second factor's variance goes negative
    # (ML optimum φ_bb = −.047, χ² 27.39); bounded it stays at 1e-8 (χ² 28.82)
    s = np.array([[0.63, -0.11, 0.06, -0.2, 0.08, -0.06], [-0.11, 1.14, -0.06, 0.01, -0.19, 0.02],
                  [0.06, -0.06, 0.48, -0.09, 0.21, 0.0], [-0.2, 0.01, -0.09, 0.66, 0.04, 0.03],
                  [0.08, -0.19, 0.21, 0.04, 1.06, -0.16], [-0.06, 0.02, 0.0, 0.03, -0.16, 0.9]])
    items = [f"i{j}" for j in range(6)]
    fit = V.fit_multigroup([("g", 300, np.zeros(6), s)], {"a": items[:3], "b": items[3:]}, items)
    lay = V._layout(np.kron(np.eye(2), np.ones((3, 1))).astype(bool), np.array([0, 3]), 1, "configural")
    lam, phi, th, nu, alpha = V._matrices(fit["theta"], lay, 0)
    assert phi[1, 1] == pytest.approx(1e-8, abs=1e-9) and phi[0, 0] > 0.05 and th.min() >= 1e-8
    assert fit["chi2"] == pytest.approx(28.82, abs=0.05)


def test_start_values():
    # the optimiser starts from moment-based guesses: factor variance half the marker's variance, a
    # loading cov(item, marker) / that variance kept within [0.1, 3], a residual variance the rest of the
    # item's variance but at least 10 % of it, intercepts at the means, factor covariances and latent
    # means 0; a parameter shared by the groups starts at the mean of the groups' guesses
    s1 = np.array([[2.0, 0.8, 0.6, 4.0, -0.5],
                   [0.8, 1.0, 0.3, 0.2, 0.1],
                   [0.6, 0.3, 1.5, 0.2, 0.1],
                   [4.0, 0.2, 0.2, 9.0, 0.1],
                   [-0.5, 0.1, 0.1, 0.1, 1.0]])
    s2 = s1.copy()
    s2[0, 1] = s2[1, 0] = 0.4  # group 2: item 2's loading guess .4 instead of .8
    m1, m2 = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([2.0, 2.0, 2.0, 2.0, 2.0])
    groups = [(100, m1, s1, 0.0), (100, m2, s2, 0.0)]
    pattern = np.ones((5, 1), dtype=bool)
    markers = np.array([0])
    lam1 = np.array([1.0, 0.8, 0.6, 3.0, 0.1])  # 4.0 -> 3 (upper clip), -0.5 -> 0.1 (lower clip)
    lam2 = np.array([1.0, 0.4, 0.6, 3.0, 0.1])
    resid1 = np.array([1.0, 1 - 0.64, 1.5 - 0.36, 0.9, 1 - 0.01])  # item 4: 9 - 9 < 10 % of 9
    resid2 = np.array([1.0, 1 - 0.16, 1.5 - 0.36, 0.9, 1 - 0.01])
    for step in V.STEPS:
        lay = V._layout(pattern, markers, 2, step)
        x0 = V._start(lay, groups, pattern, markers)
        for g, (lam_g, resid_g, mean_g) in enumerate(((lam1, resid1, m1), (lam2, resid2, m2))):
            lam, phi, th, nu, alpha = V._matrices(x0, lay, g)
            want_lam = (lam1 + lam2) / 2 if step != "configural" else lam_g
            np.testing.assert_allclose(lam[:, 0], want_lam, err_msg=step)
            np.testing.assert_allclose(phi, [[1.0]], err_msg=step)
            np.testing.assert_allclose(th, resid_g, err_msg=step)
            np.testing.assert_allclose(nu, (m1 + m2) / 2 if step == "scalar" else mean_g, err_msg=step)
            np.testing.assert_array_equal(alpha, [0.0])
    # two factors: the factor covariance starts at 0, each variance at half its marker's variance
    pattern2 = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], dtype=bool)
    lay = V._layout(pattern2, np.array([0, 2]), 1, "configural")
    x0 = V._start(lay, groups[:1], pattern2, np.array([0, 2]))
    lam, phi, th, nu, alpha = V._matrices(x0, lay, 0)
    np.testing.assert_allclose(phi, [[1.0, 0.0], [0.0, 0.75]])
    np.testing.assert_allclose(lam, [[1, 0], [0.8, 0], [0, 1], [0, 0.2 / 0.75], [0, 0.1 / 0.75]])
    # the residual variances use each item's own factor only
    np.testing.assert_allclose(th, [1.0, 1 - 0.64, 1.5 - 0.75, 9 - 0.2**2 / 0.75, 1 - 0.1**2 / 0.75])


def test_objective_of_a_model_matrix_that_is_not_positive_definite():
    # a trial point of the line search where Σ is not positive definite gets a huge discrepancy and no
    # gradient, so the optimiser steps back instead of failing
    s = np.array([[1, 0.6, 0.4], [0.6, 1, 0.3], [0.4, 0.3, 1]])
    lay = V._layout(np.ones((3, 1), dtype=bool), np.array([0]), 1, "configural")
    groups = [(500, np.zeros(3), s, np.linalg.slogdet(s)[1])]
    x0 = V._start(lay, groups, np.ones((3, 1), dtype=bool), np.array([0]))
    f0, g0 = V._objective(x0, lay, groups, 500.0)
    assert 0 < f0 < 1 and np.abs(g0).max() > 0
    bad = x0.copy()
    bad[lay.theta_idx[0]] = -5.0  # negative residual variances
    f, grad = V._objective(bad, lay, groups, 500.0)
    assert f == 1e10 and grad.shape == x0.shape and grad.dtype == float
    np.testing.assert_array_equal(grad, np.zeros_like(x0))
