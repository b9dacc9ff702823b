"""Reading the cells of one column at a time into typed values: answers, year, involved, and
the text columns; every accepted variant is counted for the reading notes, every offending cell
is a problem. Vectorised: a column is factorised so that only its few distinct values are
inspected in Python."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from dimios.validation.contract import (FALSE_WORDS, MIN_YEAR, STRING_DTYPE, TRUE_WORDS, answer_expectation,
                                        norm_text)
from dimios.validation.problems import MAX_PROBLEMS, _Collector, _show

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
