"""Golden tests of dimios.quality.careless.

Every expected number is computed by hand in a comment, following the definitions
of the R package careless (github.com/ryentes/careless, R/*.R and tests/testthat).
"""

import math
import warnings

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


# --------------------------------------------------------------------------- input forms
def test_indices_read_lists_and_nullable_integers_and_keep_the_index():
    # plain lists with None as a missing answer are read as floats with NaN
    rows = [[3, 3, None, 3], [1, 2, 2, None]]
    # longstring: row 0 runs (3,3),(3) -> 2; row 1 runs (1),(2,2) -> 2
    assert C.longstring(rows).tolist() == [2, 2]
    # irv (sd, n-1): row 0 (3,3,3) -> 0; row 1 (1,2,2): mean 5/3, squares 4/9+1/9+1/9 = 2/3 -> sqrt(1/3)
    np.testing.assert_allclose(C.irv(rows).to_numpy(), [0.0, math.sqrt(1 / 3)], rtol=1e-12)
    # a nullable-integer frame (pd.NA for missing), respondents labelled by id
    df = pd.DataFrame(
        {c: pd.array(v, dtype="Int64") for c, v in
         {"a1": [1, 4, 2], "a2": [3, None, 2], "b1": [2, 4, 5], "b2": [4, 4, None], "c1": [5, 1, 3], "c2": [6, 2, 3]}.items()},
        index=pd.Index(["r7", "r3", "r9"], name="id"),
    )
    ls, iv = C.longstring(df), C.irv(df)
    assert ls.tolist() == [1, 2, 2]  # r3: 4, NA, 4, 4 -> run 2; r9: 2, 2 / 5, NA / 3, 3 -> 2
    assert iv.loc["r9"] == pytest.approx(np.std([2, 2, 5, 3, 3], ddof=1))
    # the five index functions return rows labelled like the input (joined on the id later)
    cat = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"]}
    for got in (ls, iv, C.mahalanobis(df), C.evenodd(df, cat), C.psychsyn(df, 0.0)):
        assert got.index.equals(df.index)
    # r7: even halves (a2, b2, c2) = (3, 4, 6), odd (a1, b1, c1) = (1, 2, 5); deviations
    # (-4/3, -1/3, 5/3) and (-5/3, -2/3, 7/3): sxy = 57/9, sxx = 42/9, syy = 78/9 -> r = 57 / sqrt(3276)
    r = 57 / math.sqrt(42 * 78)
    assert C.evenodd(df, cat)["evenodd"].loc["r7"] == pytest.approx(-(2 * r / (1 + r)))
    # named Series, so that they line up as labelled columns
    assert pd.concat([ls, iv], axis=1).columns.tolist() == ["longstring", "irv"]


def test_indices_reject_a_one_dimensional_input_with_a_clear_message():
    with pytest.raises(ValueError, match=r"^items must be two-dimensional \(respondents x items\)$"):
        C.longstring([3, 3, 4])


# --------------------------------------------------------------------------- longstring edges
def test_longstring_without_items_and_with_one_item():
    # no items at all: nothing to run over -> NaN (float) for every respondent, labels kept
    none = C.longstring(pd.DataFrame(index=pd.Index(["a", "b"])))
    assert none.dtype == float and none.isna().all() and none.index.tolist() == ["a", "b"]
    assert none.name == "longstring"
    # one item: an answer is a run of length 1, no answer -> NaN
    one = C.longstring(np.array([[3.0], [NAN]]))
    assert one.iloc[0] == 1 and math.isnan(one.iloc[1])


