"""Reading and writing respondent data (the data contract is in ``data/README.md``).

``read_responses(path, mapping=None)`` reads ``.csv``/``.txt``, ``.xlsx`` or ``.parquet``,
recognises the header (mapping file, survey statements, Swedish principle names),
validates everything against the contract (``dimios.validation``) and returns a
``ReadResult`` with the typed table and a note for every change made on reading.
Every failure — missing file, unreadable format, broken contract — is raised as
``DataValidationError`` (never a raw exception), so the CLI can print
``err.format_report()`` and exit.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dimios import instrument as _instrument
from dimios.validation import (
    DataValidationError,
    Problem,
    contract_columns,
    fail,
    norm_text,
    validate,
)

__all__ = ["ReadResult", "read_responses", "read_raw", "load_mapping", "write_responses", "SUFFIXES"]

SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
HEADER_SEARCH_ROWS = 30  # the header must be within the first 30 non-blank rows
DROP = None  # mapping target meaning "ignore this column"
_DROP_WORDS = ("", "-", "ignore", "drop", "ignorera")


@dataclass
class ReadResult:
    """The typed respondent table and what was changed while reading it."""

    data: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    path: str = ""

    def __repr__(self) -> str:  # pragma: no cover - convenience
        return f"ReadResult({self.path!r}, {len(self.data)} rows, {len(self.notes)} notes)"


# --------------------------------------------------------------------------- public API


def read_responses(path, mapping=None, *, instr=None) -> ReadResult:
    """Read and validate a respondent file; raise ``DataValidationError`` on any problem."""
    instr = instr or _instrument.load()
    raw, notes = read_raw(path, mapping, instr=instr)
    data = validate(raw, str(path), instr=instr, notes=notes)
    return ReadResult(data=data, notes=notes, path=str(path))


def read_raw(path, mapping=None, *, instr=None) -> tuple[pd.DataFrame, list[str]]:
    """The file as a raw table (cells as text or as stored; index = row number the user
    sees in the file) with headers renamed to contract names, plus the reading notes."""
    instr = instr or _instrument.load()
    path = Path(path)
    notes: list[str] = []
    mapping = load_mapping(mapping, instr=instr) if mapping is not None else None
    lookup = _header_lookup(instr, mapping)
    if not path.exists():
        raise fail(path, "an existing file", note="file not found")
    if path.is_dir():
        raise fail(path, "a file, not a directory", note="is a directory")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            raw = _read_csv(path, lookup, notes)
        elif suffix == ".xlsx":
            raw = _read_xlsx(path, lookup, notes)
        elif suffix == ".parquet":
            raw = _read_parquet(path, notes)
        elif suffix in (".xls", ".ods", ".xlsm"):
            raise fail(path, "a .xlsx, .csv or .parquet file (save the workbook as .xlsx or CSV)",
                       value=suffix, note="unsupported spreadsheet format")
        else:
            raise fail(path, "a file ending in " + ", ".join(SUFFIXES), value=suffix or "(no suffix)",
                       note="unknown file type")
    except DataValidationError:
        raise
    except OSError as exc:
        raise fail(path, "a readable file", note=f"cannot read the file: {exc.strerror or exc}") from None
    second = _second_header_row(raw, lookup)
    raw = _rename_headers(raw, lookup, notes, path, mapping)
    if second is not None:
        raw.attrs["second_header"] = second
    return raw, notes


class ColumnMapping(dict):
    """{source header: contract column or None}, plus where each entry is in the mapping file.

    ``path``: the mapping file (``"<mapping>"`` for a dict); ``lines``: {source: line number}
    (empty for a dict)."""

    def __init__(self, items=(), path: str = "<mapping>", lines: dict | None = None):
        super().__init__(items)
        self.path = str(path)
        self.lines = dict(lines or {})


def load_mapping(mapping, *, instr=None) -> ColumnMapping:
    """Column-mapping file -> {source header: contract column or None (= ignore the column)}.

    YAML: a mapping ``source: target`` (optionally under a ``columns:`` key) or a list of
    ``{source, target}``; CSV: two columns with the header ``source,target`` (comma or
    semicolon). A target that is empty/``null``/``ignore`` drops the column explicitly.
    The file may be UTF-8 or Windows-1252 (as data files). Problems are reported with the
    line of the mapping file they are on.
    """
    instr = instr or _instrument.load()
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, dict):
        pairs = [(k, v, None) for k, v in mapping.items()]
        mpath = "<mapping>"
    else:
        mpath = Path(mapping)
        if not mpath.exists():
            raise fail(mpath, "an existing column-mapping file", note="file not found")
        suffix = mpath.suffix.lower()
        try:
            if suffix in (".yml", ".yaml"):
                pairs = _mapping_pairs_yaml(mpath)
            elif suffix in (".csv", ".txt"):
                pairs = _mapping_pairs_csv(mpath)
            else:
                raise fail(mpath, "a column-mapping file ending in .yml, .yaml or .csv", value=suffix,
                           note="unknown file type")
        except DataValidationError:
            raise
        except OSError as exc:
            raise fail(mpath, "a readable column-mapping file",
                       note=f"cannot read the file: {exc.strerror or exc}") from None
    contract = contract_columns(instr)
    by_norm = {norm_text(c): c for c in contract}
    problems = []
    result = ColumnMapping(path=str(mpath))
    seen: dict[str, tuple[str, str | None, int | None]] = {}  # normalised source -> (source, target, line)

    def problem(line, column, value, expected, note=None):
        problems.append(Problem(str(mpath), line, column, value, expected, note, "line"))

    for i, (source, target, line) in enumerate(pairs, start=1):
        line = line if line is not None else (None if mpath == "<mapping>" else i)
        if source is None or not str(source).strip():
            problem(line, "source", None, "a source header", "empty")
            continue
        if target is None or norm_text(target) in _DROP_WORDS:
            t = DROP
        else:
            t = by_norm.get(norm_text(target))
            if t is None:
                import difflib

                close = difflib.get_close_matches(norm_text(target), list(by_norm), n=1, cutoff=0.75)
                hint = f" — did you mean '{by_norm[close[0]]}'?" if close else ""
                problem(line, "target", str(target), "a column of the data contract or empty (ignore)" + hint)
                continue
        key = norm_text(source)
        if key in seen and seen[key][1] != t:
            first_src, first_t, first_line = seen[key]
            problem(line, "source", str(source), "each header listed once",
                    f"also on line {first_line} with another target ('{first_t or 'ignore'}' there, "
                    f"'{t or 'ignore'}' here)" if first_line else "listed twice with different targets")
            continue
        seen[key] = (str(source), t, line)
        result[str(source)] = t
        if line is not None:
            result.lines[str(source)] = line
    if problems:
        raise DataValidationError(problems, str(mpath))
    return result


def write_responses(df: pd.DataFrame, path) -> Path:
    """Write a respondent table to ``.csv`` or ``.parquet`` deterministically (same
    frame -> same bytes). CSV: UTF-8, comma, ``\\n`` line ends, answers as integers,
    NaN as empty, involved as true/false. Parquet: no pandas/timestamp metadata."""
    path = Path(path)
    suffix = path.suffix.lower()
    instr = _instrument.load()
    if suffix in (".csv", ".txt"):
        out = df.copy()
        for c in out.columns:
            if c in instr.principle_ids and pd.api.types.is_float_dtype(out[c].dtype):
                out[c] = out[c].astype("Int64")
            elif pd.api.types.is_bool_dtype(out[c].dtype):
                out[c] = np.where(out[c].to_numpy(dtype=bool), "true", "false")
        text = out.to_csv(index=False, lineterminator="\n")
        path.write_bytes(text.encode("utf-8"))
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
        pq.write_table(table, path, compression="zstd", store_schema=False)
    else:
        raise ValueError(f"write_responses: unsupported suffix {suffix!r} (use .csv or .parquet)")
    return path


def _mapping_text(path: Path) -> str:
    """A mapping file's text: UTF-8 (with or without BOM) or, failing that, Windows-1252."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise fail(path, "a text file in UTF-8 or Windows-1252",
                   note=f"undecodable byte 0x{data[exc.start]:02x} at position {exc.start}") from None


