"""Spread of organisations over the maturity levels, per principle and year.

``spread_table`` has exactly the columns of the published spread tables
(``data/reference/published_spread_2020_2023.csv``) so the two compare cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import instrument, scoring

LEVEL_PCT_COLUMNS = ["level_1_pct", "level_2_pct", "level_3_pct", "level_4_pct"]
PUBLISHED_COLUMNS = ["table", "principle", "dimension", "year", *LEVEL_PCT_COLUMNS, "note"]
NO_ANSWERS_SV = "inga svar"   # note of a principle and year in the data that no organisation has a score on


def round_half_up_percent(count, total):
    """Integer percent 100*count/total rounded half up, in exact integer arithmetic.

    Python's ``round`` and numpy round half to even (12.5 -> 12); the published
    tables round half up (12.5 -> 13), so this is done on integers: floor((200c + n) / 2n).
    """
    count = np.asarray(count, dtype="int64")
    total = np.asarray(total, dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (200 * count + total) // np.maximum(2 * total, 1), 0)


def level_counts(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Organisations per principle, year and level (long: principle, year, level, count, n).

    Every year of ``org_scores`` has its rows for every principle, also a principle nobody
    answered that year (n = 0)."""
    inst = instrument.load()
    levels = scoring.principle_levels(org_scores)
    years = sorted(int(y) for y in levels.index.get_level_values("year").unique())
    long = levels.reset_index().melt(
        id_vars=scoring.ORG_KEYS, var_name="principle", value_name="level"
    ).dropna(subset=["level"])
    counts = long.groupby(["principle", "year", "level"], observed=True).size()
    full_index = pd.MultiIndex.from_product(
        [list(inst.principle_ids), years, range(1, inst.scoring.n_levels + 1)],
        names=["principle", "year", "level"],
    )
    counts = counts.reindex(full_index, fill_value=0).rename("count").reset_index()
    counts["level"] = counts["level"].astype("int64")
    counts["n"] = counts.groupby(["principle", "year"])["count"].transform("sum")
    order = {pid: i for i, pid in enumerate(inst.principle_ids)}
    counts = counts.sort_values(["principle", "year", "level"], key=lambda s: s.map(order) if s.name == "principle" else s)
    return counts.reset_index(drop=True)


def spread_wide(org_scores: pd.DataFrame) -> pd.DataFrame:
    """One row per principle and year: counts, n and percentages per level (a principle nobody
    answered that year: n = 0 and no percentages)."""
    counts = level_counts(org_scores)
    counts["pct"] = pd.Series(round_half_up_percent(counts["count"], counts["n"]), index=counts.index,
                              dtype="float64").where(counts["n"] > 0)
    wide_c = counts.pivot(index=["principle", "year"], columns="level", values="count")
    wide_p = counts.pivot(index=["principle", "year"], columns="level", values="pct")
    wide_c.columns = [f"level_{k}_n" for k in wide_c.columns]
    wide_p.columns = [f"level_{k}_pct" for k in wide_p.columns]
    n = counts.groupby(["principle", "year"])["n"].first()
    out = pd.concat([wide_c, wide_p, n], axis=1).reset_index()
    order = {pid: i for i, pid in enumerate(instrument.load().principle_ids)}
    out = out.sort_values(["principle", "year"], key=lambda s: s.map(order) if s.name == "principle" else s)
    return out.reset_index(drop=True)


def spread_table(org_scores: pd.DataFrame) -> pd.DataFrame:
    """The spread in the published layout: an empty cell is a level with no organisations."""
    inst = instrument.load()
    wide = spread_wide(org_scores)
    out = pd.DataFrame(
        {
            "table": [f"{inst.principle(p).table}.1" for p in wide["principle"]],
            "principle": [inst.principle(p).name_sv for p in wide["principle"]],
            "dimension": [inst.principle(p).dimension for p in wide["principle"]],
            "year": wide["year"].astype("int64"),
        }
    )
    for k in range(1, inst.scoring.n_levels + 1):
        pct = wide[f"level_{k}_pct"].astype("Int64")
        out[f"level_{k}_pct"] = pct.mask(wide[f"level_{k}_n"] == 0)
    out["note"] = np.where(wide["n"].to_numpy() == 0, NO_ANSWERS_SV, "")
    return out[PUBLISHED_COLUMNS]


def read_published(path) -> pd.DataFrame:
    """A spread CSV in the published layout with integer (nullable) percentages."""
    df = pd.read_csv(path, dtype={"table": str, "note": str}, keep_default_na=False, na_values=[""])
    for col in LEVEL_PCT_COLUMNS:
        df[col] = df[col].astype("Int64")
    df["note"] = df["note"].fillna("")
    return df


def compare(computed: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Cell-by-cell comparison (empty = 0): one row per principle, year and level."""
    key = ["table", "year"]
    a = computed.set_index(key)[LEVEL_PCT_COLUMNS].fillna(0).astype("int64")
    b = published.set_index(key)[LEVEL_PCT_COLUMNS].fillna(0).astype("int64")
    a, b = a.align(b, join="outer")
    diff = (a - b).stack(future_stack=True).rename("difference").reset_index()
    diff.columns = ["table", "year", "level", "difference"]
    diff["computed"] = a.stack(future_stack=True).values
    diff["published"] = b.stack(future_stack=True).values
    return diff


def shown_share(rows, year: int, levels) -> int:
    """The share (percent) at ``levels`` as a reader adds it up from a spread table: the sum of the
    table's per-level shares rounded as shown (an empty cell, no organisation, counts 0). ``rows``:
    one principle's rows of ``spread_wide`` indexed by year. Text beside the table uses this, so that
    it says 91 % beside 88 % + 3 % even where the unrounded total rounds to 90 %."""
    from dimios import display

    return sum(int(display.num(rows.loc[year, f"level_{k}_pct"])) for k in levels
               if rows.loc[year, f"level_{k}_n"] > 0)
