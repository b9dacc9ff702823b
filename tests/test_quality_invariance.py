"""Golden tests of dimios.quality.invariance (multi-group ML CFA)."""

import time

import pandas as pd
import pytest
from semopy.examples import holzinger39

from dimios import instrument
from dimios.quality import careless, factor, invariance as V

HS_FACTORS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


def test_holzinger_swineford_by_school_matches_lavaan():
    # lavaan tutorial "Multiple groups": cfa(HS.model, data = HolzingerSwineford1939, group = "school")
    # configural: Test statistic 115.851, df 48 (Pasteur 64.309, Grant-White 51.542);
    # lavTestLRT(fit1, fit2, fit3) with group.equal = "loadings" and
    # c("intercepts", "loadings"): Chisq 124.04 (df 54) and 164.10 (df 60),
    # Chisq diff 8.192 (6) and 40.059 (6).
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


def test_synthetic_invariant_years_fast():
    df, ci = _years(n=5000)  # 20,000 respondents x 26 items x 4 years
    start = time.perf_counter()
    res = V.measurement_invariance(df, ci, "year")
    assert time.perf_counter() - start < 30
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
