"""Careless respondents planted in the synthetic panel (step 3 of ``dimios.synthetic``): the
kinds the quality chapter screens for (straight-lining, random and alternating answers), drawn
with the shares of ``synthetic.yml`` and capped per organisation-year."""

from __future__ import annotations

import numpy as np

from dimios.synthetic.repair import _within_group_rank


def plant_careless(rng, answers, org_idx, n_orgs, cp, lo_ans, hi_ans):
    """Draw each respondent's careless type ("" for a diligent respondent) and overwrite the careless
    respondents' answers (rows of ``answers``, in place) with their pattern; ``org_idx`` is each
    respondent's organisation (0..n_orgs-1), ``cp`` the ``careless`` parameters."""
    n, n_items = answers.shape
    u = rng.random(n)
    ctype = np.full(n, "", dtype=object)
    edges = np.cumsum([cp["straightline"], cp["random"], cp["alternating"]])
    ctype[u < edges[0]] = "straightline"
    ctype[(u >= edges[0]) & (u < edges[1])] = "random"
    ctype[(u >= edges[1]) & (u < edges[2])] = "alternating"
    # at most a share of an organisation-year's respondents are careless, so that its
    # diligent respondents can carry it to its target level (step 4, repair)
    cap = np.floor(np.bincount(org_idx, minlength=n_orgs) * cp["max_share_per_organisation"])
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
    return ctype