def _mapping_pairs_yaml(path: Path) -> list[tuple]:
    """(source, target, line) for every entry of a YAML mapping file; YAML errors with their line."""
    import yaml

    expected = "a YAML mapping 'source: target' (or a list of {source, target})"
    text = _mapping_text(path)
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # refuses control characters here (a ReaderError, without a line)
        node = loader.get_single_node()

        def value(n):
            return loader.construct_object(n, deep=True)

        if isinstance(node, yaml.MappingNode) and len(node.value) == 1 and value(node.value[0][0]) == "columns":
            node = node.value[0][1]
        if isinstance(node, yaml.MappingNode):
            return [(value(k), value(v), k.start_mark.line + 1) for k, v in node.value]
        if isinstance(node, yaml.SequenceNode):
            out = []
            for item in node.value:
                entry = value(item)
                if not (isinstance(entry, dict) and "source" in entry):
                    raise fail(path, expected, row=item.start_mark.line + 1, row_label="line",
                               note="a list entry without 'source'")
                out.append((entry["source"], entry.get("target"), item.start_mark.line + 1))
            return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise fail(path, expected, row=mark.line + 1 if mark is not None else None, row_label="line",
                   note=f"YAML syntax error: {what}"
                   + (f" (column {mark.column + 1}; a header with ':' or '#' must be in quotes)" if mark else "")
                   ) from None
    finally:
        if loader is not None:
            loader.dispose()
    raise fail(path, expected, note="unexpected YAML structure" if node is not None else "the mapping file is empty")


