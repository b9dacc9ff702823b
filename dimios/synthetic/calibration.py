"""Steps 1 and 2 of the synthetic panel (``dimios.synthetic``): what it is calibrated to. Level
counts per principle and year that reproduce the published spread rows, and the organisations'
target scores placed in the levels' bands, shifted so that the change of the national mean lies in
the published trend class. The generator's parameters (``dimios/synthetic.yml``) are read here."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from dimios import instrument, paths, reference, spread

PARAMS_FILE = "synthetic.yml"


@cache
def params() -> dict:
    text = (Path(__file__).parents[1] / PARAMS_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def published_spread() -> pd.DataFrame:
    return spread.read_published(paths.DATA / params()["published_spread"])


def published_trend_class(principle_id: str) -> str:
    """The published trend class (calibration target 3), from ``dimios.reference``."""
    return reference.trend_class(principle_id)


# ---------------------------------------------------------------- 1. counts
def _count_interval(pct: int, n: int) -> tuple[int, int] | None:
    """Counts c with round_half_up(100 c / n) == pct (pct == 0 means an empty cell: c = 0)."""
    if pct == 0:
        return (0, 0)
    lo = max(1, int(np.ceil((pct - 0.5) * n / 100)))
    hi = int(np.floor((pct + 0.5) * n / 100 - 1e-9))
    cs = [c for c in range(max(lo - 1, 1), hi + 2) if spread.round_half_up_percent(c, n) == pct]
    return (min(cs), max(cs)) if cs else None


def level_counts_for(pcts: list[int], n: int) -> list[int] | None:
    """Integer counts summing to n that reproduce the percentages, closest to pct*n/100."""
    intervals = [_count_interval(p, n) for p in pcts]
    if any(iv is None for iv in intervals):
        return None
    if not sum(iv[0] for iv in intervals) <= n <= sum(iv[1] for iv in intervals):
        return None
    best, best_err = None, None
    for combo in itertools.product(*[range(a, b + 1) for a, b in intervals]):
        if sum(combo) != n:
            continue
        err = sum(abs(c - p * n / 100) for c, p in zip(combo, pcts))
        if best_err is None or err < best_err - 1e-12:
            best, best_err = list(combo), err
    return best


def _feasible(pcts: list[int], n: int) -> bool:
    """Whether some integer counts summing to n round (half up) to every percentage."""
    intervals = [_count_interval(p, n) for p in pcts]
    if any(iv is None for iv in intervals):
        return False
    return sum(iv[0] for iv in intervals) <= n <= sum(iv[1] for iv in intervals)


def minimal_organisation_counts(limit: int = 2000) -> dict[int, int]:
    """Per year, the smallest organisation count that reproduces every published row of that year."""
    pub = published_spread()
    out = {}
    for year, rows in pub.groupby("year"):
        pcts = [[int(0 if pd.isna(v) else v) for v in r] for r in rows[spread.LEVEL_PCT_COLUMNS].to_numpy()]
        out[int(year)] = next((n for n in range(1, limit + 1) if all(_feasible(p, n) for p in pcts)), None)
    return out


def target_counts(scale: float = 1.0) -> pd.DataFrame:
    """Level counts per principle and year (columns principle, year, c1..c4, n)."""
    inst = instrument.load()
    pub = published_spread()
    name_to_id = {p.name_sv: p.id for p in inst.principles}
    n_year = {int(y): int(n) for y, n in params()["organisations_per_year"].items()}
    rows = []
    for rec in pub.itertuples(index=False):
        pcts = [int(0 if pd.isna(getattr(rec, c)) else getattr(rec, c)) for c in spread.LEVEL_PCT_COLUMNS]
        n = n_year[int(rec.year)]
        counts = level_counts_for(pcts, n)
        if counts is None:
            raise ValueError(f"published row {rec.table} {rec.year} is not reachable with {n} organisations")
        if scale != 1.0:
            counts = _scale_counts(counts, n, scale)
        rows.append([name_to_id[rec.principle], int(rec.year), *counts, sum(counts)])
    return pd.DataFrame(rows, columns=["principle", "year", "c1", "c2", "c3", "c4", "n"])


def _scale_counts(counts: list[int], n: int, scale: float) -> list[int]:
    """Counts times ``scale`` (largest remainder), summing to round(n * scale): shares kept."""
    total = max(int(round(n * scale)), 1)
    exact = np.array(counts, dtype=float) * total / n
    out = np.floor(exact).astype(int)
    order = np.argsort(-(exact - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out.tolist()


# ---------------------------------------------------------------- 2. targets
def _fit_normal(counts: np.ndarray, cuts: np.ndarray) -> tuple[float, float]:
    """Normal (mean, sd) whose level probabilities best match the counts."""
    shares = counts / counts.sum()
    cum = np.cumsum(shares)[:-1]

    def loss(theta):
        mu, log_sd = theta
        return float(np.sum((stats.norm.cdf(cuts, mu, np.exp(log_sd)) - cum) ** 2))

    mids = np.array([12.5, 37.5, 62.5, 87.5])
    start = [float(shares @ mids), np.log(12.0)]
    res = optimize.minimize(loss, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-12})
    mu, log_sd = res.x
    return float(mu), float(np.clip(np.exp(log_sd), 6.0, 30.0))


def _band_scores(counts: np.ndarray, mu: float, sd: float, cuts: np.ndarray, margin: float) -> np.ndarray:
    """Sorted target scores: c_k organisations at conditional normal quantiles in band k."""
    edges = np.concatenate([[0.0], cuts, [100.0]])
    out = []
    for k, c in enumerate(counts):
        if c == 0:
            continue
        lo, hi = edges[k] + margin, edges[k + 1] - margin
        f_lo, f_hi = stats.norm.cdf([lo, hi], mu, sd)
        if f_hi - f_lo < 1e-9:  # band far in the tail: spread evenly near the nearer edge
            u = (np.arange(c) + 0.5) / c
            pos = lo + (hi - lo) * (u * 0.3 if mu < lo else 1 - 0.3 * (1 - u))
        else:
            u = f_lo + (np.arange(c) + 0.5) / c * (f_hi - f_lo)
            pos = stats.norm.ppf(u, mu, sd)
        out.append(np.clip(pos, lo, hi))
    return np.concatenate(out)


def target_scores(counts: pd.DataFrame) -> dict[tuple[str, int], np.ndarray]:
    """Sorted organisation target scores per (principle, year), trend-calibrated."""
    p = params()
    cuts = np.asarray(instrument.load().scoring.cut_points)
    margin = float(p["cut_margin"])
    years = sorted(counts["year"].unique())
    first, last = years[0], years[-1]
    fitted = {}
    for rec in counts.itertuples(index=False):
        c = np.array([rec.c1, rec.c2, rec.c3, rec.c4])
        fitted[(rec.principle, rec.year)] = (c, *_fit_normal(c, cuts))
    out = {}
    for pid in counts["principle"].unique():
        goal = float(p["trend_targets"][published_trend_class(pid)])

        def scores_with(shift, year):
            c, mu, sd = fitted[(pid, year)]
            if year == first:
                mu = mu - shift
            elif year == last:
                mu = mu + shift
            return _band_scores(c, mu, sd, cuts, margin)

        def change(shift):
            return scores_with(shift, last).mean() - scores_with(shift, first).mean()

        lo, hi = -40.0, 40.0
        if change(lo) > goal:
            shift = lo
        elif change(hi) < goal:
            shift = hi
        else:
            shift = optimize.brentq(lambda s: change(s) - goal, lo, hi, xtol=1e-4)
        for year in years:
            out[(pid, year)] = scores_with(shift, year)
    return out
