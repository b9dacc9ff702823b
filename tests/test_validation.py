"""Validation: every bad input gives one clear, complete report (file, row, column,
value, expectation), all problems at once, never a traceback or a silent coercion."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios import instrument
from dimios.io import read_responses, write_responses
from dimios.validation import (
    MAX_PROBLEMS,
    ORGANISATION_TYPES,
    STRING_DTYPE,
    DataValidationError,
    Problem,
    contract_columns,
    max_year,
    response_schema,
    validate,
)

I = instrument.load()
PIDS = list(I.principle_ids)
DATA = Path(__file__).parent / "data" / "bad_inputs"
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example" / "responses_example.csv"
ANSWER = f"expected an integer {I.scale.min}–{I.scale.max}, '{I.scale.dont_know}' or empty"
HI = dt.date.today().year + 1
YEAR = f"expected an integer year 2015–{HI}"


def error_of(name, mapping=None) -> DataValidationError:
    with pytest.raises(DataValidationError) as ei:
        read_responses(DATA / name, mapping)
    err = ei.value
    assert err.path == str(DATA / name)
    report = err.format_report()
    assert report.splitlines()[0] == f"{err.n_problems} problem{'s' if err.n_problems != 1 else ''} in {DATA / name}"
    assert "Traceback" not in report and "SchemaError" not in report
    return err


def lines(err) -> list[str]:
    return [ln.strip() for ln in err.format_report().splitlines()[1:]]


# --------------------------------------------------------------------------- the corpus


def test_answer_8():
    err = error_of("answer_8.csv")
    assert lines(err) == [f"row 12, column 'skalning': value '8' — {ANSWER}"]
    (p,) = err.problems
    assert p == Problem(str(DATA / "answer_8.csv"), 12, "skalning", "8", ANSWER[len("expected "):])


def test_answer_0():
    err = error_of("answer_0.csv")
    assert lines(err) == [f"row 3, column 'portfoljstyrning': value '0' — {ANSWER}"]


def test_out_of_scale_minus_one_and_decimals():
    err = error_of("out_of_scale.csv")
    assert lines(err) == [
        f"row 2, column 'rykte': value '-1' — {ANSWER}",
        f"row 3, column 'rykte': value '3.5' (not an integer) — {ANSWER}",
        f"row 4, column 'rykte': value '5,5' (not an integer) — {ANSWER}",
    ]


def test_text_in_answer_column():
    err = error_of("text_in_answer.csv")
    assert lines(err) == [f"row 5, column 'kompetens': value 'bra' (text, not an answer) — {ANSWER}"]


def test_duplicate_respondent_year():
    err = error_of("duplicate_respondent_year.csv")
    assert lines(err) == [
        "row 8, column 'respondent_id+year': value 'R0001, 2023' (duplicate of row 2) "
        "— expected one row per respondent and year"
    ]


def test_missing_column():
    err = error_of("missing_column.csv")
    assert lines(err) == ["column 'year': missing from the header — expected a required column of the data contract"]


def test_unknown_column_with_hint():
    err = error_of("unknown_column.csv")
    assert lines(err) == [
        "column 'skalning': missing from the header — expected a required column of the data contract",
        "column 'skalnig': unknown column — expected a column of the data contract (did you mean 'skalning'?)",
        "column 'kommentar': unknown column — expected a column of the data contract "
        "(or map it with a column-mapping file)",
    ]


def test_empty_file():
    err = error_of("empty.csv")
    (ln,) = lines(err)
    assert ln.startswith("file: the file is empty — expected a header row with the columns respondent_id")


def test_header_only():
    err = error_of("header_only.csv")
    assert lines(err) == ["file: header only, no data rows — expected at least one data row below the header"]


@pytest.mark.parametrize("name, what", [("tab_delimited.csv", "tab"), ("pipe_delimited.csv", "vertical bar")])
def test_single_column_wrong_delimiter(name, what):
    err = error_of(name)
    (ln,) = lines(err)
    assert "(the file has a single column)" in ln
    assert f"expected columns separated by comma or semicolon (the header contains {what} characters" in ln


def test_short_row_is_not_padded_silently():
    err = error_of("short_row.csv")
    n = len(contract_columns()) - 1  # the test files carry every contract column but the optional peer_group
    assert lines(err) == [f"row 7: {n - 2} cells (a missing delimiter?) — expected {n} cells per row (as many as the header has)"]


def test_unrecognised_header_lists_missing_columns_in_one_line(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("Titel\n\nrespondent_idx;foo\n1;2\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    ls = lines(ei.value)
    n_req = len(contract_columns()) - 2  # all but the optional business_area and peer_group
    assert ls[0].startswith(f"{n_req} columns 'respondent_id', 'organisation_id'")
    assert ls[0].endswith("missing from the header — expected a required column of the data contract")
    assert ls[1] == ("column 'respondent_idx': unknown column — expected a column of the data contract "
                     "(did you mean 'respondent_id'?)")


def test_negative_year():
    err = error_of("negative_year.csv")
    assert lines(err) == [f"row 4, column 'year': value '-2023' — {YEAR}"]


def test_implausible_years():
    err = error_of("implausible_years.csv")
    assert lines(err) == [
        f"row 2, column 'year': value '1900' — {YEAR}",
        f"row 3, column 'year': value '3024' — {YEAR}",
        f"row 5, column 'year': value 'tjugotjugotre' (not a number) — {YEAR}",
    ]


def test_invalid_meta_columns():
    err = error_of("invalid_meta.csv")
    assert lines(err) == [
        "row 4, column 'respondent_id': empty — expected a non-empty id",
        "row 6, column 'organisation_id': empty — expected a non-empty id",
        "row 2, column 'organisation_type': value 'kommuner' — expected one of kommun, region, myndighet",
        "row 3, column 'involved': value 'kanske' — expected true or false (also sant/falsk, ja/nej, 1/0)",
    ]


# --------------------------------------------------------------------------- all at once, truncation


def test_all_problems_collected_at_once(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    rows = [ln.split(",") for ln in text[1:]]
    rows[0][header.index("skalning")] = "8"
    rows[1][header.index("year")] = "1900"
    rows[2][header.index("involved")] = "kanske"
    rows[3][0] = rows[4][0]
    rows[3][header.index("year")] = rows[4][header.index("year")]
    header[header.index("rykte")] = "ryckte"
    f = tmp_path / "many.csv"
    f.write_text("\n".join(",".join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    err = ei.value
    kinds = {(p.column, p.row) for p in err.problems}
    assert {("rykte", None), ("ryckte", None), ("skalning", 2), ("year", 3), ("involved", 4),
            ("respondent_id+year", 6)} <= kinds
    assert err.n_problems == 6


def test_report_truncates_per_column_and_overall(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    rows = [ln.split(",") for ln in text[1:]]
    for r in rows:
        r[header.index("skalning")] = "8"
        r[header.index("rykte")] = "0"
    f = tmp_path / "t.csv"
    f.write_text("\n".join(",".join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    err = ei.value
    assert err.n_problems == 60
    rep = err.format_report().splitlines()
    assert rep[0] == f"60 problems in {f}"
    assert sum("column 'skalning': value '8'" in ln for ln in rep) == 5
    assert "… and 25 more like this in column 'skalning' (rows 7, 8, 9, 10, 11, 12, 13, 14, …)" in rep[6]
    short = err.format_report(max_lines=4).splitlines()
    assert len(short) <= 4
    assert short[-1].strip().startswith("… and") and "not shown" in short[-1]


def test_many_errors_are_capped_but_counted(tmp_path):
    n = 50_000
    df = pd.DataFrame({"respondent_id": [f"R{i}" for i in range(n)], "organisation_id": "ORG-1",
                       "organisation_type": "kommun", "year": 2023, "involved": True, "business_area": "x"})
    for p in PIDS:
        df[p] = 9.0  # every answer out of scale
    f = tmp_path / "big.parquet"
    write_responses(df, f)
    t = time.perf_counter()
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    assert time.perf_counter() - t < 20
    err = ei.value
    assert err.n_problems == n * len(PIDS)
    assert len(err.problems) == MAX_PROBLEMS
    rep = err.format_report()
    assert len(rep.splitlines()) <= 30
    assert f"{n * len(PIDS)} problems in" in rep.splitlines()[0]


# --------------------------------------------------------------------------- validate() directly


def raw_frame(n=3, **overrides) -> pd.DataFrame:
    data = {"respondent_id": [f"R{i}" for i in range(n)], "organisation_id": ["O1"] * n,
            "organisation_type": ["kommun"] * n, "year": [2023] * n, "involved": [True] * n,
            "business_area": ["Skola"] * n}
    for p in PIDS:
        data[p] = [4.0] * n
    data.update(overrides)
    df = pd.DataFrame(data)
    df.index = pd.RangeIndex(1, n + 1)
    return df


def test_validate_typed_raw_values():
    notes = []
    df = validate(raw_frame(), "mem.parquet", notes=notes)
    assert list(df.columns) == list(contract_columns())
    assert df["skalning"].tolist() == [4.0, 4.0, 4.0]


def test_validate_typed_bad_values():
    raw = raw_frame(year=[2023, 2023.5, np.nan], skalning=[3.5, 8.0, np.nan], involved=[1, 0, 2],
                    rykte=[True, False, True])
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "mem.parquet")
    got = {(p.column, p.row, p.value) for p in ei.value.problems}
    assert ("year", 2, "2023.5") in got and ("year", 3, None) in got
    assert ("skalning", 1, "3.5") in got and ("skalning", 2, "8") in got
    assert ("involved", 3, "2") in got
    assert ("rykte", 1, "True") in got


def test_involved_spellings_and_organisation_type_case():
    notes = []
    raw = raw_frame(n=8, involved=["true", "FALSE", "Sant", "falsk", "JA", "nej", "1", "0"],
                    organisation_type=["Kommun", "REGION", "myndighet", "kommun", "kommun", "kommun", "kommun", "kommun"])
    raw = raw.astype({c: "str" for c in ("year",)})
    df = validate(raw, "mem.csv", notes=notes)
    assert df["involved"].tolist() == [True, False, True, False, True, False, True, False]
    assert df["organisation_type"].tolist()[:3] == ["kommun", "region", "myndighet"]
    assert any(n.startswith("involved:") for n in notes)
    assert any(n.startswith("organisation_type:") for n in notes)


def test_duplicate_column_names():
    raw = raw_frame()
    raw.columns = [c if c != "rykte" else "skalning" for c in raw.columns]
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "dup.csv")
    rep = ei.value.format_report()
    assert "column 'skalning': appears 2 times in the header — expected each column once" in rep
    assert "column 'rykte': missing from the header" in rep


def test_error_str_is_report():
    err = DataValidationError([Problem("f.csv", 3, "year", "x", "an integer year")], "f.csv")
    assert str(err) == "1 problem in f.csv\n  row 3, column 'year': value 'x' — expected an integer year"


def test_million_rows_vectorised(tmp_path):
    """Guard against per-row Python loops: 200 000 rows must read + validate quickly."""
    n = 200_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"respondent_id": [f"R{i}" for i in range(n)],
                       "organisation_id": rng.choice(["O1", "O2", "O3"], n),
                       "organisation_type": "kommun", "year": 2023, "involved": True, "business_area": "x"})
    for p in PIDS:
        col = rng.integers(1, 8, n).astype(object)
        col[rng.random(n) < 0.05] = "vet ej"
        df[p] = pd.Series(col).astype(str)
    f = tmp_path / "big.parquet"
    write_responses(df, f)
    t = time.perf_counter()
    res = read_responses(f)
    assert time.perf_counter() - t < 10
    assert len(res.data) == n


# --------------------------------------------------------------------------- the report's layout
# DataValidationError.format_report decides what a user reads first: which lines are shown, how
# many "more like this" are left, and the count of problems not shown. Built here from Problem
# objects so every branch of the layout is pinned by its exact text.


def _p(row, column, value="x", expected="E", note=None) -> Problem:
    return Problem("f.csv", row, column, value, expected, note)


def _report(problems, counts=None, **kw) -> list[str]:
    return DataValidationError(problems, "f.csv", counts).format_report(**kw).splitlines()


def _unknown(k) -> list[Problem]:
    return [_p(None, f"c{i}", None, "a column of the data contract", "unknown column") for i in range(k)]


def _cells(column, first, last) -> list[Problem]:
    return [_p(r, column, str(r)) for r in range(first, last + 1)]


@pytest.mark.parametrize("k", [3, 4])
def test_column_problems_are_one_line_from_four_columns_on(k):
    got = _report(_unknown(k))
    if k == 3:
        assert got[1:] == [f"  column 'c{i}': unknown column — expected a column of the data contract" for i in range(3)]
    else:
        assert got[1:] == ["  4 columns 'c0', 'c1', 'c2', 'c3': unknown column — expected a column of the data contract"]


@pytest.mark.parametrize("k", [12, 13])
def test_column_problems_name_twelve_columns_then_how_many_more(k):
    names = ", ".join(f"'c{i}'" for i in range(12))
    more = " and 1 more" if k == 13 else ""
    assert _report(_unknown(k))[1:] == [f"  {k} columns {names}{more}: unknown column — expected a column of the data contract"]


def test_column_problems_without_a_note_have_no_empty_colon():
    probs = [_p(None, f"c{i}", None, "each column once") for i in range(4)]
    assert _report(probs)[1:] == ["  4 columns 'c0', 'c1', 'c2', 'c3' — expected each column once"]


def test_one_more_like_this_names_its_row_without_an_ellipsis():
    assert _report(_cells("skalning", 2, 7)) == [
        "6 problems in f.csv",
        *[f"  row {r}, column 'skalning': value '{r}' — expected E" for r in range(2, 7)],
        "  … and 1 more like this in column 'skalning' (rows 7)",
    ]


def test_more_like_this_lists_eight_rows_then_an_ellipsis():
    got = _report(_cells("skalning", 2, 15))
    assert got[-1] == "  … and 9 more like this in column 'skalning' (rows 7, 8, 9, 10, 11, 12, 13, 14, …)"
    got = _report(_cells("skalning", 2, 14))
    assert got[-1] == "  … and 8 more like this in column 'skalning' (rows 7, 8, 9, 10, 11, 12, 13, 14)"


def test_more_like_this_counts_problems_without_objects_and_lists_no_rows():
    # the collector keeps only some Problem objects; counts holds the real total
    assert _report(_cells("skalning", 2, 6), {("skalning", "E"): 100})[-1] == \
        "  … and 95 more like this in column 'skalning'"


def test_more_like_this_for_row_problems_without_a_column():
    probs = [_p(r, None, None, "12 cells per row (as many as the header has)", "10 cells") for r in range(2, 9)]
    assert _report(probs)[-2:] == [
        "  row 6: 10 cells — expected 12 cells per row (as many as the header has)",
        "  … and 2 more like this (rows 7, 8)",
    ]


def test_no_more_like_this_line_when_it_would_take_the_last_line():
    # 1 summary + 5 problem lines fill max_lines - 1: the last line says what is not shown
    assert _report(_cells("skalning", 2, 7), max_lines=7) == [
        "6 problems in f.csv",
        *[f"  row {r}, column 'skalning': value '{r}' — expected E" for r in range(2, 7)],
        "  … and 1 more problem not shown",
    ]


def test_not_shown_counts_every_problem_left_out():
    got = _report(_cells("rykte", 2, 8) + _cells("skalning", 2, 7), max_lines=10)
    assert got == [
        "13 problems in f.csv",
        *[f"  row {r}, column 'rykte': value '{r}' — expected E" for r in range(2, 7)],
        "  … and 2 more like this in column 'rykte' (rows 7, 8)",
        "  row 2, column 'skalning': value '2' — expected E",
        "  row 3, column 'skalning': value '3' — expected E",
        "  … and 4 more problems not shown",
    ]


def test_not_shown_after_a_column_group():
    assert _report(_unknown(4) + _cells("skalning", 2, 7), max_lines=4) == [
        "10 problems in f.csv",
        "  4 columns 'c0', 'c1', 'c2', 'c3': unknown column — expected a column of the data contract",
        "  row 2, column 'skalning': value '2' — expected E",
        "  … and 5 more problems not shown",
    ]


def test_not_shown_counts_a_column_group_after_a_file_problem():
    # e.g. a second header row (a file-level problem) and the columns it leaves unnamed
    assert _report([_p(None, None, None, "F", "file note")] + _unknown(4) + _cells("skalning", 2, 7), max_lines=5) == [
        "11 problems in f.csv",
        "  file: file note — expected F",
        "  4 columns 'c0', 'c1', 'c2', 'c3': unknown column — expected a column of the data contract",
        "  row 2, column 'skalning': value '2' — expected E",
        "  … and 5 more problems not shown",
    ]


def test_a_full_report_stops_before_a_column_group():
    assert _report([_p(None, None, None, "F", "file note")] + _unknown(4), max_lines=3) == [
        "5 problems in f.csv",
        "  file: file note — expected F",
        "  … and 4 more problems not shown",
    ]


@pytest.mark.parametrize("max_lines", [2, 3])
def test_the_shortest_report_still_shows_one_problem(max_lines):
    assert _report(_cells("skalning", 2, 4), max_lines=max_lines) == [
        "3 problems in f.csv",
        "  row 2, column 'skalning': value '2' — expected E",
        "  … and 2 more problems not shown",
    ]


_COUNTS = {("skalning", "E"): 1, ("rykte", "E"): 3, (None, "F"): 1, ("year", "Y"): 2,
           **{(f"c{i}", "a column of the data contract"): 1 for i in range(4)}}


def test_kinds_of_problems_without_problem_objects_get_a_count_line():
    assert _report(_unknown(4) + _cells("skalning", 2, 2), _COUNTS) == [
        "11 problems in f.csv",
        "  4 columns 'c0', 'c1', 'c2', 'c3': unknown column — expected a column of the data contract",
        "  row 2, column 'skalning': value '2' — expected E",
        "  3 problems in column 'rykte' — expected E",
        "  1 problem in file — expected F",
        "  2 problems in column 'year' — expected Y",
    ]


def test_count_lines_stop_at_the_budget_and_are_counted_as_shown():
    assert _report(_unknown(4) + _cells("skalning", 2, 2), _COUNTS, max_lines=5) == [
        "11 problems in f.csv",
        "  4 columns 'c0', 'c1', 'c2', 'c3': unknown column — expected a column of the data contract",
        "  row 2, column 'skalning': value '2' — expected E",
        "  3 problems in column 'rykte' — expected E",
        "  … and 3 more problems not shown",
    ]


# --------------------------------------------------------------------------- the typed contract


def _typed() -> pd.DataFrame:
    return validate(raw_frame(n=3), "mem.parquet")


def _set(col, values, dtype=None):
    def breach(df):
        df[col] = pd.Series(values, index=df.index, dtype=dtype)
        return df
    return breach


def _reorder(df):
    cols = list(df.columns)
    cols[0], cols[1] = cols[1], cols[0]
    return df[cols]


_BREACHES = {
    "empty respondent id": _set("respondent_id", ["R0", "", "R2"], STRING_DTYPE),
    "missing respondent id": _set("respondent_id", ["R0", np.nan, "R2"], STRING_DTYPE),
    "respondent id not text": _set("respondent_id", [1, 2, 3]),
    "empty organisation id": _set("organisation_id", ["O1", "", "O1"], STRING_DTYPE),
    "missing organisation id": _set("organisation_id", ["O1", np.nan, "O1"], STRING_DTYPE),
    "organisation id not text": _set("organisation_id", [1, 1, 1]),
    "organisation id as categories": _set("organisation_id", ["O1", "O1", "O1"], "category"),
    "missing organisation type": _set("organisation_type", ["kommun", np.nan, "kommun"],
                                      pd.CategoricalDtype(list(ORGANISATION_TYPES))),
    "organisation type as plain text": _set("organisation_type", ["kommun"] * 3, STRING_DTYPE),
    "organisation type with other categories": _set("organisation_type", ["kommun"] * 3,
                                                    pd.CategoricalDtype(["kommun", "region"])),
    "year before 2015": _set("year", [2014, 2023, 2023], "int64"),
    "year as float": _set("year", [2023.0] * 3, "float64"),
    "involved as text": _set("involved", ["true"] * 3, STRING_DTYPE),
    "business area not text": _set("business_area", [1.0, 2.0, 3.0]),
    "answer outside the scale": _set("skalning", [4.0, 8.0, np.nan]),
    "answer not an integer": _set("skalning", [4.0, 3.5, np.nan]),
    "answers as integers": _set("skalning", [4, 4, 4], "int64"),
    "a column outside the contract": lambda df: df.assign(kommentar="x"),
    "columns out of order": _reorder,
    "respondent twice in a year": _set("respondent_id", ["R0", "R0", "R2"], STRING_DTYPE),
}


def test_the_typed_table_meets_its_schema_at_the_edges():
    df = _typed()
    df["respondent_id"] = pd.Series(["R", "S", "T"], dtype=STRING_DTYPE)  # one character is an id
    df["organisation_id"] = pd.Series(["O", "O", "P"], dtype=STRING_DTYPE)
    df["year"] = pd.Series([2015, max_year(), 2023], dtype="int64")
    df["business_area"] = pd.Series(["Skola", np.nan, "Vård"], dtype=STRING_DTYPE)
    df["skalning"] = [1.0, 7.0, np.nan]
    response_schema().validate(df)


@pytest.mark.parametrize("breach", list(_BREACHES), ids=list(_BREACHES))
def test_the_schema_rejects_every_breach_of_the_contract(breach):
    import pandera.errors as pe

    df = _BREACHES[breach](_typed())
    with pytest.raises((pe.SchemaError, pe.SchemaErrors)):
        response_schema().validate(df)


# --------------------------------------------------------------------------- values in messages


def _problem_lines(raw, path="mem.xlsx", **kw) -> list[str]:
    with pytest.raises(DataValidationError) as ei:
        validate(raw, path, **kw)
    return lines(ei.value)


@pytest.mark.parametrize("length, shown", [(60, "a" * 60), (61, "a" * 59 + "…")])
def test_long_values_are_cut_at_sixty_characters(length, shown):
    assert Problem("f.csv", 3, "kompetens", "a" * length, "E").line() == f"row 3, column 'kompetens': value '{shown}' — expected E"


def test_line_breaks_and_tabs_in_values_are_shown_escaped():
    assert Problem("f.csv", 3, "kompetens", "bra\nmen\tdyr", "E").line() == \
        "row 3, column 'kompetens': value 'bra\\nmen\\tdyr' — expected E"


def test_a_read_error_names_its_line_column_value_and_file(tmp_path):
    from dimios.validation import fail

    path = tmp_path / "map.csv"
    err = fail(path, "two cells per row: source,target", row=3, value="a;b;c", row_label="line")
    assert str(err) == f"1 problem in {path}\n  line 3: value 'a;b;c' — expected two cells per row: source,target"
    err = fail(path, "an integer year", row=4, column="year", value="x", note="not a number")
    assert str(err) == f"1 problem in {path}\n  row 4, column 'year': value 'x' (not a number) — expected an integer year"
    assert err.problems == [Problem(str(path), 4, "year", "x", "an integer year", "not a number")]


def test_the_exception_message_is_the_report_cut_to_eight_lines():
    probs = _cells("rykte", 2, 8) + _cells("skalning", 2, 30)
    err = DataValidationError(probs, "f.csv")
    assert err.args == ("\n".join(_report(probs, max_lines=8)),)
    assert len(err.args[0].splitlines()) == 8 and err.args[0].splitlines()[-1] == "  … and 29 more problems not shown"


def test_typed_answers_say_why_they_are_wrong_as_text_answers_do():
    # a parquet/xlsx column of (here 32-bit) floats: the values and notes of a CSV file
    raw = raw_frame(skalning=np.array([8.0, 3.5, 4.0], dtype="float32"))
    assert _problem_lines(raw) == [
        f"row 1, column 'skalning': value '8' — {ANSWER}",
        f"row 2, column 'skalning': value '3.5' (not an integer) — {ANSWER}",
    ]


def test_nullable_integer_answers_read_with_missing_cells():
    raw = raw_frame(skalning=pd.array([4, None, 7], dtype="Int64"))
    df = validate(raw, "mem.parquet")
    assert df["skalning"].tolist()[0] == 4.0 and np.isnan(df["skalning"].iat[1]) and df["skalning"].iat[2] == 7.0


def test_true_false_answers_are_all_reported_with_why(tmp_path):
    n = MAX_PROBLEMS + 1
    raw = raw_frame(n=n, rykte=[True] * n)
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "mem.parquet")
    err = ei.value
    assert err.n_problems == n  # counted beyond the Problem objects kept
    assert lines(err)[0] == f"row 1, column 'rykte': value 'True' (a true/false value) — {ANSWER}"


def test_answers_mixed_numbers_and_text_as_from_a_workbook():
    raw = raw_frame(skalning=[4.0, "vet ej", 5])
    assert validate(raw, "mem.xlsx")["skalning"].tolist()[::2] == [4.0, 5.0]


def test_a_typographic_minus_is_read_as_a_minus():
    raw = raw_frame(year=["\u22122023", "2023", "2023"], rykte=["\u22121", "4", "4"])
    assert _problem_lines(raw) == [
        f"row 1, column 'year': value '\u22122023' — {YEAR}",
        f"row 1, column 'rykte': value '\u22121' — {ANSWER}",
    ]


def test_an_empty_date_cell_in_the_year_column_is_empty():
    raw = raw_frame(year=[pd.Timestamp("2023-01-01"), pd.NaT, pd.Timestamp("2023-01-01")])
    assert _problem_lines(raw)[1] == f"row 2, column 'year': empty — {YEAR}"


def test_another_scale_gives_its_own_expectation():
    import dataclasses

    scale = dataclasses.replace(I.scale, max=5, labels=((1, "Instämmer inte alls"), (5, "Instämmer helt")))
    instr = dataclasses.replace(I, scale=scale)
    raw = raw_frame(skalning=[4.0, 6.0, 5.0], rykte=[True, False, True])
    assert _problem_lines(raw, instr=instr)[:2] == [
        "row 2, column 'skalning': value '6' — expected an integer 1–5, 'vet ej' or empty",
        "row 1, column 'rykte': value 'True' (a true/false value) — expected an integer 1–5, 'vet ej' or empty",
    ]


# --------------------------------------------------------------------------- collecting and ordering


def test_problems_are_ordered_file_columns_then_cells():
    raw = raw_frame(respondent_id=["R0", "", "R2"])
    raw.columns = [c if c != "rykte" else "skalning" for c in raw.columns]
    assert _problem_lines(raw) == [
        "column 'skalning': appears 2 times in the header — expected each column once",
        "column 'rykte': missing from the header — expected a required column of the data contract",
        "row 2, column 'respondent_id': empty — expected a non-empty id",
    ]


def test_unknown_columns_come_after_the_contract_columns_and_once_each():
    raw = raw_frame().drop(columns=[PIDS[-1]])
    raw.insert(0, "kommentar", "a", allow_duplicates=True)
    raw.insert(0, "kommentar", "b", allow_duplicates=True)
    assert _problem_lines(raw) == [
        f"column '{PIDS[-1]}': missing from the header — expected a required column of the data contract",
        "column 'kommentar': appears 2 times in the header — expected each column once",
        "column 'kommentar': unknown column — expected a column of the data contract "
        "(or map it with a column-mapping file)",
    ]


def test_every_kind_of_problem_keeps_examples_and_the_exact_count():
    """The collector keeps at most max(limit // 10, 20) Problem objects per kind (column and
    expectation), whatever the number of calls that add to it, and counts them all."""
    n = 40
    year = ["abc"] * 25 + [""] * 3 + ["2023.5"] * 2 + ["1900"] * 2 + ["2023"] * 8
    raw = raw_frame(n=n, year=year, skalning=[8.0] * n)
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "mem.csv", max_problems=60)
    err = ei.value
    assert err.counts[("year", YEAR[len("expected "):])] == 32
    assert err.n_problems == 32 + n
    kept = [p.column for p in err.problems]
    assert kept.count("year") == 20 and kept.count("skalning") == 20


def test_the_kept_problems_stop_at_the_limit_per_kind():
    from dimios.validation.problems import _Collector

    out = _Collector("f.csv")  # 1000 problems, 100 per kind
    out.add_many(range(150), "skalning", ["8"] * 150, "E")
    out.add(200, "skalning", "9", "E")
    out.add_many(range(3), "rykte", ["0"] * 3, "E", total=30)
    err = out.error()
    assert err.counts == {("skalning", "E"): 151, ("rykte", "E"): 30}
    assert [p.column for p in err.problems].count("skalning") == 100
    assert [p.row for p in err.problems if p.column == "rykte"] == [0, 1, 2]


# --------------------------------------------------------------------------- reading notes
# Every change made while reading is a note the user reads; each note is pinned by its text.


def _messy() -> pd.DataFrame:
    raw = raw_frame(n=8).astype(object)
    raw["respondent_id"] = [" R0", "R1 ", "R2", "R3", "R4", "R5", "R6", "R7"]
    raw["organisation_id"] = ["O1", "O1 ", "O1", "O1", "O1", "O1", "O1", "O2"]
    raw["organisation_type"] = ["Kommun", "REGION", "myndighet", "kommun", "kommun", "kommun", " Kommun", "kommun"]
    raw["business_area"] = ["Skola", "", None, "Vård", "Vård", "Vård", "Vård", "Vård"]
    raw["year"] = ["2023", "2023,0", "2022", "2023", "2023", "2023", "2023", "2023"]
    raw["involved"] = ["ja", "Nej", "true", "false", "1", "0", "Sant", "falsk"]
    raw["skalning"] = ["vet ej", "Vet Ej", "", "Instämmer helt", "5,0", "5.0", "4", "VET  EJ"]
    raw["rykte"] = ["vet ej", "instämmer inte alls", "", "4", "4", "4", "4", "4"]
    return raw


def test_every_change_made_while_reading_is_a_note():
    notes = []
    validate(_messy(), "m.csv", notes=notes)
    assert notes == [
        "leading/trailing spaces removed: respondent_id (2 cells), organisation_id (1 cells), organisation_type (1 cells)",
        "organisation_type: 3 values with capitals read in lower case (e.g. 'Kommun' → 'kommun')",
        "business_area: 2 empty cells read as missing",
        "year: values written with decimals (e.g. '2023,0') read as integers",
        "involved: '0', '1', 'Nej', 'Sant', 'falsk', 'ja' read as true/false",
        "answers: 4 cells 'vet ej' and 2 empty cells read as missing (NaN); 'vet ej' written differently: "
        "'VET  EJ' (1), 'Vet Ej' (1) (case/spacing ignored)",
        "answers: 2 cells given as scale labels converted to numbers ('Instämmer inte alls' → 1, 'Instämmer helt' → 7)",
        "answers: 1 cells with a decimal comma (e.g. '5,0') read as integers",
        "answers: 1 cells written with decimals (e.g. '5.0') read as integers",
    ]


def test_the_messy_table_reads_to_the_typed_contract():
    df = validate(_messy(), "m.csv")
    assert list(df.columns) == list(contract_columns()) and isinstance(df.index, pd.RangeIndex)
    assert df["respondent_id"].tolist() == [f"R{i}" for i in range(8)]
    assert df["organisation_id"].tolist() == ["O1"] * 7 + ["O2"]
    assert df["organisation_type"].tolist() == ["kommun", "region", "myndighet"] + ["kommun"] * 5
    assert df["year"].tolist() == [2023, 2023, 2022] + [2023] * 5
    assert df["involved"].tolist() == [True, False, True, False, True, False, True, False]
    assert df["business_area"].isna().tolist() == [False, True, True] + [False] * 5
    assert df["skalning"].fillna(-1).tolist() == [-1, -1, -1, 7, 5, 5, 4, -1]
    assert df["rykte"].fillna(-1).tolist() == [-1, 1, -1, 4, 4, 4, 4, 4]
    response_schema().validate(df)


def test_numbers_as_ids_and_an_absent_business_area_are_notes():
    notes = []
    raw = raw_frame(n=3, respondent_id=[1, 2, 3], organisation_id=[10, 10, 11]).drop(columns=["business_area"])
    df = validate(raw, "m.xlsx", notes=notes)
    assert notes == [
        "respondent_id: numbers converted to text",
        "organisation_id: numbers converted to text",
        "business_area: column absent, added as an empty (missing) column",
        "answers: 0 cells 'vet ej' and 0 empty cells read as missing (NaN)",
    ]
    assert df["respondent_id"].tolist() == ["1", "2", "3"] and df["organisation_id"].tolist() == ["10", "10", "11"]
    assert df["business_area"].isna().all() and df["business_area"].dtype == STRING_DTYPE


def test_counts_in_notes_have_thousands_separated_by_a_space():
    notes = []
    n = 50
    validate(raw_frame(n=n, **{p: [np.nan] * n for p in PIDS}), "m.parquet", notes=notes)
    assert n * len(PIDS) == 1300
    assert notes == ["answers: 0 cells 'vet ej' and 1 300 empty cells read as missing (NaN)"]


def test_a_text_table_without_changes_notes_only_what_it_read():
    notes = []
    raw = raw_frame(n=2).astype(str)  # as from a CSV file: 'True', '2023', '4.0'
    validate(raw, "m.csv", notes=notes)
    assert notes == [
        "involved: 'True' read as true/false",
        "answers: 0 cells 'vet ej' and 0 empty cells read as missing (NaN)",
        f"answers: {2 * len(PIDS)} cells written with decimals (e.g. '5.0') read as integers",
    ]


# --------------------------------------------------------------------------- meta columns


def _all_lines(raw, path="mem.xlsx") -> list[str]:
    with pytest.raises(DataValidationError) as ei:
        validate(raw, path)
    return [p.line() for p in ei.value.problems]


def test_each_year_cell_is_judged_on_its_own():
    # a workbook column mixing blanks, a true/false cell, numbers and text
    raw = raw_frame(n=8, year=[" ", True, 2023, "abc", "2023.5", "1900.5", "", 2024.0])
    assert _all_lines(raw) == [
        f"row 1, column 'year': empty — {YEAR}",
        f"row 2, column 'year': value 'True' (not a number) — {YEAR}",
        f"row 4, column 'year': value 'abc' (not a number) — {YEAR}",
        f"row 5, column 'year': value '2023.5' (not an integer) — {YEAR}",
        f"row 6, column 'year': value '1900.5' (not an integer) — {YEAR}",  # once, not also out of range
        f"row 7, column 'year': empty — {YEAR}",
    ]


def test_a_true_false_year_column_is_not_a_number():
    assert _all_lines(raw_frame(n=2, year=[True, False])) == [
        f"row 1, column 'year': value 'True' (not a number) — {YEAR}",
        f"row 2, column 'year': value 'False' (not a number) — {YEAR}",
    ]


def test_empty_organisation_type_and_involved_say_empty():
    raw = raw_frame(n=3, organisation_type=["", "kommun", None], involved=[" ", None, "ja"])
    assert _all_lines(raw) == [
        "row 1, column 'organisation_type': empty — expected one of kommun, region, myndighet",
        "row 3, column 'organisation_type': empty — expected one of kommun, region, myndighet",
        "row 1, column 'involved': empty — expected true or false (also sant/falsk, ja/nej, 1/0)",
        "row 2, column 'involved': empty — expected true or false (also sant/falsk, ja/nej, 1/0)",
    ]


def test_duplicates_name_the_first_row_of_their_respondent_and_year():
    raw = raw_frame(n=7, respondent_id=["R1", "R1", "R1", "R2", "R1", "R2", ""],
                    year=[2023, 2023, 2022, 2023, 2023, 2023, 2023])
    assert _all_lines(raw) == [
        "row 7, column 'respondent_id': empty — expected a non-empty id",
        "row 2, column 'respondent_id+year': value 'R1, 2023' (duplicate of row 1) — expected one row per respondent and year",
        "row 5, column 'respondent_id+year': value 'R1, 2023' (duplicate of row 1) — expected one row per respondent and year",
        "row 6, column 'respondent_id+year': value 'R2, 2023' (duplicate of row 4) — expected one row per respondent and year",
    ]


def test_counts_are_exact_beyond_the_problems_kept():
    k = MAX_PROBLEMS + 1
    n = 5 * k + 1
    blocks = lambda *vals: [v for v in vals for _ in range(k)] + [vals[-1]]  # noqa: E731
    raw = raw_frame(
        n=n,
        respondent_id=[f"R{i}" for i in range(4 * k)] + ["D"] * (k + 1),
        organisation_id=blocks("", "O1", "O1", "O1", "O1"),
        organisation_type=blocks("kommun", "kommuner", "kommun", "kommun", "kommun"),
        year=blocks("abc", "", "2023.5", "1900", "2023"),
        involved=blocks("ja", "ja", "kanske", "", "ja"),
        skalning=blocks("9", "4", "4", "4", "4"),
        rykte=blocks("4", "bra", "4", "4", "4"),
    )
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "big.csv")
    assert ei.value.counts == {
        ("year", YEAR[len("expected "):]): 4 * k,
        ("organisation_id", "a non-empty id"): k,
        ("organisation_type", "one of kommun, region, myndighet"): k,
        ("involved", "true or false (also sant/falsk, ja/nej, 1/0)"): 2 * k,
        ("skalning", ANSWER[len("expected "):]): k,
        ("rykte", ANSWER[len("expected "):]): k,
        ("respondent_id+year", "one row per respondent and year"): k,
    }


def test_involved_from_a_nullable_boolean_column_with_a_gap():
    raw = raw_frame(n=3, involved=pd.array([True, None, False], dtype="boolean"))
    assert _all_lines(raw) == ["row 2, column 'involved': empty — expected true or false (also sant/falsk, ja/nej, 1/0)"]
    df = validate(raw_frame(n=2, involved=pd.array([True, False], dtype="boolean")), "m.parquet")
    assert df["involved"].tolist() == [True, False] and df["involved"].dtype == bool


def test_involved_cells_of_every_kind_in_one_workbook_column():
    notes = []
    df = validate(raw_frame(n=5, involved=[True, "ja", "nej", 1.0, 0]), "m.xlsx", notes=notes)
    assert df["involved"].tolist() == [True, True, False, True, False]
    assert notes[0] == "involved: '0', 'ja', 'nej' read as true/false"


def test_involved_as_numbers_one_and_zero_is_a_note():
    notes = []
    df = validate(raw_frame(n=3, involved=[1.0, 0.0, 1.0]), "m.parquet", notes=notes)
    assert df["involved"].tolist() == [True, False, True]
    assert notes[0] == "involved: '0', '1' read as true/false"


def test_the_contract_follows_the_instrument_given():
    import dataclasses

    instr = dataclasses.replace(I, principles=I.principles[:-1])
    assert _problem_lines(raw_frame(n=2), instr=instr) == [
        f"column '{PIDS[-1]}': unknown column — expected a column of the data contract "
        "(or map it with a column-mapping file)"]


def test_columns_outside_the_contract_each_get_their_own_line():
    raw = raw_frame(n=2)
    raw["yr"] = 1  # too far from 'year' (similarity 0.67 < 0.75) to guess it
    raw["(unnamed column 40)"] = "x"
    raw["kommentar"] = "y"
    raw[""] = "z"
    assert _all_lines(raw) == [
        "column 'yr': unknown column — expected a column of the data contract (or map it with a column-mapping file)",
        "column '(unnamed column 40)': column without a header — expected a header for every column that holds data",
        "column 'kommentar': unknown column — expected a column of the data contract "
        "(or map it with a column-mapping file)",
        "column '': column without a header — expected a header for every column that holds data",
    ]


def test_decimal_numbers_in_text_columns_are_written_without_a_trailing_zero():
    # a workbook stores numeric ids as floats: 1.0 is the id '1'
    notes = []
    df = validate(raw_frame(n=3, respondent_id=[1.0, 2.0, 3.5], business_area=[1.5, np.nan, 2.0]), "m.xlsx", notes=notes)
    assert df["respondent_id"].tolist() == ["1", "2", "3.5"]
    assert df["business_area"].tolist()[::2] == ["1.5", "2"] and pd.isna(df["business_area"].iat[1])
    assert notes[:3] == ["respondent_id: numbers converted to text", "business_area: numbers converted to text",
                         "business_area: 1 empty cells read as missing"]


def test_a_true_false_cell_among_answers_says_so():
    assert _all_lines(raw_frame(n=3, skalning=[True, "4", "vet ej"])) == [
        f"row 1, column 'skalning': value 'True' (a true/false value) — {ANSWER}"]


def test_a_missing_column_is_reported_once():
    raw = raw_frame(n=2).drop(columns=["organisation_type"])
    assert _all_lines(raw) == [
        "column 'organisation_type': missing from the header — expected a required column of the data contract"]


def test_a_principle_of_the_instrument_given_missing_from_the_file():
    import dataclasses

    extra = dataclasses.replace(I.principles[0], id="ny_princip")
    instr = dataclasses.replace(I, principles=I.principles + (extra,))
    assert _problem_lines(raw_frame(n=2), instr=instr) == [
        "column 'ny_princip': missing from the header — expected a required column of the data contract"]


@pytest.mark.parametrize("header, found", [
    ("respondent_id;organisation_id;year", "semicolon"),
    ("respondent_id\torganisation_id,year|x", "tab and comma and vertical bar"),
])
def test_a_single_column_names_the_delimiters_in_its_header(header, found):
    raw = pd.DataFrame({header: ["R1"]}, index=[2])
    shown = header.replace("\t", "\\t")
    assert _all_lines(raw, "m.csv") == [
        f"file: value '{shown}' (the file has a single column) — expected columns separated by comma or semicolon "
        f"(the header contains {found} characters: wrong delimiter?)"]


def test_with_little_room_the_examples_kept_follow_the_contract_order():
    raw = raw_frame(n=20, respondent_id=[""] * 20, organisation_id=[""] * 20, year=["abc"] * 20)
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "m.csv", max_problems=40)  # 20 examples per kind, 40 in all
    err = ei.value
    kept = [p.column for p in err.problems]
    assert (kept.count("respondent_id"), kept.count("organisation_id"), kept.count("year")) == (20, 0, 20)
    assert err.n_problems == 60
    assert err.format_report().splitlines()[-1] == "  20 problems in column 'organisation_id' — expected a non-empty id"


# ------------------------------------------------------------------ peer_group (optional)
def test_peer_group_is_optional_text_and_absent_means_missing():
    df = validate(raw_frame(n=3), "m.parquet")
    assert "peer_group" in df.columns and df["peer_group"].isna().all() and df["peer_group"].dtype == STRING_DTYPE
    raw = raw_frame(n=4, organisation_id=["O1", "O1", "O2", "O2"],
                    peer_group=[" Större städer", "Större städer", "", None])
    df = validate(raw, "m.csv")
    assert df["peer_group"].tolist()[:2] == ["Större städer"] * 2 and df["peer_group"].isna().tolist()[2:] == [True] * 2
    response_schema().validate(df)


def test_peer_group_must_be_one_value_per_organisation_and_year():
    raw = raw_frame(n=5, organisation_id=["O1", "O1", "O1", "O2", "O2"], year=[2023, 2023, 2022, 2023, 2023],
                    peer_group=["A", "B", "B", "C", None])
    with pytest.raises(DataValidationError) as ei:
        validate(raw, "m.csv")
    got = [(p.row, p.column, p.value) for p in ei.value.problems]
    # row 2 differs from row 1 (O1 2023); row 5 is empty where row 4 (O2 2023) has C; O1 2022 is on its own
    assert got == [(2, "peer_group", "B"), (5, "peer_group", "(empty)")]
    assert all("one peer_group per organisation and year" in p.expected for p in ei.value.problems)
    assert "'A' on an earlier row" in ei.value.problems[0].note