# --------------------------------------------------------------------------- IRV edges
def test_irv_needs_two_answers_and_warns_nothing():
    # sd(na.rm = TRUE) needs two values: (1, 3) -> mean 2, squares 1 + 1 = 2, sd = sqrt(2 / 1)
    x = np.array([[1, 3, NAN], [NAN, NAN, 4], [NAN, NAN, NAN]], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rows with 0 or 1 answers give NaN silently
        got = C.irv(x)
    assert got.iloc[0] == pytest.approx(math.sqrt(2))
    assert got.iloc[1:].isna().all()


# --------------------------------------------------------------------------- covariance repair
def test_nearest_pd_floors_eigenvalues_relative_to_the_largest():
    # Eigenvalues below eps * max(largest eigenvalue, 1) (eps = 1e-8) are raised to that floor.
    # [[1, 2], [2, 1]]: eigenvalue 3 on (1, 1)/√2 and -1 on (1, -1)/√2; floor 3e-8, so the
    # result is 3 * [[.5, .5], [.5, .5]] + 3e-8 * [[.5, -.5], [-.5, .5]].
    got = C._nearest_pd(np.array([[1.0, 2.0], [2.0, 1.0]]))
    h = 1.5e-8
    np.testing.assert_allclose(got, [[1.5 + h, 1.5 - h], [1.5 - h, 1.5 + h]], rtol=0, atol=1e-14)
    # largest eigenvalue below 1: the floor is eps itself
    np.testing.assert_allclose(C._nearest_pd(np.diag([0.5, -1.0])), np.diag([0.5, 1e-8]), rtol=0, atol=1e-15)
    # the floor scales with the largest eigenvalue: 100 -> 1e-6, so 1e-7 is raised
    np.testing.assert_allclose(C._nearest_pd(np.diag([100.0, 1e-7])), np.diag([100.0, 1e-6]), rtol=0, atol=1e-13)
    # positive definite above the floor: returned as it is
    s = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert C._nearest_pd(s) is s


def test_mahalanobis_duplicate_item_gives_the_distance_of_the_distinct_items():
    # An item answered exactly like another makes the covariance matrix singular. Its zero
    # eigenvalue (direction item1 - item3) is raised to the floor; every respondent deviates by 0
    # in that direction, so D² equals the distance computed on the distinct items alone.
    rng = np.random.default_rng(12)
    ab = rng.integers(1, 8, size=(80, 2)).astype(float)
    x = np.column_stack([ab, ab[:, 0]])
    got = C.mahalanobis(x)["mahad"].to_numpy()
    np.testing.assert_allclose(got, C.mahalanobis(ab)["mahad"].to_numpy(), rtol=1e-6)


def test_mahalanobis_items_without_a_common_pair_are_taken_as_uncorrelated():
    # Items A and B share one respondent (row 8), so their pairwise covariance is undefined
    # (one pair, n - 1 = 0) and taken as 0.
    # A: rows 0-3 = 1, 2, 3, 4 and row 8 = 5 -> mean 3, variance (4+1+0+1+4)/4 = 2.5
    # B: rows 4-7 = 1, 3, 5, 7 and row 8 = 9 -> mean 5, variance (16+4+0+4+16)/4 = 10
    # row 8: D² = (5-3)²/2.5 + (9-5)²/10 = 1.6 + 1.6 = 3.2 (df 2); row 0: (1-3)²/2.5 = 1.6 (df 1)
    x = np.array([[1, NAN], [2, NAN], [3, NAN], [4, NAN], [NAN, 1], [NAN, 3], [NAN, 5], [NAN, 7], [5, 9]], dtype=float)
    got = C.mahalanobis(x)
    assert got["mahad"].iloc[8] == pytest.approx(3.2)
    assert got["mahad"].iloc[0] == pytest.approx(1.6)
    assert got["mahad_df"].tolist() == [1] * 8 + [2]


# --------------------------------------------------------------------------- pairwise Pearson
def test_rowwise_pearson_pairwise_complete_exact_bounds_and_no_warnings():
    a = np.array(
        [
            [1, 2, 3, NAN],  # the 4th pair is incomplete and left out
            [1, 2, 4, NAN],  # exactly reversed -> -1 (rounding gives -1.0000000000000002 before clipping)
            [1, 3, 7, NAN],  # exactly linear -> +1 (rounding gives 1.0000000000000002 before clipping)
            [4, 4, 4, 4],  # constant -> undefined, no variance
            [NAN, NAN, NAN, NAN],  # no pairs
            [0, 1e-160, 2e-160, NAN],  # numerically constant (sums of squares underflow)
        ],
        dtype=float,
    )
    b = np.array(
        [[2, 4, 7, 1], [7, 6, 4, 5], [1, 2, 4, NAN], [1, 2, 3, 4], [1, 2, 3, 4], [0, 1e-160, 2e-160, NAN]], dtype=float
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r, n, novar = C._rowwise_pearson(a, b, 3)
    # row 0: (1, 2, 3) vs (2, 4, 7): deviations (-1, 0, 1), (-7/3, -1/3, 8/3):
    # sxy = 5, sxx = 2, syy = 114/9 -> r = 5 / sqrt(228/9)
    assert r[0] == pytest.approx(5 / math.sqrt(228 / 9), abs=1e-12)
    assert r[1] == -1.0 and r[2] == 1.0  # a correlation never leaves [-1, 1]
    assert np.isnan(r[3:]).all()
    assert n.tolist() == [3, 3, 3, 4, 0, 3]
    assert novar.tolist() == [False, False, False, True, False, True]


def test_rowwise_pearson_no_variance_tolerance_boundary():
    # a sum of squares of at most 1e-12 per pair counts as no variance (floating-point noise of
    # half-means that are equal in exact arithmetic). With 5 pairs the tolerance is 5e-12;
    # x * (1, -1, 0, 0, 0) has the sum of squares 2x², exactly 5e-12 for this x:
    x = 1.5811388300841896e-06
    assert 2 * (x * x) == 1e-12 * 5
    up, down = np.nextafter(x, 1), np.nextafter(x, 0)
    v = np.array([1.0, -1.0, 0.0, 0.0, 0.0])
    other = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    for first in (True, False):  # the constant vector on either side
        rows = [v * down, v * x, v * up]
        a = np.array(rows) if first else np.tile(other, (3, 1))
        b = np.tile(other, (3, 1)) if first else np.array(rows)
        r, _, novar = C._rowwise_pearson(a, b, 3)
        assert novar.tolist() == [True, True, False]  # below, at, above the tolerance
        assert np.isnan(r[:2]).all() and r[2] == pytest.approx(-1 / math.sqrt(20))  # sxy = -x, sxx = 2x², syy = 10


# --------------------------------------------------------------------------- even-odd edges
def test_evenodd_one_item_category_and_spearman_brown_floor():
    # D has one item: no even half, so only A, B, C give complete pairs (3).
    cat = {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"], "D": ["d1"]}
    cols = [c for v in cat.values() for c in v]
    x = pd.DataFrame(
        [
            # odd (3, 1, 2), even (1, 2, 3): deviations (1, -1, 0), (-1, 0, 1) -> r = -1/2;
            # Spearman-Brown 2r/(1+r) = -2 is below -1 and set to -1 -> careless sign +1
            [3, 1, 1, 2, 2, 3, 5],
            # odd (7, 6, 4), even (1, 2, 4): exactly reversed -> r = -1 -> set to -1 -> +1
            [7, 1, 6, 2, 4, 4, 3],
            # odd (1, 3, 5), even (2, 4, 5): deviations (-2, 0, 2), (-5/3, 1/3, 4/3):
            # sxy = 6, sxx = 8, syy = 14/3 -> r = 6 / sqrt(112/3)
            [1, 2, 3, 4, 5, 5, 4],
        ],
        columns=cols,
        dtype=float,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # r = -1 divides by zero in 2r/(1+r): silently handled
        got = C.evenodd(x, cat)
    r = 6 / math.sqrt(112 / 3)
    assert got["evenodd"].iloc[0] == 1.0 and got["evenodd"].iloc[1] == 1.0
    assert got["evenodd"].iloc[2] == pytest.approx(-(2 * r / (1 + r)), abs=1e-12)
    assert got["evenodd_pairs"].tolist() == [3, 3, 3]


# --------------------------------------------------------------------------- psychsyn edges
def _three_items(seed=9, n=500):
    # u; v = u + noise (r about .55); w = u + small noise (r about .95)
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    return pd.DataFrame({"u": u, "v": u + rng.normal(0, 1.5, n), "w": u + rng.normal(0, 0.3, n)})


def test_psychsyn_default_cutoff_and_three_pair_minimum():
    x = _three_items()
    # careless' default critval .60: only (w, u) is a synonym pair; at .50 all three pairs
    assert C.synonym_pairs(x) == [(2, 0)]
    assert C.psychsyn(x).attrs["pairs"] == [(2, 0)]
    assert C.psychsyn(x, 0.50).attrs["pairs"] == [(1, 0), (2, 0), (2, 1)]
    # careless needs more than two complete pairs: three are enough
    d = _psychsyn_data()
    d.loc[101, "a1"] = NAN  # row 101 keeps the pairs b, c, d: later (2, 9, 12), earlier (1, 8, 13)
    got = C.psychsyn(d, 0.50)
    assert got["psychsyn_pairs"].iloc[101] == 3 and got["psychsyn_pairs"].iloc[100] == 4
    # deviations (-5/3, 7/3, -2/3)... computed: r of (2, 9, 12) with (1, 8, 13)
    later, earlier = np.array([2, 9, 12.0]), np.array([1, 8, 13.0])
    dl, de = later - later.mean(), earlier - earlier.mean()
    assert got["psychsyn"].iloc[101] == pytest.approx((dl @ de) / math.sqrt((dl @ dl) * (de @ de)))


def test_psychsyn_without_pairs_flags_nothing():
    # no pair above the cut-off: every value NaN, no complete pairs and *not* "no variance"
    # (which would raise the psychsyn flag for everyone); respondents keep their labels
    noise = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 5)), index=[f"r{i}" for i in range(50)])
    out = C.psychsyn(noise)
    assert out.index.equals(noise.index)
    assert out["psychsyn"].isna().all()
    assert (out["psychsyn_pairs"] == 0).all() and not out["psychsyn_novar"].any()


# --------------------------------------------------------------------------- table: rules at work
def test_careless_table_uses_the_synonym_cutoff_of_the_rules():
    x = _three_items()
    cat = {"A": ["u", "v"], "B": ["w"]}
    assert C.careless_table(x, cat, C.CarelessRules(psychsyn_critval=0.50)).attrs["thresholds"]["n_synonym_pairs"] == 3
    th = C.careless_table(x, cat).attrs["thresholds"]
    assert th["n_synonym_pairs"] == 1 and "psychsyn" not in th["not_computable"]


def test_careless_table_too_few_respondents_for_mahalanobis():
    # 10 respondents (< 50 eligible): no D², no flag, but the answered items are still counted
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.integers(1, 8, size=(10, 4)).astype(float), columns=["a1", "a2", "b1", "b2"],
                     index=[f"id{i}" for i in range(10)])
    x.iloc[2, 1] = x.iloc[5, 0] = x.iloc[5, 3] = NAN
    tab = C.careless_table(x, {"A": ["a1", "a2"], "B": ["b1", "b2"]})
    assert tab["mahad"].isna().all() and not tab["flag_mahad"].any()
    assert tab["mahad_df"].tolist() == tab["n_answered"].tolist() == [4, 4, 3, 4, 4, 2, 4, 4, 4, 4]
    assert tab.attrs["thresholds"]["not_computable"]["mahad"] == {"code": "too_few", "n": 10, "required": 50, "what": 4, "unit": "eligible"}


