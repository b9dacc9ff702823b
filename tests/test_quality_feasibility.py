"""dimios.quality.feasibility: each minimum exactly at, below and above it, and the reasons' details."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from dimios.quality import feasibility as F


def _data(n: int, p: int = 3, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, p)), columns=[f"i{j}" for j in range(p)])


def _reason(call):
    with pytest.raises(F.NotComputable) as ei:
        call()
    return ei.value


def test_minimums_are_the_documented_values():
    assert (F.MIN_FACTOR_N, F.MIN_ALPHA_N, F.MIN_MAHAD_N, F.SINGULAR_TOL) == (50, 10, 50, 1e-8)


def test_reason_text_details_and_round_trips():
    r = F.NotComputable("too_few", n=3, required=10)
    assert (r.code, r.details) == ("too_few", {"n": 3, "required": 10})
    assert str(r) == "not computable: too_few (n=3, required=10)"
    assert str(F.NotComputable("no_pairs")) == "not computable: no_pairs"
    assert r.as_dict() == {"code": "too_few", "n": 3, "required": 10}
    back = F.NotComputable.from_dict(r.as_dict())
    assert (back.code, back.details) == (r.code, r.details)
    d = r.as_dict()
    F.NotComputable.from_dict(d)
    assert d == {"code": "too_few", "n": 3, "required": 10}  # the given dict is not changed
    for c in (copy.copy(r), pickle.loads(pickle.dumps(r))):
        assert (c.code, c.details, str(c)) == (r.code, r.details, str(r))


def test_complete_answers_only_on_the_given_items():
    df = pd.DataFrame({"a": [1, np.nan, 3], "b": [1, 2, np.nan], "c": ["4", "5", "6"]})
    assert F.complete(df, ["a", "c"]).index.tolist() == [0, 2]
    assert F.complete(df).index.tolist() == [0] and F.complete(df)["c"].dtype == "float64"


@pytest.mark.parametrize("n, ok", [(F.MIN_FACTOR_N - 1, False), (F.MIN_FACTOR_N, True), (F.MIN_FACTOR_N + 1, True)])
def test_factor_analysis_needs_min_n_complete_answers(n, ok):
    x = _data(n)
    if ok:
        assert F.check_factorable(x) == n
    else:
        r = _reason(lambda: F.check_factorable(x))
        assert (r.code, r.details) == ("too_few", {"n": n, "required": F.MIN_FACTOR_N, "what": 3})


def test_factor_analysis_needs_more_answers_than_items():
    # with a small min_n the number of items decides: p + 1 complete answers
    x = _data(6, p=5)
    assert F.check_factorable(x, min_n=2) == 6
    r = _reason(lambda: F.check_factorable(x.iloc[:5], min_n=2))
    assert r.details == {"n": 5, "required": 6, "what": 5}
    # only the named items count, and missing answers on the others do not remove a row
    y = x.assign(extra=[np.nan] * 6)
    assert F.check_factorable(y, ["i0", "i1", "i2"], min_n=4) == 6


def test_constant_and_singular_items():
    x = _data(60)
    x["flat"] = 3.0
    r = _reason(lambda: F.check_factorable(x))
    assert (r.code, r.details) == ("constant", {"items": ["flat"], "n": 60})
    # variation of one unit in 60 rows (sd about .13) is variation
    x["flat"] = [3.0] * 59 + [4.0]
    assert F.check_factorable(x) == 60
    y = _data(60)
    y["sum"] = y["i0"] + y["i1"]
    r = _reason(lambda: F.check_factorable(y))
    assert (r.code, r.details) == ("singular", {"p": 4, "rank": 3, "n": 60})
    # nearly but not exactly collinear is not singular
    y["sum"] = y["i0"] + y["i1"] + 1e-3 * _data(60, p=1, seed=9)["i0"]
    assert F.check_factorable(y) == 60


@pytest.mark.parametrize("n, ok", [(F.MIN_ALPHA_N - 1, False), (F.MIN_ALPHA_N, True)])
def test_alpha_needs_min_n_complete_answers(n, ok):
    x = _data(n + 2)
    x.iloc[:2, 0] = np.nan  # two rows incomplete
    if ok:
        assert F.check_alpha(x) == n
    else:
        r = _reason(lambda: F.check_alpha(x))
        assert (r.code, r.details) == ("too_few", {"n": n, "required": F.MIN_ALPHA_N, "what": 3})


def test_alpha_needs_two_answered_items_and_a_varying_sum():
    x = _data(20)
    x["i1"] = np.nan
    x["i2"] = np.nan
    r = _reason(lambda: F.check_alpha(x))
    assert (r.code, r.details) == ("one_item", {"answered": ["i0"], "k": 3})
    flat = pd.DataFrame({"a": [2.0] * 12, "b": [5.0] * 12})
    r = _reason(lambda: F.check_alpha(flat))
    assert (r.code, r.details) == ("no_variance", {"n": 12})
    # a little variation in the sum (covariance sum 1/12 < 1) is enough
    small = flat.copy()
    small.loc[0, "a"] = 3.0
    assert F.check_alpha(small) == 12


@pytest.mark.parametrize("n, ok", [(1, False), (2, True)])
def test_groups_need_at_least_two(n, ok):
    if ok:
        assert F.check_groups({"a": 5, "b": n}, min_n=0) is None
    else:
        r = _reason(lambda: F.check_groups({"a": 5, "b": n}, min_n=0))
        assert (r.code, r.details) == ("small_group", {"group": "b", "n": n, "required": 2})


def test_groups_need_min_n_and_the_first_small_group_is_named():
    assert F.check_groups({"a": 5, "b": 5}, min_n=5) is None
    r = _reason(lambda: F.check_groups({"a": 4, "b": 3}, min_n=5))
    assert r.details == {"group": "a", "n": 4, "required": 5}


def test_mahalanobis_needs_min_n_and_more_than_the_items():
    x = _data(1, p=4)
    assert F.mahalanobis_feasible(x, F.MIN_MAHAD_N) is None
    r = F.mahalanobis_feasible(x, F.MIN_MAHAD_N - 1)
    assert (r.code, r.details) == ("too_few", {"n": 49, "required": 50, "what": 4, "unit": "eligible"})
    assert F.mahalanobis_feasible(x, 5, min_n=2) is None           # k + 1 = 5
    assert F.mahalanobis_feasible(x, 4, min_n=2).details["required"] == 5


def test_numerical_failures_become_reasons():
    same = F.NotComputable("too_few", n=1)
    assert F.from_error(same) is same
    r = F.from_error(np.linalg.LinAlgError("Singular matrix"))
    assert (r.code, r.details) == ("singular", {"message": "Singular matrix"})
    r = F.from_error(ValueError("no convergence"))
    assert (r.code, r.details) == ("failed", {"message": "ValueError: no convergence"})


def test_singular_means_an_eigenvalue_below_1e8_of_the_largest():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 3))
    y = pd.DataFrame(np.column_stack([x, x[:, 0] + x[:, 1] + 2.2e-4 * rng.normal(size=200)]))
    eig = np.linalg.eigvalsh(np.corrcoef(y.to_numpy(), rowvar=False))
    # smallest eigenvalue between 1e-8/largest and 1e-8*largest: relative to the largest it is below 1e-8
    assert F.SINGULAR_TOL / eig.max() < eig.min() < F.SINGULAR_TOL * eig.max()
    assert eig.min() < F.SINGULAR_TOL * eig.max()
    r = _reason(lambda: F.check_factorable(y))
    assert (r.code, r.details["rank"]) == ("singular", 3)


def test_singular_tolerance_boundary():
    # an eigenvalue exactly at SINGULAR_TOL times the largest counts as zero; just above it counts
    at = F.SINGULAR_TOL * 2.0
    assert F._rank(np.array([at, 1.0, 2.0])) == 2
    assert F._rank(np.array([np.nextafter(at, 1.0), 1.0, 2.0])) == 3
    assert F._rank(np.array([np.nextafter(at, 0.0), 1.0, 2.0])) == 2
