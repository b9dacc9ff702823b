"""Scores and maturity levels, from respondent answers to organisations.

All functions are vectorised over respondents (pandas groupby / numpy); the scale,
the minimum number of valid answers and the cut points come from the instrument.

Definitions (stated in the report's method chapter):
- respondent score on a principle, in percent: (answer - min) / (max - min) * 100;
- organisation-year principle score: mean of its respondents' valid answers in
  percent; missing when fewer than ``min_valid_answers`` respondents answered;
- category / dimension / overall score of an organisation: mean of its available
  principle scores in that group;
- level 1-4: level k+1 when the score is at or above the k-th cut point;
- position in the plane: (digital förmåga, digitalt arv) dimension scores, and the
  quadrant type split at ``quadrant_split`` on both axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import instrument

ORG_KEYS = ["organisation_id", "year"]


def organisation_scores(responses: pd.DataFrame, min_valid: int | None = None) -> pd.DataFrame:
    """Organisation-year principle scores in percent.

    Returns a DataFrame indexed by (organisation_id, year) with one column per
    principle (NaN where fewer than ``min_valid`` valid answers), plus
    ``organisation_type`` and ``n_respondents``.
    """
    inst = instrument.load()
    min_valid = inst.scoring.min_valid_answers if min_valid is None else int(min_valid)
    # Mean on the answer scale first, then the transform: a mean exactly at a cut
    # point (e.g. answers averaging 4.0 -> 50 %) is then exact in floating point.
    answers = responses[list(inst.principle_ids)].astype("float64")
    keys = [responses[k] for k in ORG_KEYS]
    grouped = answers.groupby(keys, sort=True, observed=True)
    means = inst.scale.to_percent(grouped.mean())
    counts = grouped.count()
    scores = means.where(counts >= min_valid)
    meta = responses.groupby(keys, sort=True, observed=True).agg(
        organisation_type=("organisation_type", "first"),
        n_respondents=("respondent_id", "size"),
    )
    out = pd.concat([meta, scores], axis=1)
    out.index.names = ORG_KEYS
    return out


def to_levels(scores: pd.DataFrame | pd.Series | np.ndarray):
    """Maturity level 1..4 of scores in percent (nullable Int8; NA stays NA).

    A score exactly at a cut point belongs to the upper level.
    """
    cuts = np.asarray(instrument.load().scoring.cut_points)
    # rounding to 9 decimals guards cut points against floating-point noise (49.9999999)
    values = np.round(np.asarray(scores, dtype="float64"), 9)
    levels = np.searchsorted(cuts, values, side="right") + 1
    levels = np.where(np.isnan(values), 0, levels).astype("int8")
    if isinstance(scores, pd.DataFrame):
        out = pd.DataFrame(levels, index=scores.index, columns=scores.columns).astype("Int8")
        return out.mask(scores.isna())
    if isinstance(scores, pd.Series):
        return pd.Series(levels, index=scores.index, name=scores.name).astype("Int8").mask(scores.isna())
    return np.where(np.isnan(values), -1, levels)


def principle_levels(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Levels of the principle columns of ``organisation_scores``."""
    ids = list(instrument.load().principle_ids)
    return to_levels(org_scores[ids])


def group_scores(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Category, dimension and overall scores per organisation-year.

    Each is the mean of the organisation's available principle scores in the group.
    Columns: the six category ids, the two dimension ids and ``overall``.
    """
    inst = instrument.load()
    cols = {}
    for cat in inst.categories:
        cols[cat.id] = org_scores[list(inst.principles_in(cat.id))].mean(axis=1)
    for dim in inst.dimensions:
        cols[dim.id] = org_scores[list(inst.principles_in(dim.id))].mean(axis=1)
    cols["overall"] = org_scores[list(inst.principle_ids)].mean(axis=1)
    return pd.DataFrame(cols, index=org_scores.index)


def quadrant_of(formaga, arv):
    """Quadrant id for förmåga and arv scores (arrays): split at ``quadrant_split``."""
    inst = instrument.load()
    split = inst.scoring.quadrant_split
    f_hi = np.asarray(formaga, dtype="float64") >= split
    a_hi = np.asarray(arv, dtype="float64") >= split
    lookup = {(q.formaga == "high", q.arv == "high"): q.id for q in inst.quadrants}
    out = np.empty(f_hi.shape, dtype=object)
    for (f, a), qid in lookup.items():
        out[(f_hi == f) & (a_hi == a)] = qid
    missing = np.isnan(np.asarray(formaga, dtype="float64")) | np.isnan(np.asarray(arv, dtype="float64"))
    out[missing] = None
    return out


def positions(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Each organisation-year's place in the förmåga x arv plane and its quadrant type."""
    inst = instrument.load()
    groups = group_scores(org_scores)
    dim_f, dim_a = (d.id for d in inst.dimensions)
    out = groups[[dim_f, dim_a, "overall"]].copy()
    out["quadrant"] = quadrant_of(out[dim_f], out[dim_a])
    names = {q.id: q.name_sv for q in inst.quadrants}
    out["quadrant_name"] = out["quadrant"].map(names)
    return out
