"""Reading respondent files: legitimate odd inputs are read exactly, with notes.

The corpus in tests/data/bad_inputs/ is made by tests/data/make_bad_inputs.py; the
expected values come from the same generator (``base_rows``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios import instrument
from dimios.io import ReadResult, load_mapping, read_responses, write_responses
from dimios.validation import (
    ORGANISATION_TYPES,
    STRING_DTYPE,
    DataValidationError,
    contract_columns,
    response_schema,
)

I = instrument.load()
PIDS = list(I.principle_ids)
DATA = Path(__file__).parent / "data" / "bad_inputs"
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"

_spec = importlib.util.spec_from_file_location("make_bad_inputs", Path(__file__).parent / "data" / "make_bad_inputs.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)
BASE = gen.base_rows()  # the 12 rows every corpus file is made from
HEADER = gen.HEADER


def expected_frame() -> pd.DataFrame:
    """BASE as the typed frame of the contract."""
    df = pd.DataFrame(BASE, columns=HEADER)
    out = pd.DataFrame({
        "respondent_id": df["respondent_id"].astype(STRING_DTYPE),
        "organisation_id": df["organisation_id"].astype(STRING_DTYPE),
        "organisation_type": pd.Categorical(df["organisation_type"], categories=list(ORGANISATION_TYPES)),
        "year": df["year"].astype("int64"),
        "involved": df["involved"].eq("true"),
        "business_area": df["business_area"].replace("", np.nan).astype(STRING_DTYPE),
    })
    for p in PIDS:
        out[p] = df[p].astype("float64")
    return out


def check_contract(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(contract_columns())
    assert df["respondent_id"].dtype == STRING_DTYPE
    assert df["organisation_id"].dtype == STRING_DTYPE
    assert df["business_area"].dtype == STRING_DTYPE
    assert isinstance(df["organisation_type"].dtype, pd.CategoricalDtype)
    assert list(df["organisation_type"].cat.categories) == list(ORGANISATION_TYPES)
    assert df["year"].dtype == np.int64
    assert df["involved"].dtype == bool
    for p in PIDS:
        assert df[p].dtype == np.float64, p
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    response_schema().validate(df)  # the pandera contract of the typed table


def read(name, mapping=None) -> ReadResult:
    res = read_responses(DATA / name, mapping)
    check_contract(res.data)
    return res


def notes_text(res) -> str:
    return "\n".join(res.notes)


# --------------------------------------------------------------------------- legitimate files


def test_example_file_reads():
    res = read_responses(EXAMPLE / "responses_example.csv")
    check_contract(res.data)
    df = res.data
    assert len(df) == 30
    assert set(df["organisation_id"]) == {"ORG-K001", "ORG-R001", "ORG-M001"}
    assert sorted(df["year"].unique()) == [2023, 2024]
    assert df[PIDS].isna().to_numpy().sum() > 0
    assert "Äldreomsorg" in set(df["business_area"].dropna())
    assert any("'vet ej'" in n for n in res.notes)


def test_plain_utf8_equals_expected():
    res = read("bom_utf8.csv")
    pd.testing.assert_frame_equal(res.data, expected_frame())
    assert any("byte-order mark" in n for n in res.notes)


def test_windows1252_reads_swedish_letters():
    res = read("windows1252.csv")
    pd.testing.assert_frame_equal(res.data, expected_frame())
    areas = set(res.data["business_area"].dropna())
    assert {"Äldreomsorg", "Miljö- och hälsoskydd", "Överförmyndare"} <= areas
    assert any("Windows-1252" in n for n in res.notes)


def test_swedish_excel_semicolon_decimal_comma_ja_nej():
    res = read("swedish_excel.csv")
    pd.testing.assert_frame_equal(res.data, expected_frame())
    text = notes_text(res)
    assert "semicolon" in text
    assert "Windows-1252" in text
    assert "12 cells with a decimal comma" in text
    assert "'Ja', 'Nej' read as true/false" in text
    assert res.data["portfoljstyrning"].iloc[0] == float(BASE[0][HEADER.index("portfoljstyrning")])


def test_vet_ej_mixed_case_and_spacing():
    res = read("vet_ej_mixed.csv")
    col = res.data["styrning"]
    assert col.iloc[:5].isna().all()  # four ways of writing vet ej + one empty cell
    exp = expected_frame()
    pd.testing.assert_series_equal(col.iloc[5:], exp["styrning"].iloc[5:])
    note = next(n for n in res.notes if n.startswith("answers:"))
    assert "4 cells 'vet ej' and 1 empty cells read as missing (NaN)" in note
    for variant in ("'Vet ej' (1)", "'VET EJ' (1)", "' vet  ej ' (1)"):
        assert variant in note


def test_labels_instead_of_numbers():
    res = read("labels.csv")
    col = res.data["innovationskultur"]
    lo, hi = I.scale.labels[0][0], I.scale.labels[-1][0]
    assert col.iloc[:3].tolist() == [float(lo), float(hi), float(hi)]
    exp = expected_frame()
    pd.testing.assert_frame_equal(res.data.drop(columns="innovationskultur"), exp.drop(columns="innovationskultur"))
    assert any("3 cells given as scale labels" in n for n in res.notes)


def test_statement_headers_with_mapping_file():
    res = read("statement_headers.csv", DATA / "statement_headers_mapping.yml")
    pd.testing.assert_frame_equal(res.data, expected_frame())
    text = notes_text(res)
    assert "headers recognised as survey statements" in text
    assert "portfoljstyrning" in text
    assert "headers renamed by the column-mapping file" in text


def test_statement_headers_without_mapping_names_what_is_missing():
    with pytest.raises(DataValidationError) as ei:
        read_responses(DATA / "statement_headers.csv")
    report = ei.value.format_report()
    assert "'Fråga 11'" in report and "unknown column" in report
    missing = next(ln for ln in report.splitlines() if "missing from the header" in ln)
    assert "'year'" in missing and "'respondent_id'" in missing and "'portfoljstyrning'" not in missing


def test_mapping_as_csv_and_swedish_names_recognised(tmp_path):
    # headers: Swedish principle names (auto) + meta via a CSV mapping with ; and a drop
    names = [I.principle(p).name_sv for p in PIDS]
    meta_src = ["Respondent", "Org", "Typ", "År", "Involverad", "Område"]
    header = meta_src + names + ["Tidsstämpel"]
    lines = [";".join(header)] + [";".join(r + ["2024-01-01 10:00"]) for r in BASE]
    f = tmp_path / "export.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    m = tmp_path / "map.csv"
    m.write_text("source;target\nRespondent;respondent_id\nOrg;organisation_id\nTyp;organisation_type\n"
                 "År;year\nInvolverad;involved\nOmråde;business_area\nTidsstämpel;\n", encoding="utf-8")
    assert load_mapping(m)["Tidsstämpel"] is None
    res = read_responses(f, m)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    text = notes_text(res)
    assert "Swedish principle names" in text
    assert "columns ignored as the mapping file says: 'Tidsstämpel'" in text


def test_header_case_and_spacing_normalised(tmp_path):
    header = [h.upper() if h == "year" else h for h in HEADER]
    header[0] = " Respondent_ID "
    f = tmp_path / "x.csv"
    f.write_text(",".join(header) + "\n" + "\n".join(",".join(r) for r in BASE) + "\n", encoding="utf-8")
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    assert any("header case/spacing normalised" in n and "'YEAR' → year" in n for n in res.notes)


def test_parquet_typed_columns():
    res = read("responses.parquet")
    exp = expected_frame()
    exp.loc[0, "skalning"] = np.nan
    pd.testing.assert_frame_equal(res.data, exp)
    assert any("1 empty cells" in n for n in res.notes)


def test_xlsx_title_row_notes_sheet_and_vet_ej():
    res = read("title_row.xlsx")
    exp = expected_frame()
    exp.loc[0, "teknisk_skuld"] = np.nan  # 'Vet ej' typed in Excel row 4
    pd.testing.assert_frame_equal(res.data, exp)
    text = notes_text(res)
    assert "title row(s) above the header skipped: 'DiMiOS enkät – export 2024'" in text
    assert "'notes'" in text
    assert "Äldreomsorg" in set(res.data["business_area"].dropna())


def test_csv_title_row_blank_lines_and_trailing_delimiter(tmp_path):
    lines = ["DiMiOS export;;", ""] + [";".join(HEADER) + ";"]
    lines += [";".join(r) + ";" for r in BASE[:3]] + [";" * len(HEADER)] + [";".join(r) + ";" for r in BASE[3:]]
    f = tmp_path / "t.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    text = notes_text(res)
    assert "1 title row(s) above the header skipped" in text
    assert "1 blank lines skipped" in text
    assert "empty column(s) without a header ignored" in text


def test_row_numbers_after_title_and_blank_lines(tmp_path):
    rows = [list(r) for r in BASE]
    rows[3][HEADER.index("skalning")] = "9"
    lines = ["Titel", ""] + [",".join(HEADER)] + [",".join(r) for r in rows[:2]] + [""] + [",".join(r) for r in rows[2:]]
    f = tmp_path / "t.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    # line 1 title, 2 blank, 3 header, 4-5 rows 0-1, 6 blank, 7.. rows 2.. -> rows[3] on line 8
    (p,) = ei.value.problems
    assert (p.row, p.column, p.value) == (8, "skalning", "9")


def test_xlsx_row_numbers_are_excel_rows(tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(DATA / "title_row.xlsx")
    ws = wb["Svar"]
    ws.cell(row=7, column=HEADER.index("rykte") + 1, value=0)
    tmp = tmp_path / "rows.xlsx"
    wb.save(tmp)
    with pytest.raises(DataValidationError) as ei:
        read_responses(tmp)
    (p,) = ei.value.problems
    assert (p.row, p.column, p.value) == (7, "rykte", "0")


def test_business_area_optional(tmp_path):
    keep = [i for i, h in enumerate(HEADER) if h != "business_area"]
    f = tmp_path / "nb.csv"
    f.write_text("\n".join(",".join(r[i] for i in keep) for r in [HEADER] + BASE) + "\n", encoding="utf-8")
    res = read_responses(f)
    check_contract(res.data)
    assert res.data["business_area"].isna().all()
    assert any("business_area: column absent" in n for n in res.notes)


def test_numeric_ids_in_xlsx_are_text(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for k, r in enumerate(BASE):
        vals = list(r)
        vals[0] = 1000 + k
        vals[HEADER.index("year")] = float(vals[HEADER.index("year")])
        ws.append(vals)
    wb.save(tmp_path / "n.xlsx")
    res = read_responses(tmp_path / "n.xlsx")
    check_contract(res.data)
    assert res.data["respondent_id"].iloc[0] == "1000"
    assert res.data["year"].iloc[0] == 2023


# --------------------------------------------------------------------------- writing


def test_write_responses_deterministic_and_roundtrip(tmp_path):
    df = expected_frame()
    df.loc[2, "rykte"] = np.nan
    for suffix in (".csv", ".parquet"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        write_responses(df, a)
        write_responses(df.copy(), b)
        assert a.read_bytes() == b.read_bytes(), suffix
        back = read_responses(a).data
        pd.testing.assert_frame_equal(back, df)
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1].split(",")[4] in ("true", "false")
    assert ",5.0" not in text  # answers written as integers


def test_write_responses_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError):
        write_responses(expected_frame(), tmp_path / "x.json")


# --------------------------------------------------------------------------- read errors


def test_missing_file_is_a_data_validation_error(tmp_path):
    with pytest.raises(DataValidationError) as ei:
        read_responses(tmp_path / "nope.csv")
    p = ei.value.problems[0]
    assert p.row is None and p.column is None
    assert "file not found" in ei.value.format_report()
    assert "nope.csv" in ei.value.format_report()


@pytest.mark.parametrize("name, content, expect", [
    ("x.json", b"{}", "a file ending in .csv, .txt, .xlsx, .parquet"),
    ("x.xls", b"\xd0\xcf\x11\xe0", "save the workbook as .xlsx"),
    ("x.parquet", b"not parquet at all", "a valid parquet file"),
    ("x.csv", b"PK\x03\x04\x00\x00binary", "looks like an Excel workbook"),
    ("x.csv", b"\xff\xfer\x00e\x00", "UTF-16"),
])
def test_unreadable_formats(tmp_path, name, content, expect):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    assert expect in ei.value.format_report()
    assert ei.value.path == str(f)


def test_not_a_workbook():
    with pytest.raises(DataValidationError) as ei:
        read_responses(DATA / "not_a_workbook.xlsx")
    assert "a valid Excel .xlsx workbook" in ei.value.format_report()


def test_bad_mapping_target(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text('"Fråga 1": skalnig\n', encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(EXAMPLE / "responses_example.csv", m)
    report = ei.value.format_report()
    assert "m.yml" in report and "value 'skalnig'" in report and "did you mean 'skalning'?" in report


def test_example_mapping_loads():
    m = load_mapping(EXAMPLE / "column_mapping_example.yml")
    assert set(v for v in m.values() if v) <= set(contract_columns())
    assert m["Tidsstämpel"] is None


def test_corpus_is_up_to_date(tmp_path):
    """The committed corpus equals what the generator makes now (xlsx compared by content)."""
    target = tmp_path / "bad_inputs"
    orig = gen.OUT
    gen.OUT = target
    try:
        gen.main()
    finally:
        gen.OUT = orig
    made = sorted(p.name for p in target.iterdir())
    committed = sorted(p.name for p in DATA.iterdir())
    assert made == committed
    for name in made:
        if name.endswith(".xlsx"):
            continue
        assert (target / name).read_bytes() == (DATA / name).read_bytes(), name
    assert len(made) >= 15


def test_semicolon_export_with_one_more_trailing_delimiter_on_data_rows(tmp_path):
    """Survey tools often end every data row with ';' but not the header: the header must be
    found with the semicolon (not the comma), and the extra empty column ignored."""
    lines = [";".join(HEADER)] + [";".join(r) + ";" for r in BASE]
    f = tmp_path / "export.csv"
    f.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    text = notes_text(res)
    assert "delimiter: semicolon" in text and "1 empty column(s) without a header ignored" in text
    assert "title row" not in text  # the header is line 1, not the widest data row


def test_semicolon_header_with_comma_decimals_is_not_read_as_comma_separated(tmp_path):
    """A semicolon file whose cells hold decimal commas has more commas than semicolons in some
    lines; the header decides the delimiter by the recognised column names."""
    rows = [list(r) for r in BASE]
    for r in rows:
        for p in PIDS[:10]:
            r[HEADER.index(p)] = r[HEADER.index(p)] + ",0"
    lines = [";".join(HEADER)] + [";".join(r) for r in rows]
    f = tmp_path / "decimals.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    assert "delimiter: semicolon" in notes_text(res)


# --------------------------------------------------------------------------- rough edges (issue 14, item 8)
@pytest.mark.parametrize("name", ["two_row_header.csv", "two_row_header.xlsx"])
def test_two_row_header_is_named_and_truncated_lists_say_how_many_more(name):
    with pytest.raises(DataValidationError) as ei:
        read_responses(DATA / name)
    report = ei.value.format_report()
    lines = report.splitlines()
    # the hint comes first: row 2 holds the 26 principle ids
    assert lines[1].startswith("  row 2: this row holds 26 column names ('portfoljstyrning', ")
    assert "the file seems to have two header rows" in lines[1] and "unmerge the header cells" in lines[1]
    # 26 missing columns are named 12 at a time, with the count of the rest
    missing = next(ln for ln in lines if "missing from the header" in ln)
    assert missing.startswith("  26 columns 'portfoljstyrning'") and "'digitalt_forst' and 14 more:" in missing
    unnamed = next(ln for ln in lines if "column without a header" in ln)
    assert " and 8 more:" in unnamed
    # every problem is accounted for in the report (shown or counted)
    assert ei.value.n_problems == 58


def test_a_real_first_data_row_is_not_taken_for_a_header():
    with pytest.raises(DataValidationError) as ei:
        read_responses(DATA / "text_in_answer.csv")
    assert "two header rows" not in ei.value.format_report()


def _example_mapping_lines() -> list[str]:
    return (EXAMPLE / "column_mapping_example.yml").read_text(encoding="utf-8").split("\n")


def test_yaml_error_in_mapping_file_reports_its_line(tmp_path):
    lines = _example_mapping_lines()
    assert lines[17].startswith('"Enkätår"')
    lines[17] = 'Enkätår: year: 2023'  # a second ':' on line 18
    m = tmp_path / "m.yml"
    m.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(EXAMPLE / "responses_example.csv", m)
    report = ei.value.format_report()
    assert report.splitlines()[0] == f"1 problem in {m}"
    assert "line 18: YAML syntax error: mapping values are not allowed here (column 14;" in report


def test_bad_mapping_target_reports_the_line_it_is_on(tmp_path):
    lines = _example_mapping_lines()
    lines[17] = lines[17].replace("year", "yaer")
    m = tmp_path / "m.yml"
    m.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(EXAMPLE / "responses_example.csv", m)
    assert ("line 18, column 'target': value 'yaer' — expected a column of the data contract or empty (ignore) "
            "— did you mean 'year'?") in ei.value.format_report()
    # the same in a CSV mapping with a comment and a blank line above the header
    c = tmp_path / "m.csv"
    c.write_text("# mapping\n\nsource,target\nEnkätår,year\nFråga 1,skalnig\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        load_mapping(c)
    assert ei.value.problems[0].row == 5 and "line 5, column 'target'" in ei.value.format_report()


def test_two_sources_mapped_to_one_target_blame_the_mapping_file(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text('# two exports of different years\n"respondent_id": respondent_id\n\n'
                 '"organisation_id": respondent_id\n', encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(EXAMPLE / "responses_example.csv", m)
    err = ei.value
    assert err.path == str(m) and [p.row for p in err.problems] == [2, 4]
    report = err.format_report()
    assert report.splitlines()[0] == f"2 problems in {m}"
    assert ("line 2: value 'respondent_id' (maps to 'respondent_id', but responses_example.csv also has "
            "'organisation_id' (line 4) mapped there too)") in report
    # a mapping line for a column the data already have under its contract name
    m.write_text('"Enkätår": year\n"respondent_id": respondent_id\n"rid": respondent_id\n', encoding="utf-8")
    assert read_responses(EXAMPLE / "responses_example.csv", m).data.shape[0] == 30  # alternatives are fine
    data = tmp_path / "d.csv"
    text = (EXAMPLE / "responses_example.csv").read_text(encoding="utf-8").split("\n")
    text[0] += ",Enkätår"
    text[1:] = [ln + ",2023" if ln else ln for ln in text[1:]]
    data.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_responses(data, m)
    assert ei.value.path == str(m)
    assert "line 1: value 'Enkätår' (maps to 'year', but d.csv also has 'year', which already is that column)" \
        in ei.value.format_report()


def test_windows1252_mapping_file_is_read(tmp_path):
    export = ROOT / "tests" / "data" / "organisation" / "export_kommun_cp1252.csv"
    utf8 = EXAMPLE / "column_mapping_example.yml"
    cp = tmp_path / "mapping_cp1252.yml"
    cp.write_bytes(utf8.read_text(encoding="utf-8").encode("cp1252"))
    assert b"Enk\xe4t\xe5r" in cp.read_bytes()
    assert load_mapping(cp) == load_mapping(utf8)
    pd.testing.assert_frame_equal(read_responses(export, cp).data, read_responses(export, utf8).data)
    c = tmp_path / "m.csv"
    c.write_bytes("source;target\nEnkätår;year\n".encode("cp1252"))
    assert load_mapping(c) == {"Enkätår": "year"}