def _irv_rows(rows):
    return pd.DataFrame(rows, columns=["a1", "a2", "b1", "b2"], dtype=float), {"A": ["a1", "a2"], "B": ["b1", "b2"]}


def test_careless_table_irv_fences_come_from_eligible_respondents():
    # min_answered 3: rows 5 and 6 (two answers) have an IRV but are not eligible and must not
    # move the fences. IRV (sd, n-1) of the eligible rows:
    #   (1,2,3,4): squares 5 -> sqrt(5/3) = 1.291   (2,2,3,3): 1 -> sqrt(1/3) = 0.577
    #   (1,1,3,3): 4 -> sqrt(4/3) = 1.155           (1,3,5,7): 20 -> sqrt(20/3) = 2.582
    #   (2,3,3,4): 2 -> sqrt(2/3) = 0.816
    # median sqrt(4/3); absolute deviations 0.136, 0.577, 0, 1.427, 0.338 -> MAD sqrt(4/3) - sqrt(2/3)
    # fences: median ± 3 * 1.4826 * MAD (Leys et al., 2013)
    x, cat = _irv_rows([[1, 2, 3, 4], [2, 2, 3, 3], [1, 1, 3, 3], [1, 3, 5, 7], [2, 3, 3, 4],
                        [1, 7, NAN, NAN], [1, NAN, 7, NAN]])
    th = C.careless_table(x, cat, C.CarelessRules(min_answered=3)).attrs["thresholds"]
    med, mad = math.sqrt(4 / 3), math.sqrt(4 / 3) - math.sqrt(2 / 3)
    assert th["irv_low"] == pytest.approx(med - 3 * 1.4826 * mad)
    assert th["irv_high"] == pytest.approx(med + 3 * 1.4826 * mad)


