"""Recognising the default panel by its content (not by the ``SYN-`` id prefix, which a user's
modified copy keeps): ``is_default_panel`` compares the canonical fingerprint of a response table
with the committed fingerprint of the default panel (``DEFAULT_PANEL_FILE``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dimios import validation

DEFAULT_PANEL_FILE = "default_panel.yml"


def _canonical_cells(col: pd.Series) -> list[str]:
    """One column as canonical JSON texts: numbers without trailing zeros (3.0 -> 3), text as a
    JSON string, missing as null, booleans as true/false."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return ["true" if v else "false" for v in col.to_numpy(dtype=bool)]
    if pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        out = np.full(values.shape, "null", dtype=object)
        ok = ~np.isnan(values)
        whole = ok & (values == np.floor(values)) & (np.abs(values) < 2.0**53)
        out[whole] = values[whole].astype(np.int64).astype(str)
        rest = ok & ~whole
        out[rest] = [repr(v) for v in values[rest].tolist()]
        return out.tolist()
    import json

    return ["null" if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else json.dumps(str(v), ensure_ascii=False)
            for v in col.astype(object).tolist()]


def _canonical_rows(responses: pd.DataFrame) -> tuple[bytes, list[tuple[bytes, int]]]:
    """The header line, and the row lines with their year, sorted bytewise by line."""
    cols = [c for c in validation.contract_columns()
            if c not in validation.OPTIONAL_COLUMNS or (c in responses.columns and responses[c].notna().any())]
    missing = [c for c in cols if c not in responses.columns]
    if missing:
        raise ValueError("not a response table: missing column(s) " + ", ".join(missing))
    cells = [_canonical_cells(responses[c]) for c in cols]
    years = responses["year"].to_numpy(dtype="float64", na_value=np.nan).tolist()
    rows = sorted((("[" + ",".join(row) + "]\n").encode(), int(y) if y == y else -1)
                  for row, y in zip(zip(*cells), years))
    header = ("[" + ",".join(f'"{c}"' for c in cols) + "]\n").encode()
    return header, rows


def panel_fingerprint(responses: pd.DataFrame) -> str:
    """sha256 (hex) of the canonical bytes of a response table.

    The canonical bytes: a header line with the contract's column names in the contract's
    order (an optional column that is absent or wholly empty is left out, so that a new optional
    column in the contract does not change the fingerprint of a table without it), then one line per respondent row, each a JSON array of the row's cells in that
    order (numbers as the shortest exact text, 3.0 -> 3; text as a JSON string; missing as
    null), the lines sorted bytewise. Other columns are ignored. So the fingerprint does not
    depend on the file format (CSV, xlsx, parquet), nor on the order of columns or rows in the
    file: the table as read by ``dimios.io.read_responses`` and the table made by ``generate``
    give the same fingerprint.

    Used to recognise the project's default panel by its content (``is_default_panel``), e.g.
    for the report's description of the data (a user's edited copy of the panel keeps the
    ``SYN-`` ids but is not the default panel), and committed as a fingerprint of what is
    published (``DEFAULT_PANEL_FILE``; the tests regenerate it).
    """
    import hashlib

    header, lines = _canonical_rows(responses)
    h = hashlib.sha256(header)
    for line, _ in lines:
        h.update(line)
    return h.hexdigest()


def panel_year_fingerprints(responses: pd.DataFrame) -> dict[int, str]:
    """{year: fingerprint of that year's rows} (canonical bytes as in ``panel_fingerprint``)."""
    import hashlib

    header, lines = _canonical_rows(responses)
    out: dict[int, "hashlib._Hash"] = {}
    for line, year in lines:
        out.setdefault(year, hashlib.sha256(header)).update(line)
    return {y: h.hexdigest() for y, h in sorted(out.items())}


def default_panel_fingerprints() -> dict:
    """The committed fingerprints of the default panel: ``{"sha256": whole panel,
    "years": {year: sha256 of that year's rows}, "rows": row count}``."""
    data = yaml.safe_load((Path(__file__).parents[1] / DEFAULT_PANEL_FILE).read_text(encoding="utf-8"))
    return {"sha256": str(data["sha256"]), "rows": int(data["rows"]),
            "years": {int(y): str(v) for y, v in data["years"].items()}}


def is_default_panel(responses: pd.DataFrame, *, allow_year_subset: bool = False) -> bool:
    """Whether a response table is the project's default synthetic panel, by content.

    Compares ``panel_fingerprint`` with the committed fingerprint; any change to a cell, a
    row added or removed gives False, whatever the ids look like. With
    ``allow_year_subset=True`` the table may also be the default panel restricted to some of
    its years (as ``dimios build -y`` reads it): each year present must equal that year of the
    default panel exactly. Tables that are not response tables (contract columns missing)
    give False.
    """
    try:
        ref = default_panel_fingerprints()
        if not allow_year_subset:
            return len(responses) == ref["rows"] and panel_fingerprint(responses) == ref["sha256"]
        got = panel_year_fingerprints(responses)
    except ValueError:
        return False
    return bool(got) and all(ref["years"].get(y) == fp for y, fp in got.items())


def write_default_panel_fingerprints(responses: pd.DataFrame | None = None) -> Path:
    """Write DEFAULT_PANEL_FILE from the default panel (regenerated; ``dimios fingerprint --write``)."""
    from dimios.synthetic.draw import generate

    responses = generate().responses if responses is None else responses
    years = panel_year_fingerprints(responses)
    text = ("# sha256 of the default synthetic panel's canonical bytes (dimios.synthetic.panel_fingerprint),\n"
            "# whole panel and per year. Checked by tests/test_fingerprints.py; rewritten on purpose by\n"
            "# `make fingerprints` after an intended change of the panel.\n"
            f"sha256: {panel_fingerprint(responses)}\n"
            f"rows: {len(responses)}\n"
            "years:\n" + "".join(f"  {y}: {fp}\n" for y, fp in years.items()))
    path = Path(__file__).parents[1] / DEFAULT_PANEL_FILE
    path.write_text(text, encoding="utf-8")
    return path
