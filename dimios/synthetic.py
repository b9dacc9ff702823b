"""The synthetic default panel, calibrated to the published report.

Method (explained for readers in data/README.md):

1. **Counts.** For each principle and year, level counts ``c_1..c_4`` whose half-up
   rounded percentages equal the published spread row, for the year's organisation
   count (``organisations_per_year``; re-checked here for feasibility).
2. **Organisation targets.** A normal distribution is fitted to the published
   cumulative shares of each row; organisations are ranked by a latent position
   (second-order factor model, persistent over years) and the ``c_k`` organisations
   of level ``k`` are placed at the normal's conditional quantiles inside the level's
   band (kept ``cut_margin`` points from the cut points). The normal's mean is shifted
   (counts fixed) until the 2020 -> 2023 change of the national mean lies in the
   published trend class.
3. **Respondents.** Answers = organisation target + a within-organisation deviation
   from the same factor model + effects of involvement and business area, rounded to
   the scale; "vet ej" is drawn with per-principle and per-respondent propensities;
   careless respondents (straight-lining, random, alternating) are planted.
4. **Repair.** Diligent respondents' answers are moved by single steps, at random,
   until each organisation's mean equals its target to the precision the respondent
   count allows; so every organisation lands in its target level exactly.

Written by hand (no library generates calibrated survey panels); vectorised with numpy.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from dimios import draws, instrument, panel_stamp, paths, reference, spread, validation
from dimios.panel_stamp import generator_fingerprint  # noqa: F401 - ensure_default_panel's (tests replace it)

PARAMS_FILE = "synthetic.yml"


@cache
def params() -> dict:
    text = (Path(__file__).parent / PARAMS_FILE).read_text(encoding="utf-8")
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


# ---------------------------------------------------------------- organisations
@dataclass(frozen=True)
class Panel:
    responses: pd.DataFrame
    truth: pd.DataFrame          # respondent_id, year, careless_type
    organisations: pd.DataFrame  # organisation-year targets (for checks)


def _factor_draw(rng, n, inst, p_lat, item_loading):
    """Standardised scores on the 26 items from the second-order factor model."""
    r = p_lat["dimension_correlation"]
    # N(0, [[1, r], [r, 1]]) without LAPACK or BLAS (dimios.draws): the symmetric square root
    # with the signs numpy's SVD-based multivariate_normal used when the default panel was
    # calibrated, so the panel is the same as before, now on every CPU.
    a, b = math.sqrt((1 + r) / 2), math.sqrt((1 - r) / 2)
    dims = draws.combine(rng.standard_normal((n, 2)), [[-a, -b], [-a, b]])
    dim_index = {d.id: i for i, d in enumerate(inst.dimensions)}
    lc = p_lat["category_loading"]
    cats = {}
    for cat in inst.categories:
        cats[cat.id] = lc * dims[:, dim_index[cat.dimension]] + np.sqrt(1 - lc**2) * rng.standard_normal(n)
    items = np.empty((n, len(inst.principles)))
    for j, pr in enumerate(inst.principles):
        items[:, j] = item_loading * cats[pr.category] + np.sqrt(1 - item_loading**2) * rng.standard_normal(n)
    return items, dims


def _participation(rng, p, years, n_year, total):
    """Boolean matrix organisations x years: column sums ``n_year``, every organisation in some year.

    Each year first admits the newcomers still needed to reach ``total`` distinct
    organisations (spread evenly over the remaining years), then keeps last year's
    organisations with probability ``stay_probability`` as far as room is left, then
    fills up with organisations measured in an earlier year.
    """
    if total > sum(n_year[y] for y in years):
        raise ValueError(f"{total} distinct organisations do not fit into {sum(n_year.values())} organisation-years")
    part = np.zeros((total, len(years)), dtype=bool)
    ever = np.zeros(total, dtype=bool)
    for t, y in enumerate(years):
        need = n_year[y]
        missing = total - int(ever.sum())
        remaining_years = len(years) - t
        want_new = missing if remaining_years == 1 else int(np.ceil(missing / remaining_years))
        want_new = min(want_new, need)
        chosen: list[int] = []
        if t > 0:
            prev = np.flatnonzero(part[:, t - 1])
            stay = prev[rng.random(prev.size) < p["stay_probability"]]
            chosen.extend(stay[: need - want_new].tolist())
        unseen = np.flatnonzero(~ever)
        chosen.extend(rng.permutation(unseen)[:want_new].tolist())
        if len(chosen) < need:  # returners: measured before, not in this year yet
            pool = np.setdiff1d(np.flatnonzero(ever), chosen)
            chosen.extend(rng.permutation(pool)[: need - len(chosen)].tolist())
        if len(chosen) < need:  # more newcomers than planned
            pool = np.setdiff1d(unseen, chosen)
            chosen.extend(rng.permutation(pool)[: need - len(chosen)].tolist())
        if len(chosen) < need:
            raise ValueError(f"year {y}: {need} organisations needed, only {len(chosen)} available")
        part[chosen, t] = True
        ever |= part[:, t]
    if not ever.all():
        raise ValueError(f"only {int(ever.sum())} of {total} organisations could be placed in a year")
    return part


def _rank_positions(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(values.size)
    return ranks


def _within_group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element by key within its group."""
    order = np.lexsort((keys, groups))
    g_sorted = groups[order]
    start = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    run_start = np.repeat(start, np.diff(np.r_[start, g_sorted.size]))
    ranks = np.empty(groups.size, dtype=np.int64)
    ranks[order] = np.arange(groups.size) - run_start
    return ranks