def test_careless_table_irv_without_spread_flags_only_zero_variability():
    # three of five IRVs are equal (sqrt(1/3)): MAD = 0, no fence; only IRV = 0 is flagged,
    # not the very variable (1, 7, 1, 7) row (IRV sqrt(12))
    x, cat = _irv_rows([[1, 2, 1, 2], [2, 1, 2, 1], [1, 2, 2, 1], [1, 7, 1, 7], [4, 4, 4, 4]])
    tab = C.careless_table(x, cat)
    th = tab.attrs["thresholds"]
    assert th["irv_low"] == -math.inf and th["irv_high"] == math.inf
    assert tab["flag_irv"].tolist() == [False, False, False, False, True]


def test_careless_table_nobody_eligible():
    x, cat = _irv_rows([[1, 2, 3, 4], [4, 4, 4, 4], [1, 7, 1, 7]])
    tab = C.careless_table(x, cat, C.CarelessRules(min_answered=5))  # more than the 4 items
    th = tab.attrs["thresholds"]
    assert math.isnan(th["irv_low"]) and math.isnan(th["irv_high"])
    assert tab["n_flags"].tolist() == [0, 0, 0] and not tab["careless"].any()


def test_careless_table_mahalanobis_reference_has_the_answered_items_as_df():
    # 60 complete respondents and one (last) who answered only item a (min_answered = 1).
    # a: 12 x 3, 36 x 4, 12 x 5 and the last respondent's 6. For a single answered item
    # D² = (6 - mean)² / variance of a (pairwise, n-1) = 8.31: above χ²_.99(1) = 6.63 (flag),
    # below χ²_.99(2) = 9.21.
    rng = np.random.default_rng(21)
    a = np.array([3.0] * 12 + [4.0] * 36 + [5.0] * 12)
    x = pd.DataFrame({"a": a, "b": rng.integers(1, 8, 60).astype(float), "c": rng.integers(1, 8, 60).astype(float)})
    x.loc[60] = [6.0, NAN, NAN]
    tab = C.careless_table(x, {"A": ["a", "b"], "B": ["c"]}, C.CarelessRules(min_answered=1))
    col = x["a"].to_numpy()
    d2 = (6 - col.mean()) ** 2 / col.var(ddof=1)
    assert tab["mahad"].iloc[60] == pytest.approx(d2) and tab["mahad_df"].iloc[60] == 1
    assert stats.chi2.ppf(0.99, 1) < d2 < stats.chi2.ppf(0.99, 2)
    assert tab["flag_mahad"].iloc[60]


