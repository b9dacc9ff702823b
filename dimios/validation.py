"""Validation of respondent data against the data contract (see ``data/README.md``).

``validate(raw, path)`` takes the *raw* table as read from a file (cells as text, or
as typed values from parquet/xlsx; the DataFrame index holds the row number the user
sees in the file) and returns the typed table of the contract, or raises
``DataValidationError`` listing **all** problems at once. Nothing is coerced
silently: every change made while reading is appended to ``notes``.

Typed output (column order = contract order, ``CONTRACT_COLUMNS``):

=====================  ==========================================================
respondent_id          pandas string dtype ``str`` (``pd.StringDtype(na_value=nan)``,
organisation_id        the default string dtype of pandas 3); never missing/empty
organisation_type      ``category`` with categories ``ORGANISATION_TYPES``
year                   ``int64``
involved               ``bool``
business_area          ``str``; missing (NaN) when empty or when the column is absent
peer_group             ``str``; optional peer group (free text, one per organisation and year);
                       missing (NaN) when empty or when the column is absent
<principle ids>        ``float64``: the answer min..max of the instrument's scale;
                       NaN when the answer was "vet ej" *or* empty (both become NaN;
                       their counts are reported in the reading notes)
=====================  ==========================================================

All checks are vectorised per column: answer columns are factorised so only the few
distinct values are inspected in Python, and ``Problem`` objects are built only for
offending cells (at most ``max_problems``; the totals are still counted).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dimios import instrument as _instrument

# --------------------------------------------------------------------------- contract

ID_COLUMNS = ("respondent_id", "organisation_id")
META_COLUMNS = ("respondent_id", "organisation_id", "organisation_type", "year", "involved", "business_area",
                "peer_group")
OPTIONAL_COLUMNS = ("business_area", "peer_group")
TEXT_COLUMNS = ("business_area", "peer_group")   # optional free text: not stripped-noted, empty = missing
ORGANISATION_TYPES = ("kommun", "region", "myndighet")
MIN_YEAR = 2015
TRUE_WORDS = ("true", "sant", "ja", "1")
FALSE_WORDS = ("false", "falsk", "nej", "0")
MAX_PROBLEMS = 1000

try:  # pandas >= 2.3: the NaN-semantics string dtype that is the default in pandas 3
    STRING_DTYPE = pd.StringDtype(na_value=np.nan)
except TypeError:  # pragma: no cover - older pandas
    STRING_DTYPE = pd.StringDtype()


def contract_columns(instr=None) -> tuple[str, ...]:
    """All columns of the contract in order: the meta columns, then one per principle."""
    instr = instr or _instrument.load()
    return META_COLUMNS + tuple(instr.principle_ids)


def required_columns(instr=None) -> tuple[str, ...]:
    return tuple(c for c in contract_columns(instr) if c not in OPTIONAL_COLUMNS)


def max_year() -> int:
    return _dt.date.today().year + 1


def answer_expectation(instr=None) -> str:
    instr = instr or _instrument.load()
    s = instr.scale
    return f"an integer {s.min}–{s.max}, '{s.dont_know}' or empty"


def norm_text(value) -> str:
    """Whitespace-collapsed, case-folded text (used to compare headers and answers)."""
    return " ".join(str(value).split()).casefold()


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One problem. ``row`` is the row number the user sees in the file (CSV: line
    number with the header as row 1; XLSX: the Excel row number; parquet: 1-based
    data row); ``row``/``column`` are None for file- or column-level problems."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    note: str | None = None  # what is wrong when the value alone does not say it
    row_label: str = "row"   # "line" for text files such as a mapping file

    def line(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row_label} {self.row}")
        if self.column is not None:
            where.append(f"column {_quote(self.column)}")
        text = ", ".join(where) if where else "file"
        what = []
        if self.value is not None:
            what.append(f"value {_quote(self.value)}")
        if self.note:
            what.append(self.note if not what else f"({self.note})")
        if what:
            text += ": " + " ".join(what)
        return f"{text} — expected {self.expected}"

    def __str__(self) -> str:
        return self.line()


def _quote(value, limit: int = 60) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'"


class DataValidationError(Exception):
    """Raised when a respondent file cannot be read or breaks the data contract.

    ``problems`` holds at most ``MAX_PROBLEMS`` Problem objects; ``counts`` holds the
    total number of problems per (column, expected) group, so ``n_problems`` is exact
    even when not every offending cell got a Problem object.
    """

    def __init__(self, problems, path, counts: dict | None = None):
        self.problems = list(problems)
        self.path = str(path)
        if counts is None:
            counts = {}
            for p in self.problems:
                counts[(p.column, p.expected)] = counts.get((p.column, p.expected), 0) + 1
        self.counts = dict(counts)
        super().__init__(self.format_report(max_lines=8))

    @property
    def n_problems(self) -> int:
        return sum(self.counts.values())

    def format_report(self, max_lines: int = 30, per_group: int = 5) -> str:
        """Readable report: a summary line, then at most ``per_group`` lines per
        (column, kind of problem) with a count of the rest; at most ``max_lines`` lines."""
        n = self.n_problems
        lines = [f"{n} problem{'s' if n != 1 else ''} in {self.path}"]
        groups: dict = {}
        for p in self.problems:
            if p.row is None and p.column is not None:  # column level: one group per kind
                groups.setdefault(("#columns", p.expected, p.note), []).append(p)
            else:
                groups.setdefault((p.column, p.expected), []).append(p)
        shown = 0
        budget = max(max_lines - 1, 2)  # keep one line for "… not shown"
        for key, probs in groups.items():
            if len(lines) >= budget:
                break
            if key[0] == "#columns" and len(probs) > 3:
                names = ", ".join(_quote(p.column) for p in probs[:12]) + (
                    f" and {len(probs) - 12} more" if len(probs) > 12 else "")
                lines.append(f"  {len(probs)} columns {names}: {probs[0].note or ''} — expected {probs[0].expected}"
                             .replace(":  —", " —"))
                shown += len(probs)
                continue
            n_group = 0
            for p in probs[:per_group]:
                if len(lines) >= budget:
                    break
                lines.append("  " + p.line())
                n_group += 1
            rest = self.counts.get(key, len(probs)) - n_group
            if rest > 0 and n_group == min(len(probs), per_group) and len(lines) < budget:
                rows = [str(p.row) for p in probs[n_group:n_group + 8] if p.row is not None]
                more = f" (rows {', '.join(rows)}{', …' if rest > len(rows) else ''})" if rows else ""
                col = f" in column {_quote(key[0])}" if key[0] is not None else ""
                lines.append(f"  … and {rest} more like this{col}{more}")
                n_group += rest
            shown += n_group
        for key, total in self.counts.items():
            if key in groups or len(lines) >= budget or any(k[0] == "#columns" and k[1] == key[1] for k in groups):
                continue
            col = f"column {_quote(key[0])}" if key[0] is not None else "file"
            lines.append(f"  {total} problem{'s' if total != 1 else ''} in {col} — expected {key[1]}")
            shown += total
        hidden = n - shown
        if hidden > 0:
            lines.append(f"  … and {hidden} more problem{'s' if hidden != 1 else ''} not shown")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_report()


class _Collector:
    """Collects problems; builds Problem objects only up to ``limit``, counts all."""

    def __init__(self, path, limit: int = MAX_PROBLEMS):
        self.file = str(path)
        self.limit = limit
        self.problems: list[Problem] = []
        self.counts: dict = {}
        self.kept: dict = {}
        self.per_kind = max(limit // 10, 20)  # Problem objects kept per (column, expected)

    def add(self, row, column, value, expected, note=None):
        self.add_many([row], column, [value], expected, total=1, note=note)

    def add_many(self, rows, column, values, expected, total=None, note=None):
        """Add problems for cells (rows/values are sequences); ``total`` is the full count."""
        rows = list(rows)
        total = len(rows) if total is None else int(total)
        if total == 0:
            return
        key = (column, expected)
        self.counts[key] = self.counts.get(key, 0) + total
        # every kind of problem keeps some examples even when another kind is very common
        kept = self.kept.get(key, 0)
        room = min(self.limit - len(self.problems), max(self.per_kind - kept, 0))
        self.kept[key] = kept + max(min(room, len(rows)), 0)
        notes = note if isinstance(note, (list, tuple)) else [note] * len(rows)
        for r, v, nt in list(zip(rows, values, notes))[: max(room, 0)]:
            self.problems.append(Problem(self.file, None if r is None else int(r), column,
                                         None if v is None else _show(v), expected, nt))

    def __bool__(self):
        return bool(self.counts)

    def error(self) -> DataValidationError:
        """The error with problems ordered: file level, column level, then cells by
        column (contract order) and row."""
        order = {c: i for i, c in enumerate(contract_columns())}
        order["respondent_id+year"] = len(order)

        def key(p: Problem):
            level = 0 if p.column is None else (1 if p.row is None else 2)
            return (level, order.get(p.column, len(order) + 1), p.row or 0)

        return DataValidationError(sorted(self.problems, key=key), self.file, self.counts)


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fail(path, expected, *, value=None, row=None, column=None, note=None, row_label="row") -> DataValidationError:
    """A DataValidationError with a single problem (for read errors)."""
    return DataValidationError([Problem(str(path), row, column, value, expected, note, row_label)], path)


# --------------------------------------------------------------------------- helpers


def _fmt_n(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _is_missing_scalar(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _as_text(col: pd.Series) -> pd.Series:
    """Column as stripped text (NaN for missing), vectorised."""
    if pd.api.types.is_float_dtype(col.dtype):
        out = col.map(lambda v: v if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
        return out.astype(STRING_DTYPE)
    s = col.astype(STRING_DTYPE)
    s = s.str.strip()
    return s.mask(s.eq(""))


_NUM_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _parse_number(text: str) -> tuple[float | None, bool]:
    """(value, used decimal comma) or (None, False) if not a number."""
    t = text.strip().replace("\u2212", "-")
    if not _NUM_RE.match(t):
        return None, False
    comma = "," in t
    try:
        return float(t.replace(",", ".")), comma
    except ValueError:  # pragma: no cover
        return None, False


def _factorize(col: pd.Series):
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, list(uniques)


# --------------------------------------------------------------------------- column parsers


def _parse_answers(col: pd.Series, name: str, instr, out: _Collector, stats: dict) -> np.ndarray:
    """Answer column -> float64 array (NaN for vet ej/empty). Records problems and stats."""
    scale = instr.scale
    expected = answer_expectation(instr)
    rows = col.index
    n = len(col)
    if pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy()
        out.add_many(rows[:MAX_PROBLEMS], name, values[:MAX_PROBLEMS], expected, total=n, note="a true/false value")
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        empty = np.isnan(values)
        with np.errstate(invalid="ignore"):
            ok = ~empty & (values >= scale.min) & (values <= scale.max) & (np.floor(values) == values)
        bad = ~empty & ~ok
        if bad.any():
            pos = np.flatnonzero(bad)
            take = values[pos[:MAX_PROBLEMS]]
            nonint = np.isfinite(take) & (np.floor(take) != take)  # as for text cells: say why 3.5 is wrong
            out.add_many(rows[pos[:MAX_PROBLEMS]], name, take, expected, total=len(pos),
                         note=["not an integer" if x else None for x in nonint])
        stats["empty"] += int(empty.sum())
        return np.where(ok, values, np.nan)

    codes, uniques = _factorize(col)
    dont_know = norm_text(scale.dont_know)
    labels = {norm_text(text): value for value, text in scale.labels}
    u_value = np.full(len(uniques) + 1, np.nan)  # last slot: code -1 (missing)
    u_bad = np.zeros(len(uniques) + 1, dtype=bool)
    u_note: dict[int, str] = {}
    kinds: dict[int, str] = {}
    for i, v in enumerate(uniques):
        if _is_missing_scalar(v):
            kinds[i] = "empty"
            continue
        if isinstance(v, bool):
            u_bad[i], u_note[i] = True, "a true/false value"
            continue
        if isinstance(v, (int, float, np.integer, np.floating)):
            num, comma = float(v), False
        else:
            t = str(v)
            nt = norm_text(t)
            if nt == dont_know:
                kinds[i] = "dont_know" if t == scale.dont_know else "dont_know_variant"
                continue
            if nt in labels:
                u_value[i] = labels[nt]
                kinds[i] = "label"
                continue
            num, comma = _parse_number(t)
            if num is None:
                u_bad[i], u_note[i] = True, "text, not an answer"
                continue
            if comma or not re.fullmatch(r"[+-]?\d+", t.strip()):
                kinds[i] = "decimal_comma" if comma else "decimal"
        if math.isfinite(num) and num.is_integer() and scale.min <= num <= scale.max:
            u_value[i] = num
        else:
            u_bad[i] = True
            kinds.pop(i, None)
            if math.isfinite(num) and not num.is_integer():
                u_note[i] = "not an integer"
            else:
                u_note[i] = f"outside the scale {scale.min}–{scale.max}"
    codes_full = np.where(codes < 0, len(uniques), codes)
    result = u_value[codes_full]
    counts = np.bincount(codes_full, minlength=len(uniques) + 1)
    stats["empty"] += int(counts[-1])
    for i, kind in kinds.items():
        if kind == "empty":
            stats["empty"] += int(counts[i])
        elif kind in ("dont_know", "dont_know_variant"):
            stats["dont_know"] += int(counts[i])
            if kind == "dont_know_variant":
                stats["dont_know_variants"].setdefault(str(uniques[i]), 0)
                stats["dont_know_variants"][str(uniques[i])] += int(counts[i])
        else:
            stats[kind] += int(counts[i])
            if kind == "label":
                stats["label_values"].add(str(uniques[i]).strip())
    if u_bad.any():
        bad = u_bad[codes_full]
        pos = np.flatnonzero(bad)
        take = pos[:MAX_PROBLEMS]
        vals = [uniques[codes_full[p]] for p in take]
        notes = [u_note.get(int(codes_full[p])) for p in take]
        # only mention the note when it adds something the value does not show
        notes = [None if nt and nt.startswith("outside") else nt for nt in notes]
        out.add_many(rows[take], name, vals, expected, total=len(pos), note=notes)
    return result


def _parse_year(col: pd.Series, out: _Collector, notes: list[str], hi: int) -> pd.Series:
    """Year column -> float Series (NaN where missing/unparseable); problems recorded."""
    expected = f"an integer year {MIN_YEAR}–{hi}"
    rows = col.index
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        bad_text = np.zeros(len(values), dtype=bool)
    else:
        codes, uniques = _factorize(col)
        u_val = np.full(len(uniques) + 1, np.nan)
        u_badtext = np.zeros(len(uniques) + 1, dtype=bool)
        n_decimal = 0
        for i, v in enumerate(uniques):
            if _is_missing_scalar(v):
                continue
            if isinstance(v, bool):
                u_badtext[i] = True
                continue
            if isinstance(v, (int, float, np.integer, np.floating)):
                u_val[i] = float(v)
                continue
            num, _ = _parse_number(str(v))
            if num is None:
                u_badtext[i] = True
            else:
                u_val[i] = num
                if not re.fullmatch(r"[+-]?\d+", str(v).strip()) and num.is_integer():
                    n_decimal += 1
        codes = np.where(codes < 0, len(uniques), codes)
        values = u_val[codes]
        bad_text = u_badtext[codes]
        if n_decimal:
            notes.append("year: values written with decimals (e.g. '2023,0') read as integers")
        if bad_text.any():
            pos = np.flatnonzero(bad_text)
            out.add_many(rows[pos[:MAX_PROBLEMS]], "year",
                         [uniques[codes[p]] for p in pos[:MAX_PROBLEMS]], expected, total=len(pos), note="not a number")
    missing = np.isnan(values) & ~bad_text
    if missing.any():
        pos = np.flatnonzero(missing)
        out.add_many(rows[pos[:MAX_PROBLEMS]], "year", [None] * min(len(pos), MAX_PROBLEMS), expected,
                     total=len(pos), note="empty")
    with np.errstate(invalid="ignore"):
        nonint = ~np.isnan(values) & (np.floor(values) != values)
    if nonint.any():
        pos = np.flatnonzero(nonint)
        out.add_many(rows[pos[:MAX_PROBLEMS]], "year", values[pos[:MAX_PROBLEMS]], expected, total=len(pos),
                     note="not an integer")
        values = np.where(nonint, np.nan, values)
    return pd.Series(values, index=col.index)


def _parse_involved(col: pd.Series, out: _Collector, notes: list[str]) -> np.ndarray:
    expected = "true or false (also sant/falsk, ja/nej, 1/0)"
    if pd.api.types.is_bool_dtype(col.dtype) and not col.isna().any():
        return col.to_numpy(dtype=bool)
    codes, uniques = _factorize(col)
    u_val = np.zeros(len(uniques) + 1, dtype=bool)
    u_bad = np.zeros(len(uniques) + 1, dtype=bool)
    u_bad[-1] = True
    spellings = set()
    for i, v in enumerate(uniques):
        if isinstance(v, (bool, np.bool_)):
            u_val[i] = bool(v)
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not _is_missing_scalar(v) and v in (0, 1):
            u_val[i] = bool(v)
            spellings.add(_show(float(v)))
            continue
        t = norm_text(v) if not _is_missing_scalar(v) else ""
        if t in TRUE_WORDS or t in FALSE_WORDS:
            u_val[i] = t in TRUE_WORDS
            if str(v) not in ("true", "false"):
                spellings.add(str(v).strip())
        else:
            u_bad[i] = True
    codes = np.where(codes < 0, len(uniques), codes)
    bad = u_bad[codes]
    if bad.any():
        pos = np.flatnonzero(bad)
        take = pos[:MAX_PROBLEMS]
        vals = [None if codes[p] == len(uniques) or _is_missing_scalar(uniques[codes[p]]) else uniques[codes[p]]
                for p in take]
        out.add_many(col.index[take], "involved", vals, expected, total=len(pos),
                     note=[("empty" if v is None else None) for v in vals])
    if spellings:
        notes.append("involved: " + ", ".join(f"'{s}'" for s in sorted(spellings)) + " read as true/false")
    return u_val[codes]


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


def response_schema(instr=None):
    """pandera schema of the *typed* table that ``read_responses`` returns (the data contract)."""
    import pandera.pandas as pa

    instr = instr or _instrument.load()
    s = instr.scale
    cols = {
        "respondent_id": pa.Column(STRING_DTYPE, pa.Check.str_length(min_value=1), nullable=False),
        "organisation_id": pa.Column(STRING_DTYPE, pa.Check.str_length(min_value=1), nullable=False),
        "organisation_type": pa.Column(pd.CategoricalDtype(list(ORGANISATION_TYPES)), nullable=False),
        "year": pa.Column("int64", pa.Check.in_range(MIN_YEAR, max_year())),
        "involved": pa.Column(bool),
        "business_area": pa.Column(STRING_DTYPE, nullable=True),
        "peer_group": pa.Column(STRING_DTYPE, nullable=True),
    }
    for pid in instr.principle_ids:
        cols[pid] = pa.Column("float64", [pa.Check.isin([float(v) for v in s.values])], nullable=True)
    return pa.DataFrameSchema(cols, strict=True, ordered=True, unique=["respondent_id", "year"])


# --------------------------------------------------------------------------- validate


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


def _answer_notes(stats: dict, instr, notes: list[str]) -> None:
    dk = instr.scale.dont_know
    variants = stats["dont_know_variants"]
    text = f"answers: {_fmt_n(stats['dont_know'])} cells '{dk}' and {_fmt_n(stats['empty'])} empty cells read as missing (NaN)"
    if variants:
        shown = ", ".join(f"'{v}' ({_fmt_n(k)})" for v, k in sorted(variants.items()))
        text += f"; '{dk}' written differently: {shown} (case/spacing ignored)"
    notes.append(text)
    if stats["label"]:
        labels = ", ".join(f"'{t}' → {v}" for v, t in instr.scale.labels)
        notes.append(f"answers: {_fmt_n(stats['label'])} cells given as scale labels converted to numbers ({labels})")
    if stats["decimal_comma"]:
        notes.append(f"answers: {_fmt_n(stats['decimal_comma'])} cells with a decimal comma (e.g. '5,0') read as integers")
    if stats["decimal"]:
        notes.append(f"answers: {_fmt_n(stats['decimal'])} cells written with decimals (e.g. '5.0') read as integers")
