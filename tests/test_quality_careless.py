"""Golden tests of dimios.quality.careless.

Every expected number is computed by hand in a comment, following the definitions
of the R package careless (github.com/ryentes/careless, R/*.R and tests/testthat).
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import mahalanobis as scipy_mahalanobis

from dimios import instrument
from dimios.quality import careless as C

NAN = np.nan


# --------------------------------------------------------------------------- longstring
def test_longstring_hand_cases():
    x = pd.DataFrame(
        [
            [3, 3, NAN, 3, 3, 3, 5],  # NaN breaks the run: runs 2 and 3 -> 3
            [1, 2, 3, 4, 5, 6, 7],  # no repeats -> 1
            [4, 4, 4, 4, 4, 4, 4],  # straight line -> 7
            [2, 2, 5, 5, 5, 5, 1],  # run of four 5s -> 4
            [NAN] * 7,  # nothing answered -> NaN (careless would say 1)
            [NAN, 6, 6, NAN, NAN, 6, 6],  # NaN breaks: runs 2 and 2 -> 2
        ],
        dtype=float,
    )
    got = C.longstring(x)
    assert got.iloc[:4].tolist() == [3, 1, 7, 4]
    assert math.isnan(got.iloc[4])
    assert got.iloc[5] == 2


def test_longstring_careless_roxygen_example():
    # careless R/longstring.R example: d <- matrix(rep(1:10,10), 10, 10, byrow=T);
    # for(i in 1:10) d[i, which(1:10 <= i)] <- i  ->  row i = (i x i, i+1, ..., 10),
    # so the longest string of row i is i: longstring(d) == 1:10.
    d = np.tile(np.arange(1, 11, dtype=float), (10, 1))
    for i in range(1, 11):
        d[i - 1, :i] = i
    assert C.longstring(d).tolist() == list(range(1, 11))


# --------------------------------------------------------------------------- IRV
def test_irv_curran_rows_and_na():
    # careless tests/testthat/test-irv.R, data from Curran (2016):
    # row 1: ten 3s -> sd 0
    # row 2: 1..5,1..5 -> mean 3, squares 2*(4+1+0+1+4)=20, sd = sqrt(20/9) = 1.490712
    # row 3: five 1s, five 5s -> mean 3, squares 10*4 = 40, sd = sqrt(40/9) = 2.108185
    t = np.array([[3] * 10, [1, 2, 3, 4, 5] * 2, [1] * 5 + [5] * 5], dtype=float)
    got = C.irv(t).to_numpy()
    np.testing.assert_allclose(got, [0.0, math.sqrt(20 / 9), math.sqrt(40 / 9)], rtol=1e-12)
    # NA handling as careless (sd(x, na.rm = TRUE)): [1, NaN, 3, 5] -> sd(1,3,5) = 2;
    # a single answer has no SD -> NaN.
    na = np.array([[1, NAN, 3, 5], [NAN, NAN, 4, NAN]], dtype=float)
    got = C.irv(na)
    assert got.iloc[0] == pytest.approx(2.0)
    assert math.isnan(got.iloc[1])


# --------------------------------------------------------------------------- Mahalanobis
def test_mahalanobis_complete_rows_equal_classic_distance():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(200, 4)) @ np.array([[1, 0.5, 0, 0], [0, 1, 0.3, 0], [0, 0, 1, 0.2], [0, 0, 0, 1]])
    got = C.mahalanobis(x)
    vi = np.linalg.inv(np.cov(x, rowvar=False))  # psych::outlier: cov (n-1), colMeans
    mu = x.mean(axis=0)
    expected = [scipy_mahalanobis(r, mu, vi) ** 2 for r in x[:5]]
    np.testing.assert_allclose(got["mahad"].to_numpy()[:5], expected, rtol=1e-10)
    assert (got["mahad_df"] == 4).all()


def test_mahalanobis_partial_row_uses_submatrix():
    x = np.array(
        [[1, 2, 5], [2, 5, 1], [3, 1, 4], [4, 4, 2], [5, 3, 3], [3, NAN, NAN], [5, NAN, NAN]], dtype=float
    )
    # item 1 = (1, 2, 3, 4, 5, 3, 5): mean 23/7, pairwise variance (n-1) over all 7 values:
    # sum of squares = 1 + 4 + 9 + 16 + 25 + 9 + 25 - 23²/7 = 89 - 75.5714 = 13.4286 -> var = 2.2381
    # respondent 7 answered only item 1 (= 5): D² = (5 - 23/7)² / 2.2381 = 2.9388/2.2381 = 1.3131, df 1
    m, v = 23 / 7, (89 - 23**2 / 7) / 6
    assert np.linalg.eigvalsh(pd.DataFrame(x).cov().to_numpy()).min() > 0  # no eigenvalue clipping
    got = C.mahalanobis(x)
    assert got["mahad"].iloc[6] == pytest.approx((5 - m) ** 2 / v) == pytest.approx(1.3131, abs=1e-4)
    assert got["mahad"].iloc[5] == pytest.approx((3 - m) ** 2 / v)
    assert got["mahad_df"].iloc[6] == 1
    # respondent 2 (complete): full 3x3 pairwise covariance
    s = pd.DataFrame(x).cov().to_numpy()
    d = x[1] - np.nanmean(x, axis=0)
    assert got["mahad"].iloc[1] == pytest.approx(d @ np.linalg.solve(s, d))


# --------------------------------------------------------------------------- even-odd
def _eo_frame(rows):
    cat = {"A": ["a1", "a2", "a3", "a4"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2"]}
    cols = [c for v in cat.values() for c in v]
    return pd.DataFrame(rows, columns=cols, dtype=float), cat


def test_evenodd_hand_case():
    # A = [1,3,2,4]: odd positions (1,3) -> mean(1,2) = 1.5, even (2,4) -> mean(3,4) = 3.5
    # B = [5,6,7]:   odd -> mean(5,7) = 6,  even -> 6
    # C = [2,2]:     odd -> 2, even -> 2
    # even = (3.5, 6, 2), odd = (1.5, 6, 2); deviations (-1/3, 13/6, -11/6), (-5/3, 17/6, -7/6)
    # sxy = 53/6, sxx = 49/6, syy = 73/6  ->  r = 53 / (7 sqrt 73) = 0.886169
    # Spearman-Brown 2r/(1+r) = 0.939650; careless >= 1.2.0 returns the negative.
    x, cat = _eo_frame([[1, 3, 2, 4, 5, 6, 7, 2, 2]])
    r = 53 / (7 * math.sqrt(73))
    got = C.evenodd(x, cat)
    assert got["evenodd"].iloc[0] == pytest.approx(-(2 * r / (1 + r)), abs=1e-12)
    assert got["evenodd_pairs"].iloc[0] == 3


def test_evenodd_missing_negative_and_straightline():
    x, cat = _eo_frame(
        [
            # NaN ignored inside a half: A odd = mean(1, 2) with a3 missing -> 1 ; same case as above otherwise
            [1, 3, NAN, 4, 5, 6, 7, 2, 2],
            # even = (2, 4, 6), odd = (6, 4, 2): r = -1 -> SB = -inf -> set to -1 -> careless +1
            [6, 2, 6, 2, 4, 4, 4, 2, 6],
            # straight line: half-means constant -> correlation undefined (careless NA)
            [4, 4, 4, 4, 4, 4, 4, 4, 4],
        ]
    )
    got = C.evenodd(x, cat)
    # row 0: even = (3.5, 6, 2), odd = (1, 6, 2) -> Pearson r by hand via numpy of the 3 points
    r = np.corrcoef([3.5, 6, 2], [1, 6, 2])[0, 1]
    assert got["evenodd"].iloc[0] == pytest.approx(-(2 * r / (1 + r)))
    assert got["evenodd"].iloc[1] == pytest.approx(1.0)
    assert math.isnan(got["evenodd"].iloc[2]) and bool(got["evenodd_novar"].iloc[2])


def test_evenodd_min_pairs_two_reproduces_careless():
    # only categories A and B answered: two pairs -> careless gives r = ±1 -> SB = 1 -> -1
    x, cat = _eo_frame([[1, 3, 2, 4, 5, 6, 7, NAN, NAN]])
    assert math.isnan(C.evenodd(x, cat)["evenodd"].iloc[0])
    assert C.evenodd(x, cat, min_pairs=2)["evenodd"].iloc[0] == pytest.approx(-1.0)


# --------------------------------------------------------------------------- psychsyn
def _psychsyn_data():
    # as careless tests/testthat/test-psychsyn.R: four synonym pairs (y1, y1 + noise),
    # 100 random rows (numpy seed instead of R's set.seed) + four special rows.
    # Scores are centred at 5 with SD 3 so that the special rows are not outliers that
    # create correlations between different pairs.
    rng = np.random.default_rng(1337)
    cols = {}
    for name in "abcd":
        y1 = rng.normal(5, 3, size=100)
        cols[f"{name}1"], cols[f"{name}2"] = y1, y1 + rng.normal(0, 1.5, 100)
    df = pd.DataFrame(cols)
    special = pd.DataFrame(
        [
            [5] * 8,  # uniform -> no correlation possible -> NaN
            [4, 5, 1, 2, 8, 9, 13, 12],  # very high
            [0, 6, 1, 5, 2, 4, 3, 3],  # obverse -> -1 (careless: "should have -1")
            [1, 5, 2, 3, 3, 3, 4, 5],  # "random allocation, should have 0"
        ],
        columns=df.columns,
        dtype=float,
    )
    return pd.concat([df, special], ignore_index=True)


def test_psychsyn_pairs_and_special_rows():
    x = _psychsyn_data()
    pairs = C.synonym_pairs(x, 0.50)
    # (later item, earlier item) column positions: (a2,a1), (b2,b1), (c2,c1), (d2,d1)
    assert pairs == [(1, 0), (3, 2), (5, 4), (7, 6)]
    got = C.psychsyn(x, 0.50)["psychsyn"].to_numpy()
    assert math.isnan(got[100])
    # row 101: later items (5, 2, 9, 12) vs earlier (4, 1, 8, 13)
    assert got[101] == pytest.approx(np.corrcoef([5, 2, 9, 12], [4, 1, 8, 13])[0, 1]) and got[101] >= 0.85
    # row 102: (6, 5, 4, 3) vs (0, 1, 2, 3): exactly linear, negative -> -1 (no resampling)
    assert got[102] == pytest.approx(-1.0)
    # row 103: (5, 3, 3, 5) vs (1, 2, 3, 4): deviations (1,-1,-1,1)·(-1.5,-.5,.5,1.5) = 0 -> r = 0
    assert got[103] == pytest.approx(0.0, abs=1e-12)
    assert np.nanmean(got[:100]) > 0.4  # attentive rows are consistent


def test_psychsyn_needs_three_pairs_and_handles_no_pairs():
    x = _psychsyn_data()
    x.loc[101, ["a1", "b2"]] = NAN  # only two complete pairs left -> careless: NA
    assert math.isnan(C.psychsyn(x, 0.50)["psychsyn"].iloc[101])
    noise = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 5)))
    out = C.psychsyn(noise, 0.60)  # careless stops: "No Psychometric Synonyms found."
    assert out["psychsyn"].isna().all()


# --------------------------------------------------------------------------- table, vote
def test_careless_table_small_case_and_vote():
    cat = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2", "c3"]}
    rng = np.random.default_rng(3)
    eta = rng.normal(size=(300, 3))
    x = np.clip(np.rint(4 + 1.5 * (0.85 * np.repeat(eta, 3, axis=1) + 0.5 * rng.normal(size=(300, 9)))), 1, 7)
    x[0] = 7.0  # straight-liner on the top category
    df = pd.DataFrame(x, columns=[c for v in cat.values() for c in v])
    tab = C.careless_table(df, cat)
    assert list(tab.columns[:8]) == ["n_answered", "longstring", "irv", "mahad", "mahad_df", "evenodd", "psychsyn", "flag_longstring"]
    row = tab.iloc[0]
    assert row["longstring"] == 9 and row["irv"] == 0
    assert row["flag_longstring"] and row["flag_irv"] and row["flag_evenodd"] and row["flag_psychsyn"]
    assert row["careless"] and row["n_flags"] >= 4
    assert tab["n_flags"].equals(tab.filter(like="flag_").sum(axis=1).astype(int))
    assert (tab["careless"] == (tab["n_flags"] >= 3)).all()
    # Mahalanobis flag rule: D² > chi2.ppf(.99, df answered)
    expected = tab["mahad"] > stats.chi2.ppf(0.99, tab["mahad_df"])
    assert (tab["flag_mahad"] == expected).all()


def test_recovery_and_share_by():
    flags = pd.DataFrame({"careless": [True, True, False, False], "flag_x": [True, False, False, False]})
    truth = [True, False, True, False]
    rec = C.recovery(flags, truth)
    # careless: tp 1, fp 1, fn 1, tn 1 -> precision 1/2, recall 1/2, F1 1/2
    assert rec.loc["careless", ["tp", "fp", "fn", "tn"]].tolist() == [1, 1, 1, 1]
    assert rec.loc["careless", "f1"] == pytest.approx(0.5)
    # flag_x: tp 1, fp 0, fn 1 -> precision 1, recall 1/2, F1 = 2/3
    assert rec.loc["flag_x", "f1"] == pytest.approx(2 / 3)

    df = pd.DataFrame({"year": [2023, 2023, 2024, 2024]})
    fl = pd.DataFrame({f"flag_{i}": [False] * 4 for i in C.INDICES})
    fl["careless"] = [True, False, False, False]
    fl["flag_irv"] = [True, True, False, True]
    share = C.careless_share_by(df, fl, "year")
    assert share["share_careless"].tolist() == [0.5, 0.0]
    assert share["share_flag_irv"].tolist() == [1.0, 0.5]
    assert share["n"].tolist() == [2, 2]


def test_synthetic_planted_careless_are_flagged():
    ci = instrument.load().category_items()
    x, truth = C.simulate_survey(ci, 4000, loading=0.8, factor_corr=0.5, n_straight=100, n_random=100, missing_rate=0.03, seed=3)
    tab = C.careless_table(x, ci)
    straight = truth.to_numpy() & (tab["irv"].to_numpy() == 0)
    randoms = truth.to_numpy() & ~straight
    assert straight.sum() == 100
    assert tab.loc[straight, "careless"].all()  # every straight-liner
    assert tab.loc[randoms, "flag_mahad"].mean() > 0.95
    assert tab.loc[randoms, "careless"].mean() > 0.5
    rec = C.recovery(tab["careless"], truth).iloc[0]
    assert rec["precision"] > 0.95
    assert tab.loc[~truth.to_numpy(), "careless"].mean() < 0.01
    # deterministic
    assert C.careless_table(x, ci).equals(tab)


def test_synonym_pairs_threshold_is_strict_and_uses_critval():
    # u; v = u + noise (r about .55); w = u + small noise (r about .95): at .60 only (w, u)
    # qualifies, at .50 also (v, u) and (w, v). Pairs are (later, earlier) column positions.
    rng = np.random.default_rng(9)
    u = rng.normal(size=500)
    x = np.column_stack([u, u + rng.normal(0, 1.5, 500), u + rng.normal(0, 0.3, 500)])
    r = np.corrcoef(x, rowvar=False)
    assert 0.5 < r[1, 0] < 0.6 and r[2, 0] > 0.9 and 0.5 < r[2, 1] < 0.6
    assert C.synonym_pairs(x, 0.60) == [(2, 0)]
    assert C.synonym_pairs(x, 0.50) == [(1, 0), (2, 0), (2, 1)]
    # the rule is r > critval (strict): at critval = r(w, u) itself (pairwise Pearson as
    # computed by pandas, like careless' cor(use = "pairwise.complete.obs")) the pair is dropped
    assert C.synonym_pairs(x, pd.DataFrame(x).corr().iloc[2, 0]) == []
