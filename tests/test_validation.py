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
    DataValidationError,
    Problem,
    contract_columns,
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
    n = len(contract_columns())
    assert lines(err) == [f"row 7: {n - 2} cells (a missing delimiter?) — expected {n} cells per row (as many as the header has)"]


def test_unrecognised_header_lists_missing_columns_in_one_line(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("Titel\n\nrespondent_idx;foo\n1;2\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    ls = lines(ei.value)
    n_req = len(contract_columns()) - 1
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