def generate(seed: int | None = None, scale: float = 1.0) -> Panel:
    """Generate the synthetic panel (deterministic for a seed and scale)."""
    inst = instrument.load()
    p = params()
    p_lat = p["latent"]
    seed = int(p["seed"] if seed is None else seed)
    rng = np.random.default_rng(seed)
    years = [int(y) for y in p["years"]]
    pids = list(inst.principle_ids)
    n_items = len(pids)
    scale_cfg = inst.scale
    lo_ans, hi_ans = scale_cfg.min, scale_cfg.max
    step_pct = 100.0 / (hi_ans - lo_ans)

    counts = target_counts(scale)
    n_year = {y: int(counts.loc[counts["year"] == y, "n"].max()) for y in years}
    total = int(round(p["organisations_total"] * scale))
    total = max(total, max(n_year.values()))
    targets = target_scores(counts)

    # organisations
    types = list(p["organisation_types"])
    probs = np.array([p["organisation_types"][t] for t in types])
    org_type = rng.choice(types, size=total, p=probs / probs.sum())
    numbering = {t: 0 for t in types}
    org_ids = []
    for t in org_type:
        numbering[t] += 1
        org_ids.append(f"{p['id_prefix'][t]}{numbering[t]:03d}")
    part = _participation(rng, p, years, n_year, total)

    # latent organisation positions, persistent over years
    rho = p_lat["organisation_persistence"]
    latent = []
    cur, _ = _factor_draw(rng, total, inst, p_lat, p_lat["organisation_item_loading"])
    latent.append(cur)
    for _y in years[1:]:
        nxt, _ = _factor_draw(rng, total, inst, p_lat, p_lat["organisation_item_loading"])
        cur = rho * cur + np.sqrt(1 - rho**2) * nxt
        latent.append(cur)

    # organisation-year targets
    org_rows = []
    target = {}
    for t, y in enumerate(years):
        members = np.flatnonzero(part[:, t])
        tmat = np.empty((members.size, n_items))
        for j, pid in enumerate(pids):
            sc = targets[(pid, y)]
            ranks = _rank_positions(latent[t][members, j])
            tmat[:, j] = sc[ranks]
        target[y] = (members, tmat)
        for m in members:
            org_rows.append((org_ids[m], org_type[m], y))

    # respondents per organisation-year
    rc = p["respondents"]
    blocks = []
    for y in years:
        members, tmat = target[y]
        med = np.array([rc["log_median"][org_type[m]] for m in members])
        size = np.exp(med + rc["log_sd"] * rng.standard_normal(members.size))
        size = np.clip(np.round(size), rc["min"], rc["max"]).astype(int)
        org_idx = np.repeat(np.arange(members.size), size)
        n = org_idx.size
        blocks.append((y, members, tmat, org_idx, n))

    frames, truths = [], []
    group_offset = 0
    all_answers, all_full, all_groups, all_careless, all_targets = [], [], [], [], []
    rid = 0
    for y, members, tmat, org_idx, n in blocks:
        items, _dims = _factor_draw(rng, n, inst, p_lat, p_lat["item_loading"])
        involved = rng.random(n) < rc["involved_share"]
        otype = org_type[members][org_idx]
        area = np.empty(n, dtype=object)
        area_effect = np.zeros(n)
        for t in types:
            mask = otype == t
            names = list(p["business_areas"][t])
            eff = np.array([p["business_areas"][t][a] for a in names])
            pick = rng.integers(0, len(names), size=mask.sum())
            area[mask] = np.array(names, dtype=object)[pick]
            area_effect[mask] = eff[pick]
        dim_of_item = np.array([pr.dimension for pr in inst.principles])
        inv_eff = np.zeros((n, n_items))
        for d, e in p_lat["involved_effect"].items():
            inv_eff[:, dim_of_item == d] = e
        inv_eff = inv_eff * involved[:, None]
        area_eff = np.where(dim_of_item == "digital_formaga", 1.0, 0.3)[None, :] * area_effect[:, None]
        centre = lo_ans + tmat[org_idx] / step_pct
        cont = centre + p_lat["within_sd"] * items + inv_eff + area_eff
        answers = np.clip(np.rint(cont), lo_ans, hi_ans)

        # "vet ej"
        dk = p["dont_know"]
        has_gaps = rng.random(n) < dk["share_with_gaps"]
        person_rate = dk["base_rate"] * rng.gamma(2.0, 0.5, size=n) * has_gaps
        person_rate *= np.where(involved, dk["involved_factor"], dk["not_involved_factor"])
        item_mult = np.array([dk["harder_principles"].get(pid, 1.0) for pid in pids])
        dont_know = rng.random((n, n_items)) < np.clip(person_rate[:, None] * item_mult[None, :], 0, 0.9)

        # careless respondents
        cp = p["careless"]
        u = rng.random(n)
        ctype = np.full(n, "", dtype=object)
        edges = np.cumsum([cp["straightline"], cp["random"], cp["alternating"]])
        ctype[u < edges[0]] = "straightline"
        ctype[(u >= edges[0]) & (u < edges[1])] = "random"
        ctype[(u >= edges[1]) & (u < edges[2])] = "alternating"
        # at most a share of an organisation-year's respondents are careless, so that its
        # diligent respondents can carry it to its target level (step 4, repair)
        cap = np.floor(np.bincount(org_idx, minlength=members.size) * cp["max_share_per_organisation"])
        drawn = np.flatnonzero(ctype != "")
        rank = _within_group_rank(org_idx[drawn], rng.random(drawn.size))
        ctype[drawn[rank >= cap[org_idx[drawn]]]] = ""
        sl = ctype == "straightline"
        answers[sl] = rng.integers(lo_ans, hi_ans + 1, size=sl.sum())[:, None]
        rd = ctype == "random"
        answers[rd] = rng.integers(lo_ans, hi_ans + 1, size=(rd.sum(), n_items))
        al = ctype == "alternating"
        low = rng.integers(lo_ans, lo_ans + 3, size=al.sum())
        high = hi_ans - rng.integers(0, 2, size=al.sum())
        pattern = np.arange(n_items) % 2 == 0
        answers[al] = np.where(pattern[None, :], low[:, None], high[:, None])
        careless = ctype != ""
        dont_know[careless] = False

        groups = group_offset + org_idx
        group_offset += members.size
        all_answers.append(np.where(dont_know, np.nan, answers))
        all_full.append(answers)  # before "vet ej": restored where too few valid answers remain
        all_groups.append(groups)
        all_careless.append(careless)
        all_targets.append(tmat)

        ids = [f"SYN-{y}-{i:06d}" for i in range(rid + 1, rid + n + 1)]
        rid += n
        frames.append(
            pd.DataFrame(
                {
                    "respondent_id": ids,
                    "organisation_id": np.array(org_ids, dtype=object)[members][org_idx],
                    "organisation_type": otype,
                    "year": np.full(n, y, dtype="int64"),
                    "involved": involved,
                    "business_area": area,
                }
            )
        )
        truths.append(pd.DataFrame({"respondent_id": ids, "year": y, "careless_type": ctype}))

    answers = np.vstack(all_answers)
    full_answers = np.vstack(all_full)
    groups = np.concatenate(all_groups)
    careless = np.concatenate(all_careless)
    tmat = np.vstack(all_targets)
    answers = _ensure_min_valid(answers, full_answers, groups, careless, inst.scoring.min_valid_answers, rng)
    answers = _repair(answers, full_answers, groups, careless, tmat, inst, rng)

    responses = pd.concat(frames, ignore_index=True)
    item_frame = pd.DataFrame(answers, columns=pids)
    responses = pd.concat([responses, item_frame], axis=1)
    responses["organisation_type"] = pd.Categorical(responses["organisation_type"], categories=types)
    responses = responses.sort_values(["year", "organisation_id", "respondent_id"], kind="stable").reset_index(drop=True)
    truth = pd.concat(truths, ignore_index=True)
    truth = truth[truth["careless_type"] != ""].reset_index(drop=True)
    orgs = pd.DataFrame(org_rows, columns=["organisation_id", "organisation_type", "year"])
    orgs = pd.concat([orgs, pd.DataFrame(tmat, columns=pids)], axis=1)
    return Panel(responses=responses, truth=truth, organisations=orgs)


