"""Peer comparison of the organisation report: the organisation among organisations like it.

Pure functions on tables (no display), used by ``dimios.chapters.peers`` and tested in
``tests/test_peers.py``.

**Comparison groups**, each made of *other* organisations in the same year that have at least
k respondents (the privacy threshold), from the narrowest to the widest:

- ``peer_group``: the same ``organisation_type`` and the same ``peer_group`` (optional contract
  column) as the organisation;
- ``type``: the same ``organisation_type`` (kommun, region, myndighet);
- ``national``: every other organisation in the file (the organisation report's national
  reference when that comes from the data).

**Privacy rule** (``chain_rule``, with m = ``reference_min_organisations`` of ``instrument.yml``):
walking from the widest group that is shown to the narrowest, a group is shown only when it holds
at least m organisations *and* the part of the next wider shown group outside it holds none or at
least m organisations. Otherwise two shown means (or spreads, or percentiles) would differ by
fewer than m organisations, and a reader could work out their score by difference. The rule is
applied to the organisations of a group and again, per principle and per dimension, to the
organisations that have a value for it. A group that is not shown is said to be so, with the
reason, and the comparison falls back to the next wider shown group.

**Statistics** of a shown group per principle, dimension (förmåga, arv) and total: the mean of the
organisations' scores, the shares on levels 1–4, the shares in ``N_BINS`` equal score bins (for the
figure), and the organisation's **percentile**: the mid-rank percentile, 100 × (number of peers
with a lower score + ½ × number with the same score) / number of peers.

**Uncertainty of the organisation's own score**: the standard error of the mean from its
respondents (for a principle: SD of the valid answers / √n; for a dimension or the total, the mean
of principle means, by linearisation: each respondent's contribution
z_i = Σ_p 1[i answered p] (x_ip − m_p) / (P · n_p) and SE² = n / (n − 1) · Σ z_i²), with a 95 %
t interval (n − 1 degrees of freedom). The organisation is *clearly above* (below) the peers when
the whole interval lies above (below) the peers' mean; otherwise the difference is within the
noise and is not called a difference.

**Shipped figures by type** (``data/reference/peer_reference_synthetic.csv``): when the national
reference is the shipped one (a file with only the organisation's own respondents), the peers come
from figures by type computed from the project's *synthetic* default panel
(``python -m dimios.peers`` writes them); they are labelled synthetic wherever they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from dimios import instrument, paths, scoring

LEVELS = ("peer_group", "type", "national")
N_BINS = 8
CONFIDENCE = 0.95
NEXT_STEPS = 5
SHIPPED_FILE = paths.REFERENCE / "peer_reference_synthetic.csv"
SHIPPED_SOURCE = "synthetic"
LEVEL_PCT = ["level_1_pct", "level_2_pct", "level_3_pct", "level_4_pct"]
BIN_PCT = [f"bin_{i + 1}_pct" for i in range(N_BINS)]
SHIPPED_COLUMNS = ["organisation_type", "year", "measure", "n_organisations", "mean_pct", *LEVEL_PCT, *BIN_PCT,
                   "source"]
TYPE_PLURAL_SV = {"kommun": "kommuner", "region": "regioner", "myndighet": "myndigheter"}


def min_organisations() -> int:
    return int(instrument.load().scoring.reference_min_organisations)


def measures() -> list[str]:
    """Every compared measure: the principles, the dimensions and ``overall``."""
    inst = instrument.load()
    return [*inst.principle_ids, *(d.id for d in inst.dimensions), "overall"]


def principles_of(measure: str) -> list[str]:
    inst = instrument.load()
    if measure == "overall":
        return list(inst.principle_ids)
    if measure in {d.id for d in inst.dimensions}:
        return list(inst.principles_in(measure))
    return [measure]


# ------------------------------------------------------------------ statistics of a group
def bin_edges() -> np.ndarray:
    return np.linspace(0.0, 100.0, N_BINS + 1)


def bin_shares(values) -> np.ndarray:
    """Shares (%) of ``values`` in the ``N_BINS`` equal bins of 0–100 (the last bin includes 100)."""
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if not len(v):
        return np.full(N_BINS, np.nan)
    idx = np.clip(np.floor(np.round(v, 9) / (100.0 / N_BINS)).astype(int), 0, N_BINS - 1)
    return np.bincount(idx, minlength=N_BINS) / len(v) * 100.0


def level_shares(values) -> np.ndarray:
    """Shares (%) of ``values`` on the maturity levels 1–4."""
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    if not len(v):
        return np.full(len(LEVEL_PCT), np.nan)
    lv = np.asarray(scoring.to_levels(v), dtype="int64")
    return np.bincount(lv - 1, minlength=len(LEVEL_PCT)) / len(v) * 100.0


def percentile_midrank(score: float, others) -> float:
    """100 × (peers below + ½ × peers equal) / peers; NaN without a score or peers."""
    vals = np.asarray(others, dtype="float64")
    vals = vals[~np.isnan(vals)]
    if score is None or np.isnan(score) or not len(vals):
        return float("nan")
    s, v = np.round(score, 9), np.round(vals, 9)
    return float(100.0 * ((v < s).sum() + 0.5 * (v == s).sum()) / len(v))


def percentile_from_bins(score: float, shares) -> float:
    """Estimated percentile from bin shares: the bins below plus the part of the score's bin below it
    (its organisations taken as spread evenly over the bin)."""
    sh = np.asarray(shares, dtype="float64")
    if score is None or np.isnan(score) or np.isnan(sh).all() or np.nansum(sh) <= 0:
        return float("nan")
    sh = np.nan_to_num(sh) / np.nansum(sh) * 100.0
    width = 100.0 / N_BINS
    b = int(min(max(np.floor(score / width), 0), N_BINS - 1))
    within = min(max((score - b * width) / width, 0.0), 1.0)
    return float(sh[:b].sum() + within * sh[b])


# ------------------------------------------------------------------ the organisation's own score
def own_estimate(answers_pct: pd.DataFrame, min_valid: int | None = None) -> tuple[float, float, int]:
    """(score, standard error, respondents) of the mean of principle means of ``answers_pct``
    (respondents × principles, answers in percent, NaN = no answer).

    A principle with fewer than ``min_valid`` answers has no score and is left out, as in
    ``scoring.organisation_scores``; the SE is the linearisation described in the module docstring
    (for one principle: the SD of its answers / √n). NaN SE with fewer than two respondents."""
    min_valid = instrument.load().scoring.min_valid_answers if min_valid is None else int(min_valid)
    x = np.asarray(answers_pct, dtype="float64")
    if x.ndim == 1:
        x = x[:, None]
    valid = ~np.isnan(x)
    n_p = valid.sum(axis=0)
    keep = n_p >= min_valid
    if not keep.any():
        return float("nan"), float("nan"), 0
    x, valid, n_p = x[:, keep], valid[:, keep], n_p[keep]
    means = np.nansum(x, axis=0) / n_p
    score = float(means.mean())
    P = x.shape[1]
    z = (np.where(valid, x - means, 0.0) / (P * n_p)).sum(axis=1)
    who = valid.any(axis=1)
    n = int(who.sum())
    if n < 2:
        return score, float("nan"), n
    se = float(np.sqrt(n / (n - 1) * np.sum(z[who] ** 2)))
    return score, se, n


def interval(score: float, se: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Two-sided t interval (n − 1 degrees of freedom); NaN when it cannot be computed."""
    from scipy import stats

    if np.isnan(score) or np.isnan(se) or n < 2:
        return float("nan"), float("nan")
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    return score - t * se, score + t * se