def test_careless_table_mahalanobis_flag_is_strictly_above_the_cut():
    # D² > χ²-quantile: a D² exactly at the quantile is not flagged, one just above it is.
    # Find a respondent and a confidence level whose χ² quantile (df 3) is exactly that D².
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.integers(1, 8, (60, 3)).astype(float), columns=["a", "b", "c"])
    cat = {"A": ["a", "b"], "B": ["c"]}
    d2 = C.mahalanobis(x)["mahad"].to_numpy()

    def cut(conf):
        return stats.chi2.ppf(conf, np.array([3]))[0]

    hit = None
    for i in range(len(x)):
        conf = lo = hi = stats.chi2.cdf(d2[i], 3)
        for _ in range(30):
            if cut(conf) == d2[i]:
                hit = (i, conf)
                break
            lo, hi = np.nextafter(lo, 0), np.nextafter(hi, 1)
            conf = hi if cut(hi) == d2[i] else lo
        if hit:
            break
    assert hit is not None
    i, conf = hit
    at = C.careless_table(x, cat, C.CarelessRules(mahad_confidence=conf))
    assert at["mahad"].iloc[i] == d2[i] and not at["flag_mahad"].iloc[i]
    below = np.nextafter(conf, 0)
    while cut(below) >= d2[i]:
        below = np.nextafter(below, 0)
    assert C.careless_table(x, cat, C.CarelessRules(mahad_confidence=below))["flag_mahad"].iloc[i]