def _ensure_min_valid(answers, full, groups, careless, min_valid, rng):
    """Restore "vet ej" answers where an organisation would have too few valid diligent answers."""
    answers = answers.copy()
    for j in range(answers.shape[1]):
        col = answers[:, j]
        valid = ~np.isnan(col) & ~careless
        n_valid = np.bincount(groups, weights=valid, minlength=groups.max() + 1)
        need = np.maximum(min_valid - n_valid, 0)
        cand = np.isnan(col) & ~careless
        if not (need[groups] > 0).any():
            continue
        idx = np.flatnonzero(cand & (need[groups] > 0))
        ranks = _within_group_rank(groups[idx], rng.random(idx.size))
        restore = idx[ranks < need[groups[idx]]]
        col[restore] = full[restore, j]
    return answers


def _repair(answers, full, groups, careless, tmat, inst, rng):
    """Move diligent answers by single steps until each organisation hits its target.

    The target sum of answers per organisation-year and principle is the rounded
    target mean times the number of valid answers, nudged so its mean lies in the
    target level's band. Where the diligent answers cannot reach it (a few valid
    answers far from the target beside careless ones), the group's "vet ej" answers
    of diligent respondents are restored and the step is repeated.
    """
    answers = answers.copy()
    n_groups = tmat.shape[0]
    for j in range(answers.shape[1]):
        col = answers[:, j]
        off = _repair_column(col, groups, careless, tmat[:, j], n_groups, inst, rng)
        if off.any():
            restore = np.isnan(col) & ~careless & off[groups]
            col[restore] = full[restore, j]
            off = _repair_column(col, groups, careless, tmat[:, j], n_groups, inst, rng)
        wrong = _level_misses(col, groups, tmat[:, j], n_groups, inst)
        if wrong.any():
            raise RuntimeError(f"synthetic panel: {int(wrong.sum())} organisation-years miss their target level "
                               f"on {inst.principles[j].id}")
        answers[:, j] = col
    return answers