def verdict(low: float, high: float, peer_mean: float) -> str:
    """``above`` / ``below`` when the whole interval is above / below the peers' mean, ``within``
    otherwise, ``""`` when something is missing."""
    if any(v is None or np.isnan(v) for v in (low, high, peer_mean)):
        return ""
    if low > peer_mean:
        return "above"
    if high < peer_mean:
        return "below"
    return "within"


# ------------------------------------------------------------------ the privacy rule
@dataclass(frozen=True)
class Decision:
    shown: bool
    reason: str          # "" | "missing" | "too_few" | "difference" | "same"
    number: int          # organisations in the group (too_few) or in the difference (difference)


def chain_rule(groups: list, m: int, widest_shown: bool = False) -> list[Decision]:
    """Which of nested groups (sets of organisation ids, widest first; None: no such group) may be shown.

    ``widest_shown``: the first group is shown anyway (published elsewhere in the report). A group is
    shown when it holds at least ``m`` organisations and differs from the last shown wider group by
    none or at least ``m`` organisations on each side (``same`` when it holds the same organisations)."""
    out: list[Decision] = []
    last = None
    for i, g in enumerate(groups):
        if g is None:
            out.append(Decision(False, "missing", 0))
            continue
        g = frozenset(g)
        if i == 0 and widest_shown:
            out.append(Decision(True, "", len(g)))
            last = g
            continue
        if len(g) < m:
            out.append(Decision(False, "too_few", len(g)))
            continue
        if last is not None:
            outside, inside = len(last - g), len(g - last)
            bad = [c for c in (outside, inside) if 0 < c < m]
            if bad:
                out.append(Decision(False, "difference", min(bad)))
                continue
            if outside == 0 and inside == 0:
                out.append(Decision(True, "same", len(g)))
                last = g
                continue
        out.append(Decision(True, "", len(g)))
        last = g
    return out


