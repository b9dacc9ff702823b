"""``validate(raw, path)``: the raw table as read from a file (cells as text, or as typed values
from parquet/xlsx; the DataFrame index holds the row number the user sees in the file) checked
against the data contract (``dimios.validation.contract``) and returned as its typed table, or
``DataValidationError`` listing **all** problems at once. Nothing is coerced silently: every
change made while reading is appended to ``notes``.

Here the checks of the whole table: the header (missing, repeated, unknown columns, a second
header row, short rows), the pandera rules on the meta columns, one row per respondent and year,
one peer group per organisation and year. The cells of each column are read by
``dimios.validation.cells``; ``Problem`` objects are built only for offending cells (at most
``max_problems``; the totals are still counted).
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from dimios import instrument as _instrument
from dimios.validation.cells import _answer_notes, _as_text, _fmt_n, _parse_answers, _parse_involved, _parse_year
from dimios.validation.contract import (ID_COLUMNS, MIN_YEAR, ORGANISATION_TYPES, STRING_DTYPE, TEXT_COLUMNS,
                                        contract_columns, max_year, norm_text, required_columns)
from dimios.validation.problems import MAX_PROBLEMS, _Collector, _quote

def _column_problems(raw: pd.DataFrame, instr, out: _Collector) -> None:
    contract = contract_columns(instr)
    names = [str(c) for c in raw.columns]
    seen = {}
    for c in names:
        seen[c] = seen.get(c, 0) + 1
    for c, k in seen.items():
        if k > 1:
            out.add(None, c, None, "each column once", note=f"appears {k} times in the header")
    for c in required_columns(instr):
        if c not in seen:
            out.add(None, c, None, "a required column of the data contract", note="missing from the header")
    lookup = {norm_text(c): c for c in contract}
    for c in seen:  # each name once: a repeated unknown column is one unknown column
        if c in contract:
            continue
        if not c.strip() or c.startswith("(unnamed column"):
            out.add(None, c, None, "a header for every column that holds data",
                    note="column without a header")
            continue
        close = difflib.get_close_matches(norm_text(c), list(lookup), n=1, cutoff=0.75)
        hint = f" (did you mean '{lookup[close[0]]}'?)" if close else \
            " (or map it with a column-mapping file)"
        out.add(None, c, None, "a column of the data contract" + hint, note="unknown column")


def validate(raw: pd.DataFrame, path, *, instr=None, notes: list[str] | None = None,
             max_problems: int = MAX_PROBLEMS) -> pd.DataFrame:
    """Check a raw table against the data contract and return the typed table.

    ``raw``: cells as read (text, or typed values from parquet/xlsx); its index is the
    row number the user sees in the file. Header renaming (mapping file, statements)
    is done by ``dimios.io`` before this is called. Raises ``DataValidationError``
    with every problem found; appends every change made to ``notes``.
    """
    instr = instr or _instrument.load()
    notes = notes if notes is not None else []
    out = _Collector(path, max_problems)
    hi = max_year()

    # ---- file-level
    if raw is None or raw.shape[1] == 0:
        out.add(None, None, None, "a header row with the columns " + ", ".join(required_columns(instr)[:6]) + ", …",
                note="the file is empty")
        raise out.error()
    if raw.shape[1] == 1 and len(required_columns(instr)) > 1:
        header = str(raw.columns[0])
        seps = [name for ch, name in (("\t", "tab"), (";", "semicolon"), (",", "comma"), ("|", "vertical bar"))
                if ch in header]
        found = f" (the header contains {' and '.join(seps)} characters: wrong delimiter?)" if seps else ""
        out.add(None, None, header, "columns separated by comma or semicolon" + found,
                note="the file has a single column")
        raise out.error()

    _column_problems(raw, instr, out)
    second = raw.attrs.get("second_header")
    if second:  # set by dimios.io when the first data row holds column names
        shown = ", ".join(_quote(n, 30) for n in second["names"][:3]) + (", …" if len(second["names"]) > 3 else "")
        out.add(second["row"], None, None,
                "one header row with one name per column (unmerge the header cells and put every column's name "
                "in a single row, e.g. 'portfoljstyrning' or the survey statement)",
                note=f"this row holds {len(second['names'])} column names ({shown}): the file seems to have two "
                     "header rows")
    short = raw.attrs.get("short_rows")
    if short:  # set by dimios.io for CSV rows with fewer cells than the header
        k = len(short["rows"])
        out.add_many(short["rows"][:max_problems], None, [None] * min(k, max_problems),
                     f"{short['expected']} cells per row (as many as the header has)", total=k,
                     note=[f"{c} cells (a missing delimiter?)" for c in short["cells"][:max_problems]])
    if len(raw) == 0:
        out.add(None, None, None, "at least one data row below the header", note="header only, no data rows")
        raise out.error()

    cols = [str(c) for c in raw.columns]
    unique_cols = {c for c in cols if cols.count(c) == 1}
    present = set(cols)

    def col(name) -> pd.Series | None:
        return raw[name] if name in unique_cols else None

    n = len(raw)
    rows = raw.index
    parsed: dict[str, object] = {}

    # ---- ids, organisation_type, business_area
    stripped = {}
    for name in ID_COLUMNS + ("organisation_type",) + TEXT_COLUMNS:
        c = col(name)
        if c is None:
            continue
        txt = _as_text(c)
        if not pd.api.types.is_string_dtype(c.dtype) and not pd.api.types.is_object_dtype(c.dtype):
            notes.append(f"{name}: numbers converted to text")
        elif name not in TEXT_COLUMNS:
            orig = c.astype(STRING_DTYPE)
            changed = int((orig.notna() & txt.notna() & orig.ne(txt)).sum())
            if changed:
                stripped[name] = changed
        parsed[name] = txt
    if stripped:
        notes.append("leading/trailing spaces removed: " + ", ".join(f"{k} ({_fmt_n(v)} cells)" for k, v in stripped.items()))
    if "organisation_type" in parsed:
        ot = parsed["organisation_type"]
        lowered = ot.str.lower()
        n_case = int((lowered.notna() & lowered.ne(ot)).sum())
        if n_case:
            notes.append(f"organisation_type: {_fmt_n(n_case)} values with capitals read in lower case (e.g. 'Kommun' → 'kommun')")
        parsed["organisation_type"] = lowered
    if "business_area" in parsed:
        n_empty = int(parsed["business_area"].isna().sum())
        if n_empty:
            notes.append(f"business_area: {_fmt_n(n_empty)} empty cells read as missing")
    elif "business_area" not in present:
        notes.append("business_area: column absent, added as an empty (missing) column")

    # ---- year, involved
    if col("year") is not None:
        parsed["year"] = _parse_year(col("year"), out, notes, hi)
    if "peer_group" in parsed and "organisation_id" in parsed and "year" in parsed:
        _peer_group_problems(parsed, rows, out)
    if col("involved") is not None:
        parsed["involved"] = _parse_involved(col("involved"), out, notes)

    # ---- pandera rules on the parsed meta columns
    rule_cols = [c for c in ("respondent_id", "organisation_id", "organisation_type", "year") if c in parsed]
    if rule_cols:
        _apply_rules(pd.DataFrame({c: parsed[c] for c in rule_cols}, index=rows), hi, out, raw)

    # ---- answers
    stats = {"empty": 0, "dont_know": 0, "dont_know_variants": {}, "label": 0, "label_values": set(),
             "decimal_comma": 0, "decimal": 0}
    for pid in instr.principle_ids:
        c = col(pid)
        if c is not None:
            parsed[pid] = _parse_answers(c, pid, instr, out, stats)
    _answer_notes(stats, instr, notes)

    # ---- duplicates respondent-year
    if "respondent_id" in parsed and "year" in parsed:
        frame = pd.DataFrame({"respondent_id": parsed["respondent_id"], "year": parsed["year"]}, index=rows)
        frame["_row"] = np.asarray(rows)
        frame = frame[frame["respondent_id"].notna() & frame["year"].notna()]
        _duplicates(frame, out)

    if out:
        raise out.error()

    # ---- typed output
    rng = pd.RangeIndex(n)

    def series(values, dtype=None) -> pd.Series:
        if isinstance(values, pd.Series):
            out_s = values.reset_index(drop=True)
        else:
            out_s = pd.Series(values, index=rng)
        return out_s.astype(dtype) if dtype is not None and out_s.dtype != dtype else out_s

    data = {}
    for name in contract_columns(instr):
        if name in ID_COLUMNS:
            data[name] = series(parsed[name], STRING_DTYPE)
        elif name == "organisation_type":
            data[name] = series(parsed[name], pd.CategoricalDtype(list(ORGANISATION_TYPES)))
        elif name == "year":
            data[name] = series(np.asarray(parsed[name], dtype="float64").astype("int64"))
        elif name == "involved":
            data[name] = series(np.asarray(parsed[name], dtype=bool))
        elif name in TEXT_COLUMNS:
            data[name] = series(parsed[name] if name in parsed else np.full(n, np.nan, dtype=object), STRING_DTYPE)
        else:
            data[name] = series(parsed[name])
    return pd.DataFrame(data, copy=False)


def _peer_group_problems(parsed: dict, rows, out: _Collector) -> None:
    """One ``peer_group`` per organisation and year: every row of an organisation-year must carry the
    value of its first row (an empty cell differs from a filled one)."""
    frame = pd.DataFrame({"org": parsed["organisation_id"], "year": parsed["year"],
                          "group": parsed["peer_group"].fillna("\x00")}, index=rows)
    frame = frame[frame["org"].notna() & frame["year"].notna()]
    first = frame.groupby(["org", "year"], sort=False)["group"].transform("first")
    bad = frame["group"].ne(first).to_numpy()
    if not bad.any():
        return
    pos = np.flatnonzero(bad)
    take = pos[:MAX_PROBLEMS]

    def shown(v):
        return "(empty)" if v == "\x00" else v

    out.add_many(np.asarray(rows)[take], "peer_group", [shown(frame["group"].iat[p]) for p in take],
                 "one peer_group per organisation and year (the same on all its rows)", total=len(pos),
                 note=[f"{frame['org'].iat[p]}, {int(frame['year'].iat[p])} has {shown(first.iat[p])!r} "
                       "on an earlier row" for p in take])


def _apply_rules(frame: pd.DataFrame, hi: int, out: _Collector, raw: pd.DataFrame) -> None:
    import pandera.errors as pe

    # NaN year cells were reported by the year parser; empty ids/types must be reported here.
    try:
        _rules_schema(hi).validate(frame, lazy=True)
        return
    except pe.SchemaErrors as err:
        fc = err.failure_cases
    fc = fc[fc["column"].notna() & fc["index"].notna()]
    for (column, check), grp in fc.groupby(["column", "check"], sort=False):
        column = str(column)
        idx = grp["index"].to_numpy()
        check = str(check)
        if check == "not_nullable":
            if column == "year":
                continue
            expected = "a non-empty id" if column in ID_COLUMNS else "one of " + ", ".join(ORGANISATION_TYPES)
            out.add_many(idx[:MAX_PROBLEMS], column, [None] * min(len(idx), MAX_PROBLEMS), expected,
                         total=len(idx), note="empty")
            continue
        if check.startswith("an integer year"):
            values = raw.loc[idx[:MAX_PROBLEMS], column].tolist()
        else:
            values = grp["failure_case"].tolist()[:MAX_PROBLEMS]
        out.add_many(idx[:MAX_PROBLEMS], column, values, check, total=len(idx))


def _duplicates(frame: pd.DataFrame, out: _Collector) -> None:
    """Rows whose (respondent_id, year) repeats an earlier row."""
    dup = frame.duplicated(["respondent_id", "year"], keep=False).to_numpy()
    if not dup.any():
        return
    sub = frame.loc[dup, ["respondent_id", "year", "_row"]]
    first_row = sub.groupby(["respondent_id", "year"], sort=False)["_row"].transform("first").to_numpy()
    rows = sub["_row"].to_numpy()
    later = rows != first_row
    pos = np.flatnonzero(later)
    take = pos[:MAX_PROBLEMS]
    vals = [f"{sub['respondent_id'].iat[p]}, {int(sub['year'].iat[p])}" for p in take]
    out.add_many(rows[take], "respondent_id+year", vals, "one row per respondent and year",
                 total=len(pos), note=[f"duplicate of row {int(first_row[p])}" for p in take])


def _rules_schema(hi: int):
    """pandera checks on the parsed (not yet typed) meta columns; NaN cells were
    already reported by the parsers and are skipped here (nullable)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "respondent_id": pa.Column(checks=pa.Check.str_length(min_value=1, error="a non-empty id"),
                                       nullable=False, required=False),
            "organisation_id": pa.Column(checks=pa.Check.str_length(min_value=1, error="a non-empty id"),
                                         nullable=False, required=False),
            "organisation_type": pa.Column(
                checks=pa.Check.isin(list(ORGANISATION_TYPES), error="one of " + ", ".join(ORGANISATION_TYPES)),
                nullable=False, required=False),
            "year": pa.Column(checks=pa.Check.in_range(MIN_YEAR, hi, error=f"an integer year {MIN_YEAR}–{hi}"),
                              nullable=True, required=False),
        },
        strict=False,
    )