def _level_misses(col, groups, t_pct, n_groups, inst):
    """Groups whose mean answer is not in the target level (groups without answers are not checked)."""
    cuts = np.asarray(inst.scoring.cut_points)
    valid = ~np.isnan(col)
    n = np.bincount(groups, weights=valid, minlength=n_groups)
    total = np.bincount(groups, weights=np.where(valid, col, 0.0), minlength=n_groups)
    mean_pct = inst.scale.to_percent(total / np.maximum(n, 1))
    got = np.searchsorted(cuts, np.round(mean_pct, 9), side="right")
    return (n > 0) & (got != np.searchsorted(cuts, t_pct, side="right"))


def _repair_column(col, groups, careless, t_pct, n_groups, inst, rng, max_passes=200):
    """One principle's repair (in place); returns the groups still off their goal."""
    lo_ans, hi_ans = inst.scale.min, inst.scale.max
    step = 100.0 / (hi_ans - lo_ans)
    cuts = np.asarray(inst.scoring.cut_points)
    valid = ~np.isnan(col)
    n_valid = np.bincount(groups, weights=valid, minlength=n_groups)
    t_level = np.searchsorted(cuts, t_pct, side="right")
    goal = np.rint((lo_ans + t_pct / step) * n_valid)
    # nudge into the band
    for _ in range(3):
        mean_pct = np.where(n_valid > 0, (goal / np.maximum(n_valid, 1) - lo_ans) * step, 0)
        lvl = np.searchsorted(cuts, mean_pct, side="right")
        goal = goal + (lvl < t_level) - (lvl > t_level)
    movable = valid & ~careless
    diff = np.zeros(n_groups, dtype=np.int64)
    for _ in range(max_passes):
        s = np.bincount(groups, weights=np.where(valid, col, 0.0), minlength=n_groups)
        diff = (goal - s).astype(np.int64)
        if not diff.any():
            break
        d = diff[groups]
        can = movable & (((d > 0) & (col < hi_ans)) | ((d < 0) & (col > lo_ans)))
        idx = np.flatnonzero(can)
        if idx.size == 0:
            break
        ranks = _within_group_rank(groups[idx], rng.random(idx.size))
        move = idx[ranks < np.abs(d[idx])]
        col[move] += np.sign(d[move])
    return diff != 0


