"""How much do respondents know? Shares of missing answers ("vet ej"/unanswered).

In the respondent data a "vet ej" (don't know) answer and an unanswered item are
both stored as NaN, so the shares below count both. Shares are plain proportions
of respondents in the group (no weighting).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def missing_share(
    df: pd.DataFrame,
    items: Sequence[str],
    by: str | Sequence[str] = "year",
    split: str | None = "involved",
) -> pd.DataFrame:
    """Share of missing answers per item and group, optionally split by ``involved``.

    Parameters
    ----------
    df : wide respondent DataFrame (one float column per item, NaN = missing).
    items : item ids (columns of ``df``), kept in this order in the result.
    by : grouping column(s), default ``"year"``.
    split : additional grouping column (default ``"involved"``; None = no split).
        Respondents with a missing value in a grouping column are dropped.

    Returns
    -------
    Tidy DataFrame with the group columns, ``item``, ``n`` (respondents in the
    group), ``n_missing`` and ``share_missing = n_missing / n``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    if split is not None:
        keys = keys + [split]
    items = list(items)
    miss = df[items].isna().astype(int)
    miss[keys] = df[keys]
    g = miss.groupby(keys, observed=True, sort=True, dropna=True)
    n = g.size().rename("n")
    n_missing = g[items].sum()
    long = n_missing.melt(ignore_index=False, var_name="item", value_name="n_missing").reset_index()
    long = long.merge(n.reset_index(), on=keys, how="left")
    long["share_missing"] = long["n_missing"] / long["n"]
    long["item"] = pd.Categorical(long["item"], categories=items, ordered=True)
    long = long.sort_values(keys + ["item"], kind="stable").reset_index(drop=True)
    long["item"] = long["item"].astype(str)
    return long[keys + ["item", "n", "n_missing", "share_missing"]]


def complete_share(df: pd.DataFrame, items: Sequence[str], by: str | Sequence[str] = "year") -> pd.DataFrame:
    """Share of respondents who answered every item (no "vet ej"/missing), per group.

    Returns
    -------
    Tidy DataFrame with the group columns, ``n``, ``n_complete`` and
    ``share_complete = n_complete / n``, plus ``mean_answered`` (mean number of
    answered items).
    """
    keys = [by] if isinstance(by, str) else list(by)
    items = list(items)
    answered = df[items].notna()
    tmp = pd.DataFrame(
        {"complete": answered.all(axis=1).astype(int), "n_answered": answered.sum(axis=1)}, index=df.index
    )
    tmp[keys] = df[keys]
    g = tmp.groupby(keys, observed=True, sort=True, dropna=True)
    out = g.agg(n=("complete", "size"), n_complete=("complete", "sum"), mean_answered=("n_answered", "mean"))
    out["share_complete"] = out["n_complete"] / out["n"]
    return out.reset_index()[keys + ["n", "n_complete", "share_complete", "mean_answered"]]
