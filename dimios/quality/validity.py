"""Known-groups validity: respondents involved in digitalisation vs not involved.

Expectation: involved respondents know the organisation's digital work better and
may rate it differently; the comparison reports the size of the difference per
dimension, not a hypothesis about its sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats


def dimension_scores(
    df: pd.DataFrame,
    group_items: Mapping[str, Sequence[str]],
    *,
    scale_min: float = 1,
    scale_max: float = 7,
    min_share: float = 0.5,
) -> pd.DataFrame:
    """Respondent score per dimension (or any item group), in percent.

    Score = mean of the respondent's answered items, converted with
    ``(answer − min) / (max − min) · 100`` (as ``Scale.to_percent``). NaN when fewer
    than ``min_share`` of the group's items are answered.

    Returns
    -------
    DataFrame indexed like ``df``, one column per group.
    """
    out = {}
    for gid, items in group_items.items():
        x = df[list(items)].astype(float)
        answered = x.notna().sum(axis=1)
        mean = x.mean(axis=1, skipna=True)
        score = (mean - scale_min) / (scale_max - scale_min) * 100.0
        out[gid] = score.where(answered >= min_share * len(items))
    return pd.DataFrame(out, index=df.index)


def hedges_g(x: np.ndarray, y: np.ndarray, ci: float = 0.95) -> tuple[float, float, float]:
    """Hedges' g of x − y with confidence interval, as pingouin.

    d = (x̄ − ȳ) / s_pooled, s_pooled² = ((n_x−1)s_x² + (n_y−1)s_y²)/(n_x+n_y−2);
    g = d · (1 − 3/(4(n_x+n_y) − 9)) (``pingouin.compute_effsize(eftype="hedges")``).
    CI = g ± t_{(1+ci)/2, n_x+n_y−2} · sqrt((n_x+n_y)/(n_x n_y) + g²/(2(n_x+n_y)))
    (Hedges & Olkin, 1985; ``pingouin.compute_esci(eftype="cohen")``).
    """
    nx, ny = len(x), len(y)
    sp = np.sqrt(((nx - 1) * np.var(x, ddof=1) + (ny - 1) * np.var(y, ddof=1)) / (nx + ny - 2))
    d = (np.mean(x) - np.mean(y)) / sp
    g = d * (1 - 3 / (4 * (nx + ny) - 9))
    se = np.sqrt((nx + ny) / (nx * ny) + g**2 / (2 * (nx + ny)))
    crit = stats.t.ppf((1 + ci) / 2, nx + ny - 2)
    return float(g), float(g - crit * se), float(g + crit * se)


def known_groups(
    df: pd.DataFrame,
    group_items: Mapping[str, Sequence[str]],
    group: str = "involved",
    *,
    scale_min: float = 1,
    scale_max: float = 7,
    min_share: float = 0.5,
) -> pd.DataFrame:
    """Compare respondents with ``group == True`` against ``False`` per dimension score.

    For each item group (normally ``Instrument.dimension_items()``) the respondent
    scores of :func:`dimension_scores` are compared:

    * means, SDs and n per group and the difference (True − False) in points;
    * Hedges' g with 95 % CI (:func:`hedges_g`);
    * Welch's t-test (unequal variances; ``scipy.stats.ttest_ind(equal_var=False)``);
    * Mann–Whitney U (two-sided, ``scipy.stats.mannwhitneyu``) with the rank-biserial
      correlation r_rb = 2U/(n₁n₀) − 1 (positive when the True group ranks higher).

    Returns
    -------
    DataFrame, one row per item group.
    """
    scores = dimension_scores(df, group_items, scale_min=scale_min, scale_max=scale_max, min_share=min_share)
    flag = df[group]
    rows = []
    for gid in scores.columns:
        s = scores[gid]
        x = s[(flag == True) & s.notna()].to_numpy(dtype=float)  # noqa: E712 (nullable bool)
        y = s[(flag == False) & s.notna()].to_numpy(dtype=float)  # noqa: E712
        row = {
            "dimension": gid,
            "n_true": len(x),
            "n_false": len(y),
            "mean_true": np.mean(x) if len(x) else np.nan,
            "mean_false": np.mean(y) if len(y) else np.nan,
            "sd_true": np.std(x, ddof=1) if len(x) > 1 else np.nan,
            "sd_false": np.std(y, ddof=1) if len(y) > 1 else np.nan,
        }
        row["difference"] = row["mean_true"] - row["mean_false"]
        if len(x) > 1 and len(y) > 1:
            row["hedges_g"], row["g_ci_low"], row["g_ci_high"] = hedges_g(x, y)
            t = stats.ttest_ind(x, y, equal_var=False)
            row["t_welch"], row["df_welch"], row["p_welch"] = float(t.statistic), float(t.df), float(t.pvalue)
            u = stats.mannwhitneyu(x, y, alternative="two-sided")
            row["u"], row["p_mwu"] = float(u.statistic), float(u.pvalue)
            row["rank_biserial"] = 2 * float(u.statistic) / (len(x) * len(y)) - 1
        rows.append(row)
    return pd.DataFrame(rows)