def truth_path_for(out) -> "Path":
    """The careless ground-truth file written beside a synthetic panel file."""
    out = Path(out)
    return out.with_name(out.name.split(".")[0] + ".careless_truth.csv")


def write_panel(out, seed: int | None = None, scale: float = 1.0) -> Path:
    """Generate and write the panel (format by suffix) and its ground truth; returns the truth path."""
    from dimios import io

    panel = generate(seed=seed, scale=scale)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    io.write_responses(panel.responses, out)
    truth = truth_path_for(out)
    panel.truth.to_csv(truth, index=False, lineterminator="\n")
    return truth


def default_panel_path() -> Path:
    """Where the default panel lives (generated on first use; deterministic)."""
    return paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"


def ensure_default_panel() -> Path:
    """The default panel, (re)generated when missing or made by another version of the generator."""
    path = default_panel_path()
    stamp = panel_stamp.stamp_path(path)
    fingerprint = generator_fingerprint()
    if not path.exists() or not stamp.exists() or stamp.read_text().strip() != fingerprint:
        write_panel(path)
        stamp.write_text(fingerprint + "\n")
    return path


# --------------------------------------------------------------------------- panel fingerprint
# Recognising the default panel by its content (not by the ``SYN-`` id prefix, which a user's
# modified copy keeps): ``is_default_panel`` compares the canonical fingerprint of a response
# table with the committed fingerprint of the default panel (DEFAULT_PANEL_FILE).

DEFAULT_PANEL_FILE = "default_panel.yml"


