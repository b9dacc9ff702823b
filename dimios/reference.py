"""The published report as reference: its facts, spread tables and trend classes.

``data/reference/published_report.yml`` holds the facts the report's own chapters state
or check against (history, method, totals, trend classes); the spread tables are
``data/reference/published_spread_2020_2023.csv``. Nothing here is computed from
respondent data: these are the published figures the build is compared with.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import yaml

from dimios import instrument, paths, spread

FACTS_FILE = paths.REFERENCE / "published_report.yml"
TREND_CLASSES = ("negative", "stable", "positive")


@cache
def facts() -> dict:
    return yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))


def published_spread() -> pd.DataFrame:
    """The 104 published spread rows (Tabell 1.1 ... 26.1)."""
    return spread.read_published(paths.PUBLISHED_SPREAD)


def trend_class(principle_id: str) -> str:
    """The published trend class 2020-23 of a principle: negative, stable or positive."""
    instrument.load().principle(principle_id)  # unknown ids are an error, not "positive"
    classes = facts()["trend_classes"]
    for name in ("negative", "stable"):
        if principle_id in classes[name]:
            return name
    return "positive"


def trend_classes() -> pd.Series:
    """Published trend class per principle id (instrument order)."""
    ids = list(instrument.load().principle_ids)
    return pd.Series([trend_class(p) for p in ids], index=pd.Index(ids, name="principle"), name="published")


def identical_tables(published: pd.DataFrame | None = None) -> list[list[str]]:
    """Groups of published spread tables (table numbers) that are equal in every cell."""
    pub = published_spread() if published is None else published
    cells = pub.set_index(["table", "year"])[spread.LEVEL_PCT_COLUMNS].fillna(-1).astype("int64")
    by_table: dict[tuple, list[str]] = {}
    for table, rows in cells.groupby(level="table", sort=False):
        key = tuple(map(tuple, rows.reset_index(level="table", drop=True).sort_index().itertuples()))
        by_table.setdefault(key, []).append(str(table))
    return [tables for tables in by_table.values() if len(tables) > 1]


def inferred_rows(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published rows whose column positions were inferred (a note in the reference CSV)."""
    pub = published_spread() if published is None else published
    return pub[pub["note"].str.len() > 0].reset_index(drop=True)
