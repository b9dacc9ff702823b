"""Careless-responding indices per respondent, their flag rules and the vote.

Five indices are computed, each following the definition of the R package
*careless* (Yentes & Wilhelm, version 1.2.x; source read from
github.com/ryentes/careless, files ``R/longstring.R``, ``R/irv.R``,
``R/mahad.R``, ``R/evenodd.R``, ``R/psychsyn.R``) unless a deviation is stated:

=============  =================================  ==========================================
index          higher value means                 flag rule (default)
=============  =================================  ==========================================
longstring     more straight-lining               run >= 50 % of the answered items
irv            more variable answers              outside median ± 3 robust SD (MAD), or 0
mahad          more atypical answer pattern       D² > χ²_.99(df = items answered)
evenodd        *less* consistent (careless sign)  consistency < 0, or undefined because
                                                  the category half-means do not vary
psychsyn       *more* consistent                  r < 0, or undefined because the
                                                  synonym answers do not vary
=============  =================================  ==========================================

A respondent is classified as careless when at least ``min_flags`` (default 3)
of the five flags are raised (multiple-hurdle approach; Curran, 2016).

Flags are only raised for respondents who answered at least ``min_answered``
items (default: half of the items); the index values are still reported.

All computations are vectorised over respondents (numpy); loops run only over
categories or over blocks of respondents, never over single rows.

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in
survey data. *Journal of Experimental Social Psychology, 66*, 4–19.
Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018).
Intra-individual response variability as an indicator of insufficient effort
responding. *Journal of Business and Psychology, 33*, 105–121.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from
web-based personality inventories. *Journal of Research in Personality, 39*, 103–129.
Leys, C., Ley, C., Klein, O., Bernard, P., & Licata, L. (2013). Detecting outliers:
do not use standard deviation around the mean, use absolute deviation around the
median. *Journal of Experimental Social Psychology, 49*, 764–766.
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods, 17*, 437–455.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .. import draws
from . import feasibility

INDICES = ("longstring", "irv", "mahad", "evenodd", "psychsyn")


# --------------------------------------------------------------------------- helpers
def _as_matrix(items) -> np.ndarray:
    """Items (DataFrame or array, respondents x items) as a float matrix."""
    x = items.to_numpy(dtype=float) if isinstance(items, pd.DataFrame) else np.asarray(items, dtype=float)
    if x.ndim != 2:
        raise ValueError("items must be two-dimensional (respondents x items)")
    return x


def _index_of(items) -> pd.Index:
    return items.index if isinstance(items, pd.DataFrame) else pd.RangeIndex(np.asarray(items).shape[0])


def _rowwise_pearson(a: np.ndarray, b: np.ndarray, min_pairs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson correlation of ``a[i]`` with ``b[i]`` for every row i, pairwise complete.

    Equivalent to R ``cor(a[i, ], b[i, ], use = "pairwise.complete.obs")`` row by row.

    Returns
    -------
    r : ndarray
        Correlation; NaN when fewer than ``min_pairs`` complete pairs or when one of
        the two vectors has no variance.
    n_pairs : ndarray
        Number of complete pairs per row.
    no_variance : ndarray of bool
        True when at least ``min_pairs`` pairs exist but a vector is constant.
    """
    valid = ~np.isnan(a) & ~np.isnan(b)
    n = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = np.where(valid, a, 0.0).sum(axis=1) / n
        mb = np.where(valid, b, 0.0).sum(axis=1) / n
        da = np.where(valid, a - ma[:, None], 0.0)
        db = np.where(valid, b - mb[:, None], 0.0)
        sxy = (da * db).sum(axis=1)
        sxx = (da * da).sum(axis=1)
        syy = (db * db).sum(axis=1)
        tol = 1e-12 * np.maximum(n, 1)
        enough = n >= min_pairs
        no_var = enough & ((sxx <= tol) | (syy <= tol))
        r = sxy / np.sqrt(sxx * syy)
    r = np.where(enough & ~no_var, np.clip(r, -1.0, 1.0), np.nan)
    return r, n, no_var


