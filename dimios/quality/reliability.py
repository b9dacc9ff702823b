"""Reliability: Cronbach's alpha (Feldt CI), alpha if item deleted, omega/CR and AVE.

Levels: the whole instrument, each dimension and each category
(:func:`instrument_groups`). Two DiMiOS categories have only two items; their
alpha is essentially a (Spearman–Brown stepped-up) inter-item correlation and
should be read together with omega.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from . import feasibility


def cronbach_alpha(items_df: pd.DataFrame, *, ci: float = 0.95, nan_policy: str = "listwise") -> pd.Series:
    """Cronbach's alpha with Feldt's confidence interval, as ``pingouin.cronbach_alpha``.

    alpha = k/(k−1) · (1 − tr(C) / ΣC), C = item covariance matrix (ddof 1).
    CI (Feldt, Woodruff & Salih, 1987):
    ``1 − (1 − alpha) · F.isf(a/2, n−1, (n−1)(k−1))`` and
    ``1 − (1 − alpha) · F.isf(1 − a/2, n−1, (n−1)(k−1))`` with a = 1 − ci.

    Parameters
    ----------
    items_df : respondents × items.
    nan_policy : "listwise" (default here: complete cases, as the CFA) or
        "pairwise" (pingouin's default: pairwise covariances; n = all rows, as
        pingouin does). Deviation: with "listwise" the CI uses the number of complete
        cases; pingouin takes n before dropping rows (its docs example: alpha .8017,
        CI [.581, .933] from 12 rows of which 9 are complete; here [.533, .947]).

    Returns
    -------
    Series ``alpha, ci_low, ci_high, n, k`` (the CI is not rounded; pingouin rounds
    to 3 decimals).
    """
    if nan_policy not in ("listwise", "pairwise"):
        raise ValueError("nan_policy must be 'listwise' or 'pairwise'")
    data = items_df.astype(float)
    if nan_policy == "listwise":
        data = data.dropna(axis=0, how="any")
    n, k = data.shape
    if k < 2 or n < 2:
        return pd.Series({"alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n, "k": k})
    c = data.cov().to_numpy()
    alpha = k / (k - 1) * (1 - np.trace(c) / c.sum())
    a = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.isf(a / 2, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.isf(1 - a / 2, df1, df2)
    return pd.Series({"alpha": float(alpha), "ci_low": float(lower), "ci_high": float(upper), "n": n, "k": k})


def alpha_if_deleted(items_df: pd.DataFrame, *, nan_policy: str = "listwise") -> pd.DataFrame:
    """Alpha of the scale without each item, and the corrected item–rest correlation.

    The same complete cases are used for every deletion (listwise on all items), so
    the values are comparable with the full-scale alpha.

    Returns
    -------
    DataFrame indexed by item: ``alpha_if_deleted``, ``item_rest_r`` (Pearson
    correlation of the item with the sum of the other items).
    """
    data = items_df.astype(float)
    if nan_policy == "listwise":
        data = data.dropna(axis=0, how="any")
    cols = list(data.columns)
    rows = []
    for item in cols:  # loop over items, not respondents
        rest = [c for c in cols if c != item]
        a = cronbach_alpha(data[rest], nan_policy=nan_policy)["alpha"] if len(rest) >= 2 else np.nan
        r = data[item].corr(data[rest].sum(axis=1, min_count=len(rest)))
        rows.append({"item": item, "alpha_if_deleted": a, "item_rest_r": r})
    return pd.DataFrame(rows).set_index("item")


def omega_ave(std_loadings: Sequence[float]) -> pd.Series:
    """Composite reliability (McDonald's omega for a congeneric factor) and AVE.

    From standardized loadings λ of one factor, assuming uncorrelated residuals
    with variances 1 − λ²:

    * omega = CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²))  (McDonald, 1999; Raykov, 1997);
    * AVE = Σλ² / k  (Fornell & Larcker, 1981).

    Returns
    -------
    Series ``k, omega, ave, sqrt_ave``.
    """
    lam = np.asarray(std_loadings, dtype=float)
    s = lam.sum() ** 2
    omega = s / (s + (1 - lam**2).sum())
    ave = float(np.mean(lam**2))
    return pd.Series({"k": len(lam), "omega": float(omega), "ave": ave, "sqrt_ave": float(np.sqrt(ave))})


def composite_reliability(loadings: pd.DataFrame) -> pd.DataFrame:
    """Omega/CR and AVE per factor from a tidy standardized-loadings table.

    Parameters
    ----------
    loadings : DataFrame with ``factor``, ``std_loading`` and optionally ``level``
        (as :func:`dimios.quality.factor.standardized_loadings`); only item
        indicators (``level == "item"``) are used.

    Returns
    -------
    DataFrame indexed by factor: ``k, omega, ave, sqrt_ave``.
    """
    rows = loadings if "level" not in loadings else loadings[loadings["level"] == "item"]
    out = {f: omega_ave(g["std_loading"].to_numpy()) for f, g in rows.groupby("factor", sort=False)}
    df = pd.DataFrame(out).T
    df.index.name = "factor"
    df["k"] = df["k"].astype(int)
    return df


def instrument_groups(
    category_items: Mapping[str, Sequence[str]], dimension_items: Mapping[str, Sequence[str]], name: str = "instrument"
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Item groups for the reliability table: the whole instrument, dimensions, categories.

    Returns
    -------
    (groups {id: [items]}, levels {id: "instrument" | "dimension" | "category"})
    """
    all_items = [i for v in category_items.values() for i in v]
    groups = {name: all_items}
    levels = {name: "instrument"}
    for d, items in dimension_items.items():
        groups[d], levels[d] = list(items), "dimension"
    for c, items in category_items.items():
        groups[c], levels[c] = list(items), "category"
    return groups, levels


