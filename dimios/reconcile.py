"""The build's results against the published figures, as tables (the appendix
"Avstämning mot publicerade siffror" shows them, the data notes count them): every published
spread cell against the computed one, and every principle's published trend class against the
computed one."""

from __future__ import annotations

import pandas as pd

from dimios import reference, spread, trends

TOLERANCE = 1  # percentage points: differences up to this are rounding-sized and only counted


def spread_cells(org_scores: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published cell: table, principle, year, level, published, computed, difference.

    An empty published cell is 0 %. ``computed`` and ``difference`` are missing where the
    data has no organisations with a score for that principle and year."""
    pub = reference.published_spread() if published is None else published
    cmp = spread.compare(spread.spread_table(org_scores), pub)
    names = dict(zip(pub["table"], pub["principle"]))
    keys = pub[["table", "year"]].drop_duplicates()
    cmp = keys.merge(cmp, on=["table", "year"], how="left")  # published cells only, in published order
    cmp["principle"] = cmp["table"].map(names)
    cmp["level"] = cmp["level"].str.extract(r"level_(\d)_pct", expand=False).astype("int64")
    out = cmp[["table", "principle", "year", "level", "published", "computed", "difference"]]
    return out.astype({"published": "Int64", "computed": "Int64", "difference": "Int64"}).reset_index(drop=True)


def spread_summary(cells: pd.DataFrame) -> dict:
    known = cells.dropna(subset=["difference"])
    diff = known["difference"].astype("int64")
    out = {"cells": len(cells), "compared": len(known), "missing": len(cells) - len(known),
           "exact": int((diff == 0).sum()), "within": int((diff.abs() <= TOLERANCE).sum()),
           "max_abs": int(diff.abs().max()) if len(known) else None}
    if len(known) and out["max_abs"]:
        worst = known.loc[diff.abs() == out["max_abs"]].iloc[0]
        out["worst"] = worst
    return out


def per_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Per published table: cells compared, cells equal, largest absolute difference."""
    g = cells.assign(abs_diff=cells["difference"].abs(), equal=(cells["difference"] == 0).fillna(False).astype(bool))
    out = g.groupby(["table", "principle"], sort=False).agg(
        cells=("level", "size"), compared=("difference", "count"),
        equal=("equal", "sum"), max_abs=("abs_diff", "max")).reset_index()
    return out.astype({"equal": "int64"})


def trend_comparison(org_scores: pd.DataFrame) -> pd.DataFrame | None:
    """Per principle: published class and the class computed from the data over the published years.

    None when the data lacks the first or the last published year (no like-for-like comparison)."""
    years = {int(y) for y in org_scores.index.get_level_values("year").unique()}
    first, last = (int(y) for y in reference.facts()["method"]["spread_years"])
    if not {first, last} <= years:
        return None
    tr = trends.principle_trends(org_scores, first=first, last=last)
    out = pd.DataFrame({"principle": tr.index, "first_year": first, "last_year": last,
                        "change": tr["change"].to_numpy(), "computed": tr["trend"].to_numpy()})
    out["published"] = reference.trend_classes().reindex(out["principle"]).to_numpy()
    out["match"] = out["computed"] == out["published"]
    return out


# ---------------------------------------------------------------- the synthetic panel against its targets
def panel_per_year(ctx) -> pd.DataFrame:
    """Organisations (with a score) and respondents per year, and the minimal organisation count."""
    from dimios import synthetic

    org_years = ctx.org_scores.groupby(level="year").size()
    minimal = synthetic.minimal_organisation_counts()
    years = ctx.years
    return pd.DataFrame({
        "year": years,
        "minimal": [minimal.get(y) for y in years],
        "organisations": [int(org_years.get(y, 0)) for y in years],
        "respondents": [int(v) for v in ctx.respondents_per_year().reindex(years, fill_value=0)],
    })


def panel_calibration(ctx) -> dict:
    """How the panel meets its published targets (computed from the data)."""
    summary = spread_summary(spread_cells(ctx.org_scores))
    tc = trend_comparison(ctx.org_scores)
    totals = reference.facts()["totals"]
    return {
        "cells": summary["cells"], "cells_compared": summary["compared"], "cells_exact": summary["exact"],
        "trend": tc, "trend_matches": None if tc is None else int(tc["match"].sum()),
        "organisations": int(ctx.responses["organisation_id"].nunique()),
        "respondents": int(len(ctx.responses)),
        "published_organisations": totals["organisations_more_than"],
        "published_respondents": totals["respondents_more_than"],
    }