def _mapping_pairs_csv(path: Path) -> list[tuple]:
    """(source, target, line) for every row of a CSV mapping file (comments and blank lines skipped)."""
    text = _mapping_text(path)
    numbered = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1)
                if ln.strip() and not ln.lstrip().startswith("#")]
    if not numbered:
        raise fail(path, "a CSV with the header source,target", note="the mapping file is empty")
    first_line, first = numbered[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    rows = [(i, next(csv.reader([ln], delimiter=delim))) for i, ln in numbered]
    if [norm_text(c) for c in rows[0][1][:2]] != ["source", "target"]:
        raise fail(path, "a CSV with the header source,target", row=first_line, value=delim.join(rows[0][1]),
                   note="wrong header", row_label="line")
    out = []
    for i, r in rows[1:]:
        if len(r) < 1 or len(r) > 2:
            raise fail(path, "two cells per row: source,target", row=i, value=delim.join(r), row_label="line")
        out.append((r[0].strip(), r[1].strip() if len(r) > 1 else "", i))
    return out


# --------------------------------------------------------------------------- headers


def _header_lookup(instr, mapping: dict | None) -> dict[str, tuple[str | None, str]]:
    """normalised header -> (contract column or None=drop, how it was recognised)."""
    lookup: dict[str, tuple[str | None, str]] = {}
    for p in instr.principles:
        lookup.setdefault(norm_text(p.name_sv), (p.id, "name"))
        lookup.setdefault(norm_text(p.statement), (p.id, "statement"))
    for c in contract_columns(instr):
        lookup[norm_text(c)] = (c, "id")
    for source, target in (mapping or {}).items():
        lookup[norm_text(source)] = (target, "mapping")
    return lookup


def _n_recognised(cells, lookup) -> int:
    return sum(1 for c in cells if c is not None and norm_text(c) in lookup and lookup[norm_text(c)][0] is not None)


def _find_header(rows: list[list], lookup) -> int | None:
    """Index of the header among ``rows``: the first with >= 3 recognised column names."""
    for i, cells in enumerate(rows):
        if _n_recognised(cells, lookup) >= 3:
            return i
    return None


def _second_header_row(raw: pd.DataFrame, lookup) -> dict | None:
    """The first data row when it holds column names (>= 3 recognised), as a two-row header
    with merged cells leaves it: {"row": row number, "names": [the names]}."""
    if not len(raw) or not raw.shape[1]:
        return None
    cells = [c for c in raw.iloc[0].tolist() if isinstance(c, str) and c.strip()]
    names = [c.strip() for c in cells if norm_text(c) in lookup and lookup[norm_text(c)][0] is not None]
    if len(names) < 3:
        return None
    return {"row": int(raw.index[0]), "names": names}


def _duplicate_targets(columns: list[str], new: list[str], reasons: list[str | None], mapping, path) -> None:
    """Two columns of the data renamed to one contract column, at least one by the mapping file:
    the mapping file is at fault; raise with the lines of the mapping file."""
    def line_of(header: str) -> int | None:
        return next((ln for src, ln in mapping.lines.items() if norm_text(src) == norm_text(header)), None)

    data_name = Path(str(path)).name
    by_target: dict[str, list[int]] = {}
    for j, t in enumerate(new):
        if reasons[j] is not None:
            by_target.setdefault(t, []).append(j)
    problems = []
    for target, idx in by_target.items():
        if len(idx) < 2 or not any(reasons[j] == "mapping" for j in idx):
            continue
        for j in idx:
            if reasons[j] != "mapping":
                continue
            others = []
            for o in idx:
                if o == j:
                    continue
                if reasons[o] == "mapping":
                    ln = line_of(columns[o])
                    others.append(f"'{_short(columns[o])}'" + (f" (line {ln})" if ln else "") + " mapped there too")
                else:
                    others.append(f"'{_short(columns[o])}', which already is that column")
            problems.append(Problem(
                mapping.path, line_of(columns[j]), None, _short(columns[j]),
                "each column of the data contract mapped from one header only (remove or change one of the lines)",
                f"maps to '{target}', but {data_name} also has " + " and ".join(others), "line"))
    if problems:
        raise DataValidationError(problems, mapping.path)


def _rename_headers(raw: pd.DataFrame, lookup, notes: list[str], path, mapping=None) -> pd.DataFrame:
    new, drop = [], []
    reasons: list[str | None] = []
    how: dict[str, list[str]] = {}
    for c in raw.columns:
        c = str(c)
        hit = lookup.get(norm_text(c))
        if hit is None:
            new.append(c)
            reasons.append(None)
            continue
        target, reason = hit
        if target is None:
            drop.append(c)
            new.append(c)
            reasons.append(None)
            continue
        if c != target:
            item = target if reason in ("statement", "name") else f"'{_short(c)}' → {target}"
            how.setdefault(reason, []).append(item)
        new.append(target)
        reasons.append(reason)
    if mapping is not None:
        _duplicate_targets([str(c) for c in raw.columns], new, reasons, mapping, path)
    raw = raw.copy(deep=False)
    raw.columns = new
    if drop:
        raw = raw.drop(columns=drop)
        notes.append("columns ignored as the mapping file says: " + ", ".join(f"'{_short(c)}'" for c in drop))
    titles = {"mapping": "headers renamed by the column-mapping file",
              "statement": "headers recognised as survey statements and renamed to principle ids",
              "name": "headers recognised as Swedish principle names and renamed to principle ids",
              "id": "header case/spacing normalised"}
    for reason in ("mapping", "statement", "name", "id"):
        if reason in how:
            items = how[reason]
            sep = ", " if reason in ("statement", "name") else "; "
            limit = 30 if reason in ("statement", "name") else 6
            shown = sep.join(items[:limit]) + (f"; … ({len(items)} in all)" if len(items) > limit else "")
            notes.append(f"{titles[reason]}: {shown}")
    return raw


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unique_names(header: list[str]) -> list[str]:
    """Header cells as names; empty cells get a placeholder so they can be reported."""
    return [h if h.strip() else f"(unnamed column {i + 1})" for i, h in enumerate(header)]


def _finish_table(header: list[str], body: pd.DataFrame, first_row: int, notes: list[str], kind: str) -> pd.DataFrame:
    """Attach header, drop blank rows and empty unnamed columns, index = user row numbers."""
    ncol = max(len(header), body.shape[1])
    header = list(header) + [""] * (ncol - len(header))
    if body.shape[1] < ncol:
        for j in range(body.shape[1], ncol):
            body[j] = ""
    body.columns = range(ncol)
    body.index = pd.RangeIndex(first_row, first_row + len(body))
    def empty(c: pd.Series) -> pd.Series:
        return c.isna() | c.eq("")

    # columns with no header and no data (trailing delimiters / empty Excel columns)
    drop_cols = [j for j in range(ncol) if not header[j].strip() and empty(body[j]).all()]
    if drop_cols:
        body = body.drop(columns=drop_cols)
        header = [h for j, h in enumerate(header) if j not in set(drop_cols)]
        notes.append(f"{len(drop_cols)} empty column(s) without a header ignored")
    # blank rows: only rows whose first cell is empty can be blank
    if body.shape[1] and len(body):
        cand = np.flatnonzero(empty(body.iloc[:, 0]).to_numpy())
        sub = body.iloc[cand]
        all_empty = (sub.isna() | sub.eq("")).all(axis=1).to_numpy()
        blank_pos = cand[all_empty]
        if len(blank_pos):
            keep = np.ones(len(body), dtype=bool)
            keep[blank_pos] = False
            body = body.loc[keep]
            notes.append(f"{len(blank_pos)} blank {kind} skipped")
    body.columns = _unique_names([str(h).strip() if h is not None else "" for h in header])
    return body


# --------------------------------------------------------------------------- CSV


def _decode(path: Path, data: bytes, notes: list[str]) -> str:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        raise fail(path, "a CSV file in UTF-8 or Windows-1252 (in Excel: save as 'CSV UTF-8')",
                   note="the file is UTF-16 ('Unicode text')")
    if b"\x00" in data[:4096]:
        hint = " — this looks like an Excel workbook: give it the suffix .xlsx" if data[:2] == b"PK" else ""
        raise fail(path, "a text (CSV) file" + hint, note="binary content")
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8):].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail(path, "valid UTF-8 text after the byte-order mark",
                       note=f"invalid byte at position {exc.start}") from None
        notes.append("encoding: UTF-8 with byte-order mark (BOM removed)")
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise fail(path, "a text file in UTF-8 or Windows-1252",
                   note=f"undecodable byte 0x{data[exc.start]:02x} at position {exc.start}") from None
    notes.append("encoding: not UTF-8, read as Windows-1252 (as Swedish Excel writes CSV)")
    return text