# --------------------------------------------------------------------------- shares, recovery
def test_careless_share_by_counts_only_flagged_respondents_of_observed_groups():
    df = pd.DataFrame(
        {
            "year": pd.Categorical([2024, 2023, 2024, 2023, 2024, 2023], categories=[2022, 2023, 2024]),
            "sector": ["kommun", "kommun", "region", "region", "kommun", "kommun"],
        },
        index=[11, 12, 13, 14, 15, 16],
    )
    fl = pd.DataFrame({f"flag_{i}": [False] * 5 for i in C.INDICES}, index=[11, 12, 13, 14, 15])  # 16: not assessed
    fl["careless"] = [True, False, True, True, False]
    share = C.careless_share_by(df, fl)  # by year (default)
    # 2023: 12, 14 -> 1 of 2; 2024: 11, 13, 15 -> 2 of 3; 2022 has nobody and is not a row
    assert share["year"].tolist() == [2023, 2024]
    assert share["n"].tolist() == [2, 3]
    assert share["n_careless"].tolist() == [1, 2] and pd.api.types.is_integer_dtype(share["n_careless"])
    assert share["share_careless"].tolist() == pytest.approx([0.5, 2 / 3])
    two = C.careless_share_by(df, fl, ["year", "sector"])
    assert two[["year", "sector", "n"]].values.tolist() == [[2023, "kommun", 1], [2023, "region", 1],
                                                           [2024, "kommun", 2], [2024, "region", 1]]


def test_recovery_confusion_counts_from_float_columns():
    # flags and truth as 0/1 floats (as careless_share_by stores flags)
    truth = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=float)
    flags = pd.DataFrame({"flag_a": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0], "never": [0] * 10}, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a flag never raised: precision 0/0 -> NaN, silently
        rec = C.recovery(flags, truth)
    assert rec.index.name == "flag"
    # flag_a: tp 3, fp 1, fn 2, tn 4 -> precision 3/4, recall 3/5, F1 = 2 * .75 * .6 / 1.35 = 2/3
    assert rec.loc["flag_a", ["tp", "fp", "fn", "tn"]].tolist() == [3, 1, 2, 4]
    assert rec.loc["flag_a", ["precision", "recall", "f1"]].tolist() == pytest.approx([0.75, 0.6, 2 / 3])
    assert rec.loc["never", ["tp", "fp", "fn", "tn"]].tolist() == [0, 0, 5, 5]
    assert math.isnan(rec.loc["never", "precision"]) and rec.loc["never", "recall"] == 0
    assert math.isnan(rec.loc["never", "f1"])