def reliability_table(
    items_df: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    levels: Mapping[str, str] | None = None,
    std_loadings: pd.DataFrame | None = None,
    *,
    nan_policy: str = "listwise",
    min_n: int = feasibility.MIN_ALPHA_N,
) -> pd.DataFrame:
    """Alpha (+ Feldt 95 % CI) for each item group, with omega and AVE when loadings are given.

    Parameters
    ----------
    items_df : respondents × items.
    groups : {group id: [items]} (see :func:`instrument_groups`).
    levels : {group id: level label}.
    std_loadings : optional tidy standardized loadings (``factor, std_loading``,
        ``level``) from one or several CFAs, e.g. the concatenation of the loadings of
        a one-factor model named after the instrument, model (a) and model (b); a
        group's omega/AVE is taken from the factor with the same id.

    min_n : a group's alpha is computed only with at least this many complete answers
        (and two answered items and a varying sum score,
        :func:`dimios.quality.feasibility.check_alpha`); otherwise alpha is NaN and
        ``not_computable`` holds the reason.

    Returns
    -------
    DataFrame: ``group, level, k, n, alpha, ci_low, ci_high, omega, ave,
    not_computable`` (empty, or the code of :mod:`dimios.quality.feasibility`) and
    ``attrs["not_computable"]`` = {group: reason dict (``NotComputable.as_dict``)}.
    """
    cr = composite_reliability(std_loadings) if std_loadings is not None else None
    rows = []
    reasons = {}
    for gid, items in groups.items():
        sub = items_df[list(items)]
        try:
            feasibility.check_alpha(sub, min_n=min_n)
            a = cronbach_alpha(sub, nan_policy=nan_policy)
            why = ""
        except feasibility.NotComputable as exc:
            reasons[gid] = exc.as_dict()
            a = pd.Series({"alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                           "n": int(sub.astype(float).notna().all(axis=1).sum())})
            why = exc.code
        row = {
            "group": gid,
            "level": (levels or {}).get(gid, ""),
            "k": len(items),
            "n": int(a["n"]),
            "alpha": a["alpha"],
            "ci_low": a["ci_low"],
            "ci_high": a["ci_high"],
            "omega": np.nan,
            "ave": np.nan,
            "not_computable": why,
        }
        if cr is not None and gid in cr.index:
            row["omega"], row["ave"] = cr.loc[gid, "omega"], cr.loc[gid, "ave"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["not_computable"] = reasons
    return out