def _read_csv(path: Path, lookup, notes: list[str]) -> pd.DataFrame:
    data = path.read_bytes()
    text = _decode(path, data, notes)
    if not text.strip():
        return pd.DataFrame()
    head_lines = list(itertools.islice(_io.StringIO(text), HEADER_SEARCH_ROWS + 20))
    best = None  # (recognised, -line index, delimiter)
    for delim in (";", ","):
        rows = list(csv.reader(head_lines, delimiter=delim))
        idx = _find_header([r for r in rows], lookup)
        if idx is not None:
            cand = (_n_recognised(rows[idx], lookup), -idx, delim)
            best = max(best, cand) if best else cand
    if best is not None:
        header_idx, delim = -best[1], best[2]
    else:  # no recognisable header: the first line with the most cells, the more frequent delimiter
        first = next(i for i, line in enumerate(head_lines) if line.strip())
        line = head_lines[first]
        delim = ";" if sum(ln.count(";") for ln in head_lines) > sum(ln.count(",") for ln in head_lines) else ","
        widths = [len(r) if any(c.strip() for c in r) else 0 for r in csv.reader(head_lines, delimiter=delim)]
        header_idx = widths.index(max(widths)) if max(widths) > 1 else first
    skipped = [ln.strip() for ln in head_lines[:header_idx] if ln.strip()]
    if skipped:
        notes.append(f"{len(skipped)} title row(s) above the header skipped: "
                     + "; ".join(f"'{_short(s)}'" for s in skipped[:3]))
    if delim == ";":
        notes.append("delimiter: semicolon (Swedish Excel CSV)")
    header = next(csv.reader([head_lines[header_idx]], delimiter=delim))
    try:
        body = pd.read_csv(_io.StringIO(text), sep=delim, header=None, skiprows=header_idx + 1, dtype=object,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                           quotechar='"', doublequote=True)
    except pd.errors.EmptyDataError:
        body = pd.DataFrame()
    except pd.errors.ParserError as exc:
        msg = str(exc).strip()
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            line = int(m.group(2))  # pandas counts the lines of the whole file, skipped ones included
            raise fail(path, f"at most {len(header)} cells per row (as many as the header has)",
                       row=line, note=f"{m.group(3)} cells (unquoted delimiter in a value?)") from None
        raise fail(path, "a well-formed CSV file", note=f"cannot parse: {msg.splitlines()[0]}") from None
    # header line is line header_idx+1 (1-based); data start on the next line
    short = _short_rows(text, header_idx, header, delim, len(body))
    raw = _finish_table(header, body, header_idx + 2, notes, "lines")
    if short is not None:
        raw.attrs["short_rows"] = short
    return raw


