"""The data contract of respondent data (see ``data/README.md``): its columns, the values they
may hold and the typed table that ``validate`` returns.

Typed output (column order = contract order, ``contract_columns()``):

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

``response_schema()`` is the same table as a pandera schema.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from dimios import instrument as _instrument

ID_COLUMNS = ("respondent_id", "organisation_id")
META_COLUMNS = ("respondent_id", "organisation_id", "organisation_type", "year", "involved", "business_area",
                "peer_group")
OPTIONAL_COLUMNS = ("business_area", "peer_group")
TEXT_COLUMNS = ("business_area", "peer_group")   # optional free text: not stripped-noted, empty = missing
ORGANISATION_TYPES = ("kommun", "region", "myndighet")
MIN_YEAR = 2015
TRUE_WORDS = ("true", "sant", "ja", "1")
FALSE_WORDS = ("false", "falsk", "nej", "0")

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
