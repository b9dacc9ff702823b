"""Step 4 of the synthetic panel (``dimios.synthetic``): the repair. Diligent respondents'
answers are moved by single steps, at random, until each organisation-year's mean equals its
target to the precision its respondent count allows, so that every organisation lands in its
target level exactly; "vet ej" answers are restored where too few valid answers remain."""

from __future__ import annotations

import numpy as np

def _within_group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element by key within its group."""
    order = np.lexsort((keys, groups))
    g_sorted = groups[order]
    start = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    run_start = np.repeat(start, np.diff(np.r_[start, g_sorted.size]))
    ranks = np.empty(groups.size, dtype=np.int64)
    ranks[order] = np.arange(groups.size) - run_start
    return ranks


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