# --------------------------------------------------------------------------- simulation
def test_simulate_survey_follows_its_model():
    # replay the documented draws: η ~ N(0, Φ) (Φ_ii = 1, Φ_ij = factor_corr), then
    # z = λ η_f + sqrt(1 - λ²) ε and answer = round(4 + 1.5 z) clipped to 1..7
    ci = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}
    x, truth = C.simulate_survey(ci, 400, loading=0.6, factor_corr=0.3, seed=4)
    rng = np.random.default_rng(4)
    # η by the Cholesky factor of Φ, [[1, 0], [.3, sqrt(1 - .3²)]], on the generator's normals
    e = rng.standard_normal((400, 2))
    eta = np.column_stack([e[:, 0], 0.3 * e[:, 0] + math.sqrt(1 - 0.3**2) * e[:, 1]])
    z = 0.6 * eta[:, [0, 0, 0, 1, 1]] + math.sqrt(1 - 0.6**2) * rng.standard_normal((400, 5))
    expected = np.clip(np.rint(4 + 1.5 * z), 1, 7)
    assert (np.rint(4 + 1.5 * z) < 1).any()  # the lower clip is exercised
    np.testing.assert_array_equal(x.to_numpy(), expected)
    assert x.columns.tolist() == ["a1", "a2", "a3", "b1", "b2"] and not truth.any()


def test_simulate_survey_defaults():
    # 2000 respondents, no planted rows, seed 1, loading .75, factor correlation .5: item
    # correlations ≈ .75² = .56 within a category and .75² * .5 = .28 between (a little lower
    # after rounding to 1..7)
    ci = instrument.load().category_items()
    x, truth = C.simulate_survey(ci)
    assert x.shape == (2000, 26) and not truth.any() and truth.name == "planted"
    assert x.isin(range(1, 8)).all().all()
    assert x.equals(C.simulate_survey(ci, seed=1)[0])
    f = np.array([i for i, v in enumerate(ci.values()) for _ in v])
    r = np.corrcoef(x.to_numpy(), rowvar=False)
    same = (f[:, None] == f[None, :]) & ~np.eye(len(f), dtype=bool)
    assert 0.50 < r[same].mean() < 0.59
    assert 0.23 < r[f[:, None] != f[None, :]].mean() < 0.33


def test_simulate_survey_planted_rows_and_missing_answers():
    ci = {"A": ["a1", "a2", "a3", "a4"], "B": ["b1", "b2", "b3", "b4"]}
    x, truth = C.simulate_survey(ci, 700, n_straight=200, n_random=100, missing_rate=0.2, seed=2)
    planted = truth.to_numpy()
    assert planted.sum() == 300
    straight = planted & (x.nunique(axis=1) == 1).to_numpy()
    assert straight.sum() == 200
    # every straight-liner answers one value, drawn uniformly from 1..7: all seven occur
    assert set(x[straight].iloc[:, 0]) == set(range(1, 8))
    rnd = x[planted & ~straight]
    assert set(np.unique(rnd.to_numpy())) == set(range(1, 8))
    # missing completely at random among the attentive (planted rows are complete)
    assert x[planted].notna().all().all()
    assert 0.17 < x[~planted].isna().to_numpy().mean() < 0.23


def test_mahalanobis_item_with_one_answer_leaves_the_other_distances_unchanged():
    # An item answered by a single respondent has no variance (n - 1 = 0) and no covariance; it
    # is given variance 1 and covariances 0, and as that respondent's deviation from the item
    # mean (their own answer) is 0 it adds nothing to any D². This holds even when the other
    # items' covariance is nearly singular: smallest eigenvalue 1.5e-8, just above the floor
    # 1e-8 * max(largest eigenvalue, 1) of the covariance repair, largest eigenvalue 0.41.
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.5, 60)
    ab = np.column_stack([a, a + 1.7e-4 * rng.normal(size=60)])
    w = np.linalg.eigvalsh(np.cov(ab, rowvar=False))
    assert 1e-8 < w[0] < 2e-8 and w[1] < 1
    c = np.full((60, 1), NAN)
    c[0] = 3.0
    got = C.mahalanobis(np.hstack([ab, c]))
    np.testing.assert_allclose(got["mahad"], C.mahalanobis(ab)["mahad"], rtol=1e-6)
    assert got["mahad_df"].tolist() == [3] + [2] * 59