# --------------------------------------------------------------------------- indices
def longstring(items) -> pd.Series:
    """Longest run of identical consecutive answers per respondent.

    Definition as ``careless::longstring`` (which applies R ``rle`` to each row):
    the items are taken in column order (the questionnaire order) and the length of
    the longest uninterrupted run of the same value is returned.

    Missing answers (NaN, "vet ej") *break* a run and are not counted, exactly as in
    ``rle``, where ``NA == x`` is never true. Deviation: a respondent without any
    answer gets NaN (careless returns 1).

    Parameters
    ----------
    items : DataFrame or ndarray, respondents x items (float, NaN missing)

    Returns
    -------
    Series of float (run length), indexed like ``items``.

    Examples
    --------
    ``[3, 3, NaN, 3, 3, 3, 5]`` -> 3 (the NaN splits the 3s into runs of 2 and 3).
    """
    x = _as_matrix(items)
    n, k = x.shape
    if k == 0:
        return pd.Series(np.full(n, np.nan), index=_index_of(items), name="longstring")
    same = np.zeros((n, k), dtype=bool)
    same[:, 1:] = x[:, 1:] == x[:, :-1]  # NaN never compares equal -> run broken
    pos = np.broadcast_to(np.arange(k), (n, k))
    start = np.maximum.accumulate(np.where(same, 0, pos), axis=1)  # start of current run
    run = np.where(np.isnan(x), 0, pos - start + 1)
    out = run.max(axis=1).astype(float)
    out[np.isnan(x).all(axis=1)] = np.nan
    return pd.Series(out, index=_index_of(items), name="longstring")