# ------------------------------------------------------------------ shipped figures by type
def type_figures(org_scores: pd.DataFrame, m: int | None = None) -> pd.DataFrame:
    """Per organisation type, year and measure: organisations, mean, level and bin shares
    (only groups with at least ``m`` organisations)."""
    m = min_organisations() if m is None else int(m)
    inst = instrument.load()
    values = pd.concat([org_scores[list(inst.principle_ids)], scoring.group_scores(org_scores)[
        [*(d.id for d in inst.dimensions), "overall"]]], axis=1)
    types = org_scores["organisation_type"].astype(str).to_numpy()
    years = org_scores.index.get_level_values("year").to_numpy()
    rows = []
    for t in [t for t in TYPE_PLURAL_SV if t in set(types)]:
        for y in sorted(set(int(v) for v in years[types == t])):
            sel = (types == t) & (years == y)
            for meas in measures():
                v = values.loc[sel, meas].to_numpy(dtype="float64")
                v = v[~np.isnan(v)]
                if len(v) < m:
                    continue
                rows.append({"organisation_type": t, "year": y, "measure": meas, "n_organisations": len(v),
                             "mean_pct": float(v.mean()),
                             **dict(zip(LEVEL_PCT, level_shares(v))), **dict(zip(BIN_PCT, bin_shares(v)))})
    out = pd.DataFrame(rows, columns=SHIPPED_COLUMNS[:-1])
    return out


def shipped_figures_synthetic(panel=None) -> pd.DataFrame:
    """The shipped figures by type, from the default synthetic panel (``synthetic.generate()``)."""
    from dimios import synthetic

    panel = panel if panel is not None else synthetic.generate()
    out = type_figures(scoring.organisation_scores(panel.responses))
    for c in ["mean_pct", *LEVEL_PCT, *BIN_PCT]:
        out[c] = out[c].round(4)
    out["n_organisations"] = out["n_organisations"].astype("int64")
    out["source"] = SHIPPED_SOURCE
    return out[SHIPPED_COLUMNS]


def shipped_csv(panel=None) -> str:
    return shipped_figures_synthetic(panel).to_csv(index=False, lineterminator="\n")


def write_shipped(path: str | Path | None = None, panel=None) -> Path:
    """(Re)write ``data/reference/peer_reference_synthetic.csv`` (``python -m dimios.peers``)."""
    path = Path(path) if path is not None else SHIPPED_FILE
    path.write_bytes(shipped_csv(panel).encode("utf-8"))
    return path


def read_shipped(path: str | Path | None = None) -> pd.DataFrame:
    path = Path(path) if path is not None else SHIPPED_FILE
    return pd.read_csv(path, dtype={"organisation_type": str, "year": "int64", "measure": str,
                                    "n_organisations": "int64", "source": str})


# ------------------------------------------------------------------ the comparison of one organisation
def _values(org_scores: pd.DataFrame) -> pd.DataFrame:
    inst = instrument.load()
    groups = scoring.group_scores(org_scores)
    return pd.concat([org_scores[list(inst.principle_ids)],
                      groups[[*(d.id for d in inst.dimensions), "overall"]]], axis=1)