def _short_rows(text: str, header_idx: int, header: list[str], delim: str, n_body: int):
    """Rows with fewer cells than the (named part of the) header — pandas pads them with
    empty cells, which would hide a shifted row. Vectorised: delimiters are counted per
    line; only lines containing a quote are re-parsed with the csv module.
    Returns {"rows": line numbers, "cells": cell counts, "expected": n} or None."""
    named = len(header)
    while named and not header[named - 1].strip():
        named -= 1
    # byte positions (delimiter, quote and newline are ASCII, so UTF-8 bytes are safe)
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    nl = np.flatnonzero(b == 10)
    if len(b) and b[-1] != 10:
        nl = np.append(nl, len(b))  # last line without a newline
    starts = np.concatenate(([0], nl[:-1] + 1))
    first = header_idx + 1
    starts, ends = starts[first:], nl[first:]
    if len(starts) != n_body:  # quoted line breaks: line numbers cannot be trusted
        return None
    if not len(starts):
        return None

    def per_line(mask: np.ndarray) -> np.ndarray:  # count of True per line, O(bytes)
        counts = np.add.reduceat(mask, starts, dtype=np.int64) if len(mask) else np.zeros(len(starts), np.int64)
        return np.where(ends > starts, counts, 0)  # reduceat quirk for empty lines

    cells = per_line(b == ord(delim)) + 1
    quoted = per_line(b == ord('"')) > 0
    length = ends - starts
    blank = (cells == 1) & (length <= 1)  # empty line (or a lone "\r")
    for i in np.flatnonzero(quoted & (cells < named)):
        line = b[starts[i]:ends[i]].tobytes().decode("utf-8").rstrip("\r")
        cells[i] = len(next(csv.reader([line], delimiter=delim)))
    bad = np.flatnonzero((cells < named) & ~blank)
    if not len(bad):
        return None
    return {"rows": bad + header_idx + 2, "cells": cells[bad], "expected": named}