def irv(items) -> pd.Series:
    """Intra-individual response variability (IRV).

    Definition as ``careless::irv`` (Dunn et al., 2018): the standard deviation of a
    respondent's answered items, ``sd(x, na.rm = TRUE)`` in R, i.e. with denominator
    ``k_answered - 1`` (ddof = 1). NaN when fewer than two items are answered.

    Returns
    -------
    Series of float indexed like ``items``.

    Examples
    --------
    (Curran, 2016 test rows used in careless' tests) ``[3]*10`` -> 0;
    ``[1,2,3,4,5]*2`` -> sqrt(20/9) = 1.4907; ``[1]*5 + [5]*5`` -> sqrt(40/9) = 2.1082.
    """
    x = _as_matrix(items)
    k = (~np.isnan(x)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nansum(x, axis=1) / k
        ss = np.nansum((x - m[:, None]) ** 2, axis=1)
        out = np.sqrt(ss / (k - 1))
    out[k < 2] = np.nan
    return pd.Series(out, index=_index_of(items), name="irv")


def _nearest_pd(s: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """Clip eigenvalues so that a (pairwise) covariance matrix is positive definite."""
    w, v = np.linalg.eigh((s + s.T) / 2)
    if w.min() > eps * max(w.max(), 1.0):
        return s
    w = np.maximum(w, eps * max(w.max(), 1.0))
    return (v * w) @ v.T


def mahalanobis(items, *, block: int = 4096) -> pd.DataFrame:
    """Mahalanobis D² of each respondent's answered items.

    Mean vector and covariance matrix are estimated from the sample with
    pairwise-complete observations (column means with missing values removed; the
    covariance as R ``cov(x, use = "pairwise")``, denominator n-1), as
    ``psych::outlier``, which ``careless::mahad`` calls. If the pairwise matrix is not
    positive definite its eigenvalues are clipped to a small positive value.

    For a respondent with answered items A the distance is the exact Mahalanobis
    distance of the observed sub-vector under the marginal distribution::

        D² = (x_A - m_A)' S_AA^{-1} (x_A - m_A)

    which is χ²-distributed with ``|A|`` degrees of freedom under multivariate
    normality. Deviation from ``psych::outlier``: psych drops the missing terms of the
    quadratic form with the *full* inverse S^{-1}, which is not a Mahalanobis distance
    and has no χ² reference; for complete rows the two are identical.

    Parameters
    ----------
    items : DataFrame or ndarray, respondents x items
    block : int
        Number of respondents processed per vectorised block (memory bound).

    Returns
    -------
    DataFrame with columns ``mahad`` (D², NaN without answers) and ``mahad_df``
    (number of answered items).
    """
    x = _as_matrix(items)
    n, k = x.shape
    mu = np.nanmean(x, axis=0)
    s = pd.DataFrame(x).cov().to_numpy()  # pairwise complete, ddof = 1
    s = _nearest_pd(np.nan_to_num(s, nan=0.0) + np.diag(np.where(np.isnan(np.diag(s)), 1.0, 0.0)))
    d = x - mu
    answered = ~np.isnan(x)
    d0 = np.where(answered, d, 0.0)
    out = np.full(n, np.nan)
    eye = np.eye(k)
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        patterns, inverse = np.unique(answered[lo:hi], axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        both = patterns[:, :, None] & patterns[:, None, :]
        # answered block = S_AA, missing block = identity (zero deviations there)
        mats = np.where(both, s[None], 0.0) + eye[None] * (~patterns)[:, :, None]
        inv = np.linalg.inv(mats)
        out[lo:hi] = np.einsum("ni,nij,nj->n", d0[lo:hi], inv[inverse], d0[lo:hi])
    df = answered.sum(axis=1)
    out[df == 0] = np.nan
    return pd.DataFrame({"mahad": out, "mahad_df": df}, index=_index_of(items))


def evenodd(
    items: pd.DataFrame, category_items: Mapping[str, Sequence[str]], *, min_pairs: int = 3
) -> pd.DataFrame:
    """Even-odd consistency, signed as ``careless::evenodd`` (higher = more careless).

    Definition (Johnson, 2005; careless >= 1.2.0): within each category the items are
    numbered 1, 2, ... in the given order; the person's mean of the answered
    even-numbered items and of the answered odd-numbered items are computed
    (``mean(..., na.rm = TRUE)``). Across the categories, the vector of even means is
    correlated with the vector of odd means (pairwise complete), the correlation is
    Spearman–Brown corrected, ``2r / (1 + r)``, values below -1 are set to -1, and the
    result is *negated* so that higher scores indicate carelessness (careless'
    change in version 1.2.0). Consistency (the usual interpretation) is ``-evenodd``.

    Deviation: careless computes the correlation from any number of complete category
    pairs (two pairs give ±1); here fewer than ``min_pairs`` (default 3) complete pairs
    give NaN. ``min_pairs=2`` reproduces careless.

    Returns
    -------
    DataFrame with columns ``evenodd`` (careless sign), ``evenodd_pairs`` (complete
    category pairs) and ``evenodd_novar`` (True when enough pairs exist but the even or
    odd means do not vary, so that the coefficient is undefined: careless returns NA).
    """
    even_cols, odd_cols = [], []
    for cols in category_items.values():
        cols = list(cols)
        sub = items[cols].to_numpy(dtype=float)
        pos = np.arange(1, len(cols) + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice" -> NaN
            even_cols.append(np.nanmean(sub[:, pos % 2 == 0], axis=1) if (pos % 2 == 0).any() else np.full(len(sub), np.nan))
            odd_cols.append(np.nanmean(sub[:, pos % 2 == 1], axis=1))
    e = np.column_stack(even_cols)
    o = np.column_stack(odd_cols)
    r, npairs, novar = _rowwise_pearson(e, o, min_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        sb = np.where(r == -1.0, -1.0, 2 * r / (1 + r))
    sb = np.where(sb < -1, -1.0, sb)
    return pd.DataFrame({"evenodd": -sb, "evenodd_pairs": npairs, "evenodd_novar": novar}, index=items.index)


def synonym_pairs(items, critval: float = 0.60) -> list[tuple[int, int]]:
    """Item pairs whose sample correlation exceeds ``critval`` (psychometric synonyms).

    As careless' ``get_item_pairs``: Pearson correlations with pairwise-complete
    observations, lower triangle, ``r > critval`` (strict). Each pair is returned as
    ``(later item, earlier item)`` column positions, the orientation careless uses.
    """
    x = _as_matrix(items)
    r = pd.DataFrame(x).corr().to_numpy()
    i, j = np.tril_indices_from(r, k=-1)
    keep = r[i, j] > abs(critval)
    # careless lists pairs column-major (by the earlier item, then the later one)
    order = np.lexsort((i[keep], j[keep]))
    return list(zip(i[keep][order].tolist(), j[keep][order].tolist()))


def psychsyn(items, critval: float = 0.60, *, min_pairs: int = 3) -> pd.DataFrame:
    """Psychometric synonyms index, as ``careless::psychsyn`` (higher = more consistent).

    Definition (Meade & Craig, 2012): item pairs with a sample correlation above
    ``critval`` are found (:func:`synonym_pairs`); for every respondent the answers to
    the first items of the pairs are correlated with the answers to the second items
    over the pairs both answered (within-person Pearson correlation). careless
    requires more than two complete pairs (``min_pairs = 3``).

    Deviation: careless by default re-samples the pair orientation up to ten times
    when the correlation is NA (``resample_na = TRUE``), which is random; here no
    resampling is done (as ``resample_na = FALSE``), so the result is deterministic.

    Returns
    -------
    DataFrame with columns ``psychsyn``, ``psychsyn_pairs`` (complete pairs) and
    ``psychsyn_novar`` (enough pairs but no variance: correlation undefined). All NaN
    when no pair exceeds ``critval`` (careless stops with an error).
    """
    x = _as_matrix(items)
    pairs = synonym_pairs(x, critval)
    idx = _index_of(items)
    if not pairs:
        nan = np.full(x.shape[0], np.nan)
        return pd.DataFrame({"psychsyn": nan, "psychsyn_pairs": 0, "psychsyn_novar": False}, index=idx)
    a = x[:, [p[0] for p in pairs]]
    b = x[:, [p[1] for p in pairs]]
    r, npairs, novar = _rowwise_pearson(a, b, min_pairs)
    out = pd.DataFrame({"psychsyn": r, "psychsyn_pairs": npairs, "psychsyn_novar": novar}, index=idx)
    out.attrs["pairs"] = pairs
    return out


# --------------------------------------------------------------------------- flags + vote
@dataclass(frozen=True)
class CarelessRules:
    """Flag rules of the five indices (defaults justified in the module docstring).

    Attributes
    ----------
    longstring_share : flag when the longest run >= this share of the answered items.
        0.5 means a run over half of the questionnaire. The largest category has 7 of
        26 items, so such a run always crosses at least two category borders and
        cannot be explained by agreement within one category; a shorter partial
        straight-line (e.g. the last half of the survey) is still caught.
    irv_mad_k : flag when IRV lies outside median ± k · 1.4826 · MAD of the IRV of
        the respondents eligible for flagging (robust outlier fences, Leys et al.,
        2013; k = 3 is their "very conservative" choice). Low IRV = straight-lining,
        high IRV = random answering (Dunn et al., 2018 discuss both tails). Median and
        MAD are used instead of sample percentiles because they are not pulled by the
        careless respondents themselves and do not flag a fixed share by construction;
        the DiMiOS scale has no published IRV norm for absolute cut-offs. IRV = 0
        (identical answers to every answered item) is always flagged.
    mahad_confidence : flag when D² > χ²-quantile at this level with df = number of
        answered items (careless::mahad default confidence .99).
    evenodd_min_consistency : flag when the Spearman–Brown even-odd consistency
        (``-evenodd``) is below this value. Default 0: the two halves are not even
        positively related, i.e. the answers do not follow the category structure.
        (Stricter cut-offs such as .30 flagged 15–30 % of attentive simulated
        respondents: with six correlated categories, two of them with only two items,
        the within-person correlation over six half-means is noisy.) Also flagged: the
        coefficient is undefined because the category half-means do not vary at all
        (non-differentiation, e.g. straight-lining).
    psychsyn_min : flag when the synonym correlation is below this value (answers to
        near-synonymous items not even positively related), or undefined because the
        synonym answers do not vary.
    psychsyn_critval : correlation above which an item pair counts as synonym
        (careless default .60).
    min_flags : the vote; careless when at least this many flags are raised.
    min_answered : flags are raised only for respondents with at least this many
        answered items; None = half the number of items (rounded up).
    """

    longstring_share: float = 0.5
    irv_mad_k: float = 3.0
    mahad_confidence: float = 0.99
    evenodd_min_consistency: float = 0.0
    psychsyn_min: float = 0.0
    psychsyn_critval: float = 0.60
    min_flags: int = 3
    min_answered: int | None = None


def careless_table(
    items_df: pd.DataFrame,
    category_items: Mapping[str, Sequence[str]],
    rules: CarelessRules | None = None,
) -> pd.DataFrame:
    """The five careless indices, their flags and the vote, one row per respondent.

    Parameters
    ----------
    items_df : DataFrame
        One row per respondent; must contain every item listed in ``category_items``
        (other columns are ignored). Items are taken in the order of
        ``category_items`` (categories in order, items within category in order), which
        for ``Instrument.category_items()`` is the questionnaire order.
    category_items : mapping {category: [item ids]}
    rules : CarelessRules, optional

    Returns
    -------
    DataFrame indexed like ``items_df`` with columns ``n_answered``, the five indices
    (``longstring, irv, mahad, evenodd, psychsyn``), ``mahad_df``, five booleans
    ``flag_<index>``, ``n_flags`` and ``careless`` (``n_flags >= rules.min_flags``).
    The applied thresholds are stored in ``result.attrs["thresholds"]``; its
    ``not_computable`` entry maps an index that could not be computed on these data to
    the reason (``{"code": ..., **details}``, codes of :mod:`dimios.quality.feasibility`):
    ``mahad`` with fewer than ``feasibility.MIN_MAHAD_N`` (and more than the number of
    items) respondents eligible for flagging, ``psychsyn`` when no item pair exceeds
    ``psychsyn_critval`` (code ``no_pairs``). Such an index has NaN values and raises
    no flag; the vote still needs ``min_flags`` of the remaining flags.
    """
    rules = rules or CarelessRules()
    cols = [c for group in category_items.values() for c in group]
    x = items_df[cols].astype(float)
    k = len(cols)
    min_answered = rules.min_answered if rules.min_answered is not None else math.ceil(k / 2)
    n_ans = x.notna().sum(axis=1)
    eligible = (n_ans >= min_answered).to_numpy()

    ls = longstring(x)
    iv = irv(x)
    not_computable = {}
    why = feasibility.mahalanobis_feasible(x, int(eligible.sum()))
    if why is None:
        md = mahalanobis(x)
    else:  # too few respondents for a covariance matrix of k items: no D², no flag
        md = pd.DataFrame({"mahad": np.nan, "mahad_df": x.notna().sum(axis=1)}, index=x.index)
        not_computable["mahad"] = why.as_dict()
    eo = evenodd(x, category_items)
    ps = psychsyn(x, rules.psychsyn_critval)
    if not ps.attrs.get("pairs"):
        not_computable["psychsyn"] = {"code": "no_pairs", "critval": rules.psychsyn_critval}

    out = pd.DataFrame(
        {
            "n_answered": n_ans,
            "longstring": ls,
            "irv": iv,
            "mahad": md["mahad"],
            "mahad_df": md["mahad_df"],
            "evenodd": eo["evenodd"],
            "psychsyn": ps["psychsyn"],
        },
        index=items_df.index,
    )

    irv_el = iv[eligible & iv.notna().to_numpy()].to_numpy()
    if len(irv_el):
        med = float(np.median(irv_el))
        spread = rules.irv_mad_k * 1.4826 * float(np.median(np.abs(irv_el - med)))
        # MAD = 0 (more than half give identical IRVs) -> no fence, only IRV == 0 flags
        q_lo, q_hi = (med - spread, med + spread) if spread > 0 else (-np.inf, np.inf)
    else:
        q_lo = q_hi = np.nan
    chi_cut = stats.chi2.ppf(rules.mahad_confidence, np.maximum(md["mahad_df"].to_numpy(), 1))

    flags = {
        "flag_longstring": ls.to_numpy() >= rules.longstring_share * n_ans.to_numpy(),
        "flag_irv": (iv.to_numpy() < q_lo) | (iv.to_numpy() > q_hi) | (iv.to_numpy() == 0),
        "flag_mahad": md["mahad"].to_numpy() > chi_cut,
        "flag_evenodd": (-eo["evenodd"].to_numpy() < rules.evenodd_min_consistency) | eo["evenodd_novar"].to_numpy(),
        "flag_psychsyn": (ps["psychsyn"].to_numpy() < rules.psychsyn_min) | ps["psychsyn_novar"].to_numpy(),
    }
    for name, f in flags.items():
        out[name] = f & eligible  # comparisons with NaN are False
    out["n_flags"] = out[list(flags)].sum(axis=1).astype(int)
    out["careless"] = out["n_flags"] >= rules.min_flags
    out.attrs["thresholds"] = {
        **asdict(rules),
        "min_answered": min_answered,
        "irv_low": float(q_lo),
        "irv_high": float(q_hi),
        "n_synonym_pairs": len(ps.attrs.get("pairs", [])),
        "not_computable": not_computable,
    }
    return out


def careless_share_by(df: pd.DataFrame, flags: pd.DataFrame, by: str | Sequence[str] = "year") -> pd.DataFrame:
    """Share of careless respondents (and of each flag) per group.

    Parameters
    ----------
    df : DataFrame with the grouping column(s), index aligned with ``flags``.
    flags : output of :func:`careless_table`.
    by : column name(s) in ``df``.

    Returns
    -------
    Tidy DataFrame: the group columns, ``n``, ``n_careless``, ``share_careless`` and
    ``share_flag_<index>`` for the five indices.
    """
    by = [by] if isinstance(by, str) else list(by)
    flag_cols = [c for c in flags.columns if c.startswith("flag_")]
    joined = df[by].join(flags[flag_cols + ["careless"]].astype(float), how="inner")
    g = joined.groupby(by, observed=True, sort=True)
    out = g["careless"].agg(n="size", n_careless="sum", share_careless="mean")
    out["n_careless"] = out["n_careless"].astype(int)
    shares = g[flag_cols].mean().add_prefix("share_")
    return out.join(shares).reset_index()


def recovery(flags, truth) -> pd.DataFrame:
    """Precision, recall and F1 of flags against known (planted) careless responders.

    Parameters
    ----------
    flags : bool Series or DataFrame of bool columns (e.g. the ``flag_*`` and
        ``careless`` columns of :func:`careless_table`).
    truth : bool Series/array aligned with ``flags``.

    Returns
    -------
    DataFrame, one row per flag column: ``tp, fp, fn, tn, precision, recall, f1``
    (precision = tp/(tp+fp), recall = tp/(tp+fn), F1 = harmonic mean; NaN when the
    denominator is zero).
    """
    f = flags.to_frame() if isinstance(flags, pd.Series) else pd.DataFrame(flags)
    t = np.asarray(truth, dtype=bool)[:, None]
    p = f.to_numpy(dtype=bool)
    tp = (p & t).sum(axis=0)
    fp = (p & ~t).sum(axis=0)
    fn = (~p & t).sum(axis=0)
    tn = (~p & ~t).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall)
    return pd.DataFrame(
        {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1},
        index=pd.Index(f.columns, name="flag"),
    )


# --------------------------------------------------------------------------- simulation
def simulate_survey(
    category_items: Mapping[str, Sequence[str]],
    n: int = 2000,
    *,
    loading: float = 0.75,
    factor_corr: float = 0.5,
    n_straight: int = 0,
    n_random: int = 0,
    missing_rate: float = 0.0,
    seed: int = 1,
) -> tuple[pd.DataFrame, pd.Series]:
    """Simulate 1–7 answers from a known correlated-factor model, with planted careless rows.

    Attentive respondents: factor scores η ~ N(0, Φ) with Φ_ii = 1 and Φ_ij =
    ``factor_corr``; item z = ``loading`` · η_f + sqrt(1 − loading²) · ε; answer =
    round(4 + 1.5 z) clipped to 1..7. ``missing_rate`` sets answers of attentive
    respondents to NaN completely at random. Straight-liners answer one value
    (uniform on 1..7) to every item; random responders answer each item uniformly
    on 1..7. Planted rows are placed at random positions (seeded numpy generator).

    Returns
    -------
    (items DataFrame n × k, truth Series of bool: True for the planted careless rows)
    """
    rng = np.random.default_rng(seed)
    cats = list(category_items)
    cols = [c for v in category_items.values() for c in v]
    m = len(cats)
    phi = np.full((m, m), factor_corr) + (1 - factor_corr) * np.eye(m)
    eta = draws.correlated_normals(rng, phi.tolist(), n)  # the same draws on every CPU (dimios.draws)
    fidx = np.array([cats.index(c) for c, v in category_items.items() for _ in v])
    z = loading * eta[:, fidx] + np.sqrt(1 - loading**2) * rng.standard_normal((n, len(cols)))
    x = np.clip(np.rint(4 + 1.5 * z), 1, 7)
    if missing_rate > 0:
        x[rng.random(x.shape) < missing_rate] = np.nan
    truth = np.zeros(n, dtype=bool)
    rows = rng.choice(n, size=n_straight + n_random, replace=False)
    s_rows, r_rows = rows[:n_straight], rows[n_straight:]
    x[s_rows] = rng.integers(1, 8, size=(n_straight, 1)).astype(float)
    x[r_rows] = rng.integers(1, 8, size=(n_random, len(cols))).astype(float)
    truth[rows] = True
    return pd.DataFrame(x, columns=cols), pd.Series(truth, name="planted")