def own_estimates(own_responses: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Per year and measure: the organisation's score, SE, respondents and 95 % interval."""
    inst = instrument.load()
    rows = []
    for y in years:
        r = own_responses[own_responses["year"] == y]
        pct = inst.scale.to_percent(r[list(inst.principle_ids)].astype("float64"))
        for meas in measures():
            score, se, n = own_estimate(pct[principles_of(meas)])
            lo, hi = interval(score, se, n)
            rows.append({"year": int(y), "measure": meas, "score_pct": score, "se_pct": se, "n_respondents": n,
                         "low_pct": lo, "high_pct": hi})
    return pd.DataFrame(rows)


def peer_groups_of(responses: pd.DataFrame) -> pd.Series:
    """The ``peer_group`` of each organisation-year (NaN when none), indexed like organisation scores."""
    if "peer_group" not in responses.columns:
        idx = pd.MultiIndex.from_frame(responses[list(scoring.ORG_KEYS)].drop_duplicates())
        return pd.Series(np.nan, index=idx, dtype="object")
    g = responses.groupby(list(scoring.ORG_KEYS), sort=True, observed=True)["peer_group"].first()
    return g.astype("object")


@dataclass
class PeerComparison:
    """Groups, per-measure statistics and next steps of one organisation (see the module docstring)."""

    organisation: str
    organisation_type: str
    years: list[int]
    k: int
    m: int
    source: str                      # "data" (other organisations in the file) or "shipped" (synthetic by type)
    groups: pd.DataFrame             # year, level, group, n_organisations, shown, reason, number
    table: pd.DataFrame              # year, level, measure, own and group statistics, shown, reason

    @property
    def latest(self) -> int | None:
        return self.years[-1] if self.years else None

    def primary_level(self, year: int) -> str | None:
        """The narrowest shown peer level (peer_group or type) of ``year``; None: only the national."""
        g = self.groups[(self.groups["year"] == year) & self.groups["shown"]]
        for level in LEVELS[:2]:
            if level in set(g["level"]):
                return level
        return None

    def rows(self, year: int, level: str) -> pd.DataFrame:
        t = self.table
        return t[(t["year"] == year) & (t["level"] == level)].set_index("measure")

    @cached_property
    def next_steps(self) -> pd.DataFrame:
        """Principles below the peers' mean in the latest year, largest gap first (at most ``NEXT_STEPS``)."""
        cols = ["principle", "year", "level", "score_pct", "peer_mean_pct", "gap_pct", "verdict", "own_level"]
        y = self.latest
        lvl = self.primary_level(y) if y is not None else None
        if lvl is None:
            return pd.DataFrame(columns=cols)
        inst = instrument.load()
        r = self.rows(y, lvl).loc[list(inst.principle_ids)]
        r = r[r["shown"] & r["score_pct"].notna() & r["peer_mean_pct"].notna()]
        gap = r["peer_mean_pct"] - r["score_pct"]
        r = r.assign(gap_pct=gap)[gap > 0]
        order = {p: i for i, p in enumerate(inst.principle_ids)}
        r = r.assign(_o=[order[p] for p in r.index]).sort_values(["gap_pct", "_o"], ascending=[False, True])
        r = r.head(NEXT_STEPS)
        out = pd.DataFrame({"principle": r.index, "year": y, "level": lvl, "score_pct": r["score_pct"].to_numpy(),
                            "peer_mean_pct": r["peer_mean_pct"].to_numpy(), "gap_pct": r["gap_pct"].to_numpy(),
                            "verdict": r["verdict"].to_numpy(),
                            "own_level": np.asarray(scoring.to_levels(r["score_pct"].to_numpy()), dtype="float64")})
        return out[cols].reset_index(drop=True)


def _stats_row(own: dict, values: np.ndarray | None, mean: float, n: int, shares=None, bins=None,
               percentile: float | None = None) -> dict:
    if values is not None:
        mean = float(values.mean()) if len(values) else float("nan")
        n = len(values)
        shares, bins = level_shares(values), bin_shares(values)
        percentile = percentile_midrank(own["score_pct"], values)
    shares = np.full(len(LEVEL_PCT), np.nan) if shares is None else shares
    bins = np.full(N_BINS, np.nan) if bins is None else bins
    return {"peer_mean_pct": mean, "n_organisations": n, "difference_pct": own["score_pct"] - mean,
            "percentile": np.nan if percentile is None else percentile,
            "verdict": verdict(own["low_pct"], own["high_pct"], mean),
            **dict(zip(LEVEL_PCT, shares)), **dict(zip(BIN_PCT, bins))}


_EMPTY_STATS = {"peer_mean_pct": np.nan, "n_organisations": np.nan, "difference_pct": np.nan, "percentile": np.nan,
                "verdict": "", **{c: np.nan for c in LEVEL_PCT}, **{c: np.nan for c in BIN_PCT}}


def compare_data(responses: pd.DataFrame, org_scores: pd.DataFrame, organisation: str, years: list[int], k: int,
                 national_shown: bool, m: int | None = None) -> PeerComparison:
    """Comparison with the other organisations of the file (``national_shown``: the report shows the
    national reference from these data, so it bounds the narrower groups)."""
    m = min_organisations() if m is None else int(m)
    ids = org_scores.index.get_level_values("organisation_id").astype(str)
    own = org_scores[ids == organisation].droplevel("organisation_id")
    otype = str(own["organisation_type"].iloc[0]) if len(own) else ""
    values = _values(org_scores)
    pg = peer_groups_of(responses).reindex(org_scores.index)
    types = org_scores["organisation_type"].astype(str).to_numpy()
    yrs = org_scores.index.get_level_values("year").to_numpy()
    eligible = (ids != organisation) & (org_scores["n_respondents"].to_numpy() >= k)
    own_est = own_estimates(responses[responses["organisation_id"].astype(str) == organisation], years)
    group_rows, table_rows = [], []
    for y in years:
        own_group = pg.get((organisation, y), np.nan)
        own_group = None if pd.isna(own_group) else str(own_group)
        nat = eligible & (yrs == y)
        typ = nat & (types == otype)
        sets = {"national": nat, "type": typ,
                "peer_group": None if own_group is None else typ & (pg.to_numpy(dtype=object) == own_group)}
        order = list(LEVELS[::-1])                        # widest first
        member = [None if sets[lv] is None or (lv == "national" and not national_shown) else
                  frozenset(np.asarray(ids)[sets[lv]]) for lv in order]
        decided = dict(zip(order, chain_rule(member, m, widest_shown=national_shown)))
        if not national_shown:
            decided["national"] = Decision(False, "shipped", 0)
        for lv in LEVELS:
            dec = decided[lv]
            group_rows.append({"year": y, "level": lv, "group": own_group if lv == "peer_group" else
                               (otype if lv == "type" else ""),
                               "n_organisations": 0 if sets[lv] is None else int(sets[lv].sum()),
                               "shown": dec.shown, "reason": dec.reason, "number": dec.number})
        est = own_est[own_est["year"] == y].set_index("measure")
        for meas in measures():
            o = est.loc[meas].drop(labels="year").to_dict()
            present = ~np.isnan(values[meas].to_numpy(dtype="float64"))
            cell_sets = [None if sets[lv] is None or not decided[lv].shown or (lv == "national" and not national_shown)
                         else
                         frozenset(np.asarray(ids)[sets[lv] & present]) for lv in order]
            cells = dict(zip(order, chain_rule(cell_sets, m, widest_shown=national_shown)))
            for lv in LEVELS:
                base = {"year": y, "level": lv, "measure": meas, **o}
                if not decided[lv].shown:
                    table_rows.append({**base, **_EMPTY_STATS, "shown": False, "reason": decided[lv].reason})
                elif not cells[lv].shown:
                    table_rows.append({**base, **_EMPTY_STATS, "shown": False, "reason": "measure_" + cells[lv].reason})
                else:
                    v = values[meas].to_numpy(dtype="float64")[sets[lv] & present]
                    table_rows.append({**base, **_stats_row(o, v, np.nan, 0), "shown": True, "reason": ""})
    return PeerComparison(organisation, otype, list(years), k, m, "data", pd.DataFrame(group_rows),
                          pd.DataFrame(table_rows))


def compare_shipped(own_responses: pd.DataFrame, organisation: str, organisation_type: str, years: list[int],
                    k: int, reference, figures: pd.DataFrame | None = None, m: int | None = None) -> PeerComparison:
    """Comparison with the shipped (synthetic) figures by type; ``reference`` is the report's shipped
    national reference (means and published spread per principle)."""
    m = min_organisations() if m is None else int(m)
    figures = read_shipped() if figures is None else figures
    own_est = own_estimates(own_responses, years)
    inst = instrument.load()
    own_groups = peer_groups_of(own_responses)
    group_rows, table_rows = [], []
    for y in years:
        own_group = own_groups.get((organisation, y), np.nan)
        group_reason = "missing" if pd.isna(own_group) else "shipped_no_groups"
        f = figures[(figures["organisation_type"] == organisation_type) & (figures["year"] == y)].set_index("measure")
        n_type = int(f["n_organisations"].max()) if len(f) else 0
        type_shown = n_type >= m
        type_reason = "" if type_shown else ("shipped_no_year" if not len(figures[figures["year"] == y])
                                             else "shipped_too_few")
        group_rows += [
            {"year": y, "level": "peer_group", "group": None if pd.isna(own_group) else str(own_group),
             "n_organisations": 0, "shown": False, "reason": group_reason, "number": 0},
            {"year": y, "level": "type", "group": organisation_type, "n_organisations": n_type, "shown": type_shown,
             "reason": type_reason, "number": n_type},
            {"year": y, "level": "national", "group": "", "n_organisations": 0,
             "shown": bool(y in reference.years), "reason": "" if y in reference.years else "shipped_no_year",
             "number": 0}]
        est = own_est[own_est["year"] == y].set_index("measure")
        nat_means = {p: reference.mean(p, y) for p in inst.principle_ids}
        for meas in measures():
            o = est.loc[meas].drop(labels="year").to_dict()
            base = {"year": y, "measure": meas, **o}
            table_rows.append({**base, "level": "peer_group", **_EMPTY_STATS, "shown": False,
                               "reason": group_reason})
            if type_shown and meas in f.index:
                row = f.loc[meas]
                bins = row[BIN_PCT].to_numpy(dtype="float64")
                table_rows.append({**base, "level": "type", **_stats_row(
                    o, None, float(row["mean_pct"]), int(row["n_organisations"]),
                    row[LEVEL_PCT].to_numpy(dtype="float64"), bins, percentile_from_bins(o["score_pct"], bins)),
                    "shown": True, "reason": ""})
            else:
                table_rows.append({**base, "level": "type", **_EMPTY_STATS, "shown": False,
                                   "reason": type_reason or "measure_too_few"})
            ps = principles_of(meas)
            mean = float(np.mean([nat_means[p] for p in ps])) if y in reference.years else float("nan")
            single = len(ps) == 1
            table_rows.append({**base, "level": "national", **_stats_row(
                o, None, mean, 0, reference.shares(meas, y) if single else None, None,
                reference.percentile(meas, y, o["score_pct"]) if single else None),
                "shown": not np.isnan(mean), "reason": "" if not np.isnan(mean) else "shipped_no_year"})
    table = pd.DataFrame(table_rows)
    table.loc[table["level"] == "national", "n_organisations"] = np.nan
    return PeerComparison(organisation, organisation_type, list(years), k, m, "shipped", pd.DataFrame(group_rows),
                          table)


def for_report(rep) -> PeerComparison:
    """The peer comparison of an ``organisation.OrganisationReport`` (its shown years only)."""
    ctx = rep.ctx
    if rep.reference.kind == "data":
        return compare_data(ctx.responses, ctx.org_scores, rep.organisation, rep.shown_years, rep.k,
                            national_shown=True)
    return compare_shipped(rep.own_responses, rep.organisation, rep.organisation_type, rep.shown_years, rep.k,
                           rep.reference)


if __name__ == "__main__":  # python -m dimios.peers: rewrite the shipped synthetic figures by type
    print(write_shipped())
