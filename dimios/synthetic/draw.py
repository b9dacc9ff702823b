"""Step 3 of the synthetic panel (``dimios.synthetic``): drawing it. Organisations (types, ids,
the years they take part in) and their latent positions, their target scores from the calibration,
then respondents per organisation-year: answers from the factor model with effects of involvement
and business area, "vet ej" and careless respondents; the repair (step 4) finishes ``generate``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dimios import draws, instrument
from dimios.synthetic.calibration import params, target_counts, target_scores
from dimios.synthetic.careless import plant_careless
from dimios.synthetic.repair import _ensure_min_valid, _repair

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
        ctype = plant_careless(rng, answers, org_idx, members.size, p["careless"], lo_ans, hi_ans)
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
