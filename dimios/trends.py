"""National means per principle and year, and the trend class of their change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import instrument

CLASS_SV = {"negative": "negativ", "stable": "stabil", "positive": "positiv"}


def national_means(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean organisation score (percent) per year (rows) and principle (columns).

    Every organisation weighs the same (the unit of the spread tables)."""
    ids = list(instrument.load().principle_ids)
    return org_scores[ids].groupby(level="year").mean()


def classify(change, threshold: float | None = None):
    """'negative' below -threshold, 'positive' above +threshold, otherwise 'stable'.

    A change exactly at the threshold is stable (the class needs *more than* two points)."""
    thr = instrument.load().scoring.trend_threshold if threshold is None else float(threshold)
    c = np.asarray(change, dtype="float64")
    out = np.where(c < -thr, "negative", np.where(c > thr, "positive", "stable"))
    out = np.where(np.isnan(c), None, out)
    return out if out.ndim else out.item()


def principle_trends(org_scores: pd.DataFrame, first: int | None = None, last: int | None = None,
                     threshold: float | None = None) -> pd.DataFrame:
    """Per principle: mean in the first and last year, change (points) and class.

    first/last default to the earliest and latest year in which the principle has scores."""
    means = national_means(org_scores)
    rows = []
    for pid in means.columns:
        s = means[pid].dropna()
        if s.empty:
            rows.append((pid, None, None, np.nan, np.nan, np.nan, None))
            continue
        y0 = first if first is not None else int(s.index.min())
        y1 = last if last is not None else int(s.index.max())
        m0 = s.get(y0, np.nan)
        m1 = s.get(y1, np.nan)
        change = m1 - m0
        rows.append((pid, y0, y1, m0, m1, change, classify(change, threshold)))
    return pd.DataFrame(rows, columns=["principle", "first_year", "last_year", "first_mean", "last_mean",
                                       "change", "trend"]).set_index("principle")