# --------------------------------------------------------------------------- XLSX


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, int):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def _read_xlsx(path: Path, lookup, notes: list[str]) -> pd.DataFrame:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError) as exc:
        raise fail(path, "a valid Excel .xlsx workbook",
                   note=f"cannot open the workbook ({type(exc).__name__})") from None
    try:
        ignored = []
        for ws in wb.worksheets:
            # the cells as stored, not the range the sheet's <dimension> tag claims: some programs
            # write "A1" there, and openpyxl's read-only mode would read that one cell only
            ws.reset_dimensions()
            it = ws.iter_rows(min_row=1, values_only=True)
            head = [list(r) for r in itertools.islice(it, HEADER_SEARCH_ROWS + 20)]
            head_text = [[_cell_text(v) for v in r] for r in head]
            idx = _find_header(head_text, lookup)
            if idx is None:
                ignored.append(ws.title)
                continue
            rest = [[_cell_text(v) for v in r] for r in it]
            header = head_text[idx]
            while header and not header[-1].strip():
                header = header[:-1]
            body_rows = head_text[idx + 1:] + rest
            width = max([len(header)] + [len(r) for r in body_rows]) if body_rows else len(header)
            body = pd.DataFrame([r + [""] * (width - len(r)) for r in body_rows], columns=range(width), dtype=object)
            if body.shape[1] == 0:
                body = pd.DataFrame(index=range(len(body_rows)), columns=range(width))
            body = body.astype("str") if len(body) else body
            if ignored:
                notes.append("sheet(s) without the header ignored: " + ", ".join(f"'{s}'" for s in ignored))
            others = [s.title for s in wb.worksheets if s.title != ws.title and s.title not in ignored]
            if others:
                notes.append(f"read sheet '{ws.title}'; later sheet(s) not read: " + ", ".join(f"'{s}'" for s in others))
            elif len(wb.worksheets) > 1:
                notes.append(f"read sheet '{ws.title}'")
            skipped = [r for r in head_text[:idx] if any(c.strip() for c in r)]
            if skipped:
                notes.append(f"{len(skipped)} title row(s) above the header skipped: "
                             + "; ".join("'" + _short(" ".join(c for c in r if c.strip())) + "'" for r in skipped[:3]))
            return _finish_table(header, body, idx + 2, notes, "rows")
        # no sheet has a recognisable header
        first = wb.worksheets[0] if wb.worksheets else None
        if first is None:
            return pd.DataFrame()
        rows = [[_cell_text(v) for v in r] for r in itertools.islice(first.iter_rows(min_row=1, values_only=True), 2000)]
        nonblank = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
        if not nonblank:
            return pd.DataFrame()
        h = nonblank[0]
        header = rows[h]
        while header and not header[-1].strip():
            header = header[:-1]
        notes.append(f"no sheet has the contract header; read the first sheet '{first.title}' with row {h + 1} as header")
        body_rows = rows[h + 1:]
        width = max([len(header)] + [len(r) for r in body_rows])
        body = pd.DataFrame([r + [""] * (width - len(r)) for r in body_rows], columns=range(width), dtype=object)
        return _finish_table(header, body, h + 2, notes, "rows")
    finally:
        wb.close()


# --------------------------------------------------------------------------- parquet


def _read_parquet(path: Path, notes: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise fail(path, "a valid parquet file", note=f"cannot read ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    df = table.to_pandas()
    df.index = pd.RangeIndex(1, len(df) + 1)  # parquet: 1-based data row
    return df