def _canonical_cells(col: pd.Series) -> list[str]:
    """One column as canonical JSON texts: numbers without trailing zeros (3.0 -> 3), text as a
    JSON string, missing as null, booleans as true/false."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return ["true" if v else "false" for v in col.to_numpy(dtype=bool)]
    if pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(values.shape, "null", dtype=object)
        ok = ~np.isnan(values)
        whole = ok & (values == np.floor(values)) & (np.abs(values) < 2.0**53)
        out[whole] = values[whole].astype(np.int64).astype(str)
        rest = ok & ~whole
        out[rest] = [repr(v) for v in values[rest].tolist()]
        return out.tolist()
    import json

    return ["null" if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else json.dumps(str(v), ensure_ascii=False)
            for v in col.astype(object).tolist()]


def _canonical_rows(responses: pd.DataFrame) -> tuple[bytes, list[tuple[bytes, int]]]:
    """The header line, and the row lines with their year, sorted bytewise by line."""
    cols = [c for c in validation.contract_columns()
            if c not in validation.OPTIONAL_COLUMNS or (c in responses.columns and responses[c].notna().any())]
    missing = [c for c in cols if c not in responses.columns]
    if missing:
        raise ValueError("not a response table: missing column(s) " + ", ".join(missing))
    cells = [_canonical_cells(responses[c]) for c in cols]
    years = responses["year"].to_numpy(dtype="float64", na_value=np.nan).tolist()
    rows = sorted((("[" + ",".join(row) + "]\n").encode(), int(y) if y == y else -1)
                  for row, y in zip(zip(*cells), years))
    header = ("[" + ",".join(f'"{c}"' for c in cols) + "]\n").encode()
    return header, rows


def panel_fingerprint(responses: pd.DataFrame) -> str:
    """sha256 (hex) of the canonical bytes of a response table.

    The canonical bytes: a header line with the contract's column names in the contract's
    order (an optional column that is absent or wholly empty is left out, so that a new optional
    column in the contract does not change the fingerprint of a table without it), then one line per respondent row, each a JSON array of the row's cells in that
    order (numbers as the shortest exact text, 3.0 -> 3; text as a JSON string; missing as
    null), the lines sorted bytewise. Other columns are ignored. So the fingerprint does not
    depend on the file format (CSV, xlsx, parquet), nor on the order of columns or rows in the
    file: the table as read by ``dimios.io.read_responses`` and the table made by ``generate``
    give the same fingerprint.

    Used to recognise the project's default panel by its content (``is_default_panel``), e.g.
    for the report's description of the data (a user's edited copy of the panel keeps the
    ``SYN-`` ids but is not the default panel), and committed as a fingerprint of what is
    published (``DEFAULT_PANEL_FILE``; the tests regenerate it).
    """
    import hashlib

    header, lines = _canonical_rows(responses)
    h = hashlib.sha256(header)
    for line, _ in lines:
        h.update(line)
    return h.hexdigest()


def panel_year_fingerprints(responses: pd.DataFrame) -> dict[int, str]:
    """{year: fingerprint of that year's rows} (canonical bytes as in ``panel_fingerprint``)."""
    import hashlib

    header, lines = _canonical_rows(responses)
    out: dict[int, "hashlib._Hash"] = {}
    for line, year in lines:
        out.setdefault(year, hashlib.sha256(header)).update(line)
    return {y: h.hexdigest() for y, h in sorted(out.items())}


def default_panel_fingerprints() -> dict:
    """The committed fingerprints of the default panel: ``{"sha256": whole panel,
    "years": {year: sha256 of that year's rows}, "rows": row count}``."""
    data = yaml.safe_load((Path(__file__).parent / DEFAULT_PANEL_FILE).read_text(encoding="utf-8"))
    return {"sha256": str(data["sha256"]), "rows": int(data["rows"]),
            "years": {int(y): str(v) for y, v in data["years"].items()}}


def is_default_panel(responses: pd.DataFrame, *, allow_year_subset: bool = False) -> bool:
    """Whether a response table is the project's default synthetic panel, by content.

    Compares ``panel_fingerprint`` with the committed fingerprint; any change to a cell, a
    row added or removed gives False, whatever the ids look like. With
    ``allow_year_subset=True`` the table may also be the default panel restricted to some of
    its years (as ``dimios build -y`` reads it): each year present must equal that year of the
    default panel exactly. Tables that are not response tables (contract columns missing)
    give False.
    """
    try:
        ref = default_panel_fingerprints()
        if not allow_year_subset:
            return len(responses) == ref["rows"] and panel_fingerprint(responses) == ref["sha256"]
        got = panel_year_fingerprints(responses)
    except ValueError:
        return False
    return bool(got) and all(ref["years"].get(y) == fp for y, fp in got.items())


def write_default_panel_fingerprints(responses: pd.DataFrame | None = None) -> Path:
    """Write DEFAULT_PANEL_FILE from the default panel (regenerated; ``dimios fingerprint --write``)."""
    responses = generate().responses if responses is None else responses
    years = panel_year_fingerprints(responses)
    text = ("# sha256 of the default synthetic panel's canonical bytes (dimios.synthetic.panel_fingerprint),\n"
            "# whole panel and per year. Checked by tests/test_fingerprints.py; rewritten on purpose by\n"
            "# `make fingerprints` after an intended change of the panel.\n"
            f"sha256: {panel_fingerprint(responses)}\n"
            f"rows: {len(responses)}\n"
            "years:\n" + "".join(f"  {y}: {fp}\n" for y, fp in years.items()))
    path = Path(__file__).parent / DEFAULT_PANEL_FILE
    path.write_text(text, encoding="utf-8")
    return path
