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
from dimios.io import ColumnMapping, ReadResult, load_mapping, read_raw, read_responses, write_responses
from dimios.validation import (
    ORGANISATION_TYPES,
    STRING_DTYPE,
    DataValidationError,
    Problem,
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
        "peer_group": pd.Series(np.nan, index=df.index, dtype=STRING_DTYPE),
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
    with pytest.raises(ValueError, match=r"^write_responses: unsupported suffix '\.json' \(use \.csv or \.parquet\)$"):
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


# --------------------------------------------------------------------------- mapping files: every message in full
# A mapping file is written by hand, so its error messages (file, line, column, value, expected)
# are what the user fixes it with: each is checked field by field.


def only_problem(ei) -> tuple:
    """The single problem of a DataValidationError as (file, row, column, value, expected, note, row label)."""
    (p,) = ei.value.problems
    return (p.file, p.row, p.column, p.value, p.expected, p.note, p.row_label)


def mapping_problems(path) -> list[tuple]:
    """Every problem of a mapping file load_mapping refuses, as (file, row, column, value, expected, note, label)."""
    with pytest.raises(DataValidationError) as ei:
        load_mapping(path)
    return [(p.file, p.row, p.column, p.value, p.expected, p.note, p.row_label) for p in ei.value.problems]


def mapping_error(path) -> tuple:
    with pytest.raises(DataValidationError) as ei:
        load_mapping(path)
    assert ei.value.path == str(path)
    return only_problem(ei)


def test_mapping_file_missing_or_of_unknown_type_or_unreadable(tmp_path):
    assert mapping_error(tmp_path / "nope.yml") == (
        str(tmp_path / "nope.yml"), None, None, None, "an existing column-mapping file", "file not found", "row")
    j = tmp_path / "m.json"
    j.write_text("{}", encoding="utf-8")
    assert mapping_error(j) == (str(j), None, None, ".json", "a column-mapping file ending in .yml, .yaml or .csv",
                                "unknown file type", "row")
    d = tmp_path / "m.yml"
    d.mkdir()  # exists, but cannot be read as a file
    assert mapping_error(d) == (str(d), None, None, None, "a readable column-mapping file",
                                "cannot read the file: Is a directory", "row")


def test_mapping_file_suffixes_yaml_and_txt(tmp_path):
    y = tmp_path / "m.YAML"
    y.write_text("Enkätår: year\n", encoding="utf-8")
    t = tmp_path / "m.TXT"
    t.write_text("source,target\nEnkätår,year\n", encoding="utf-8")
    assert load_mapping(y) == load_mapping(t) == {"Enkätår": "year"}


def test_mapping_file_neither_utf8_nor_windows1252(tmp_path):
    m = tmp_path / "m.csv"
    m.write_bytes(b"source,target\nFr\x81ga,year\n")  # 0x81 is undefined in Windows-1252
    assert mapping_error(m) == (str(m), None, None, None, "a text file in UTF-8 or Windows-1252",
                                "undecodable byte 0x81 at position 16", "row")


def test_csv_mapping_empty_or_with_a_wrong_header(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("# only a comment\n   # an indented comment\n\n", encoding="utf-8")
    assert mapping_error(m) == (str(m), None, None, None, "a CSV with the header source,target",
                                "the mapping file is empty", "row")
    m.write_text("  # the mapping\nkälla;mål\nEnkätår;year\n", encoding="utf-8")
    assert mapping_error(m) == (str(m), 2, None, "källa;mål", "a CSV with the header source,target",
                                "wrong header", "line")
    assert ("line 2: value 'källa;mål' (wrong header) — expected a CSV with the header source,target"
            in DataValidationError([Problem(*mapping_error(m))], m).format_report())


def test_csv_mapping_rows_have_one_or_two_cells(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("source,target\nEnkätår,year\nTidsstämpel\n", encoding="utf-8")
    cm = load_mapping(m)  # a row with the source only: the column is ignored
    assert cm == {"Enkätår": "year", "Tidsstämpel": None} and cm.lines == {"Enkätår": 2, "Tidsstämpel": 3}
    m.write_text("source;target\nEnkätår;year\nFråga 1;skalning;extra\n", encoding="utf-8")
    assert mapping_error(m) == (str(m), 3, None, "Fråga 1;skalning;extra", "two cells per row: source,target",
                                None, "line")


@pytest.mark.parametrize("header, delim", [
    ("source;target", ";"),
    ("source,target", ","),
    ('source,target,"note; free text"', ","),     # more commas than semicolons
    ('source,target,"note; free; text"', ","),    # as many: the comma
    ('source;target;"note, free text"', ";"),
])
def test_csv_mapping_delimiter_is_the_more_frequent_one_on_the_header_line(tmp_path, header, delim):
    m = tmp_path / "m.csv"
    m.write_text(f"{header}\nEnkätår{delim}year\n", encoding="utf-8")
    assert load_mapping(m) == {"Enkätår": "year"}


def test_yaml_mapping_forms_columns_key_and_list(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text("# export 2024\ncolumns:\n  Enkätår: year\n  Tidsstämpel: ignore\n", encoding="utf-8")
    cm = load_mapping(m)
    assert cm == {"Enkätår": "year", "Tidsstämpel": None} and cm.lines == {"Enkätår": 3, "Tidsstämpel": 4}
    assert cm.path == str(m)
    m.write_text("- source: Enkätår\n  target: year\n\n- {source: Tidsstämpel}\n- source: Org\n  target: organisation_id\n",
                 encoding="utf-8")
    cm = load_mapping(m)
    assert cm == {"Enkätår": "year", "Tidsstämpel": None, "Org": "organisation_id"}
    assert cm.lines == {"Enkätår": 1, "Tidsstämpel": 4, "Org": 5}
    m.write_text("- source: Enkätår\n  target: year\n- target: organisation_id\n", encoding="utf-8")
    assert mapping_error(m) == (str(m), 3, None, None, "a YAML mapping 'source: target' (or a list of {source, target})",
                                "a list entry without 'source'", "line")
    m.write_text("- source: Enkätår\n  target: year\n- Org\n", encoding="utf-8")
    assert mapping_error(m)[1:] == (3, None, None, "a YAML mapping 'source: target' (or a list of {source, target})",
                                    "a list entry without 'source'", "line")


def test_yaml_mapping_empty_or_not_a_mapping(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text("# nothing yet\n", encoding="utf-8")
    expected = "a YAML mapping 'source: target' (or a list of {source, target})"
    assert mapping_error(m) == (str(m), None, None, None, expected, "the mapping file is empty", "row")
    m.write_text("just a sentence\n", encoding="utf-8")
    assert mapping_error(m) == (str(m), None, None, None, expected, "unexpected YAML structure", "row")


def test_yaml_mapping_syntax_errors_with_and_without_a_position(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text("Enkätår: year\nFråga: 1: skalning\n", encoding="utf-8")
    expected = "a YAML mapping 'source: target' (or a list of {source, target})"
    assert mapping_error(m) == (str(m), 2, None, None, expected,
                                "YAML syntax error: mapping values are not allowed here "
                                "(column 9; a header with ':' or '#' must be in quotes)", "line")


def test_yaml_mapping_with_a_control_character_is_a_clear_error(tmp_path):
    """A control character (here a vertical tab, as Excel writes a line break inside a cell) is
    refused by YAML's reader before parsing: a clear error without a line, not a traceback."""
    m = tmp_path / "m.yml"
    expected = "a YAML mapping 'source: target' (or a list of {source, target})"
    m.write_text("Enkätår: year\n\"Fråga\x0b1\": skalning\n", encoding="utf-8")
    file, row, column, value, exp, note, label = mapping_error(m)
    assert (file, row, column, value, exp, label) == (str(m), None, None, None, expected, "line")
    assert note == ('YAML syntax error: unacceptable character #x000b: special characters are not allowed '
                    'in "<unicode string>", position 20')


def test_mapping_entries_empty_source_unknown_targets_all_reported(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text('"": year\nFråga 1: xyzzy\nFråga 2: yr\nFråga 3: skalnig\n', encoding="utf-8")
    got = mapping_problems(m)
    plain = "a column of the data contract or empty (ignore)"
    assert got == [
        (str(m), 1, "source", None, "a source header", "empty", "line"),
        (str(m), 2, "target", "xyzzy", plain, None, "line"),
        (str(m), 3, "target", "yr", plain, None, "line"),  # too far from 'year' for a hint
        (str(m), 4, "target", "skalnig", plain + " — did you mean 'skalning'?", None, "line"),
    ]


def test_mapping_header_listed_twice(tmp_path):
    m = tmp_path / "m.yml"
    m.write_text("Fråga 1: skalning\nÅr: year\n' fråga  1': ignore\nÅR: year\nTid: ignore\ntid: year\n", encoding="utf-8")
    got = mapping_problems(m)
    assert got == [  # the same target twice ('År', 'ÅR') is fine
        (str(m), 3, "source", " fråga  1", "each header listed once",
         "also on line 1 with another target ('skalning' there, 'ignore' here)", "line"),
        (str(m), 6, "source", "tid", "each header listed once",
         "also on line 5 with another target ('ignore' there, 'year' here)", "line"),
    ]
    with pytest.raises(DataValidationError) as ei:
        load_mapping({"Fråga 1": "skalning", "FRÅGA 1": "rykte"})
    assert only_problem(ei) == ("<mapping>", None, "source", "FRÅGA 1", "each header listed once",
                                "listed twice with different targets", "line")


def test_mapping_as_a_dict_has_no_line_numbers():
    with pytest.raises(DataValidationError) as ei:
        load_mapping({"Enkätår": "year", "Fråga 1": "skalnig"})
    assert ei.value.path == "<mapping>"
    assert only_problem(ei) == ("<mapping>", None, "target", "skalnig",
                                "a column of the data contract or empty (ignore) — did you mean 'skalning'?",
                                None, "line")
    cm = load_mapping({"Enkätår": "year", "Tidsstämpel": ""})
    assert cm == {"Enkätår": "year", "Tidsstämpel": None} and cm.path == "<mapping>" and cm.lines == {}
    assert load_mapping(cm) is cm
    assert ColumnMapping({"a": "year"}).path == "<mapping>"  # as documented: a mapping given as a dict


def test_mapping_targets_are_checked_against_the_given_instrument():
    import dataclasses

    small = dataclasses.replace(I, principles=tuple(p for p in I.principles if p.id != "skalning"))
    assert load_mapping({"Fråga 1": "rykte"}, instr=small) == {"Fråga 1": "rykte"}
    with pytest.raises(DataValidationError) as ei:
        load_mapping({"Fråga 1": "skalning"}, instr=small)
    assert only_problem(ei)[2:4] == ("target", "skalning")


def test_columns_mapped_onto_one_contract_column_by_a_dict_mapping(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("\n".join(",".join(r) for r in [HEADER + ["rid", "Org"]] + [r + ["x", "y"] for r in BASE]) + "\n",
                 encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        read_raw(f, {"rid": "respondent_id", "Org": "respondent_id"})
    assert ei.value.path == "<mapping>"
    expected = "each column of the data contract mapped from one header only (remove or change one of the lines)"
    got = [(p.file, p.row, p.column, p.value, p.expected, p.note, p.row_label) for p in ei.value.problems]
    assert got == [
        ("<mapping>", None, None, "rid", expected,
         "maps to 'respondent_id', but d.csv also has 'respondent_id', which already is that column "
         "and 'Org' mapped there too", "line"),
        ("<mapping>", None, None, "Org", expected,
         "maps to 'respondent_id', but d.csv also has 'respondent_id', which already is that column "
         "and 'rid' mapped there too", "line"),
    ]


@pytest.mark.parametrize("text, expected", [
    ("a" * 50, "a" * 50),
    ("a" * 51, "a" * 49 + "…"),
    ("  two\n words  ", "two words"),
])
def test_long_values_in_messages_are_shortened_to_50_characters(text, expected):
    from dimios.io import _short

    assert _short(text) == expected and len(_short(text)) <= 50


@pytest.mark.parametrize("value, text", [
    (None, ""), (True, "true"), (False, "false"), (3.0, "3"), (2.5, "2.5"), (-0.1, "-0.1"), (7, "7"),
    (__import__("datetime").date(2024, 3, 1), "2024-03-01"),
    (__import__("datetime").datetime(2024, 3, 1, 10, 30), "2024-03-01T10:30:00"),
    ("Vet ej", "Vet ej"),
])
def test_excel_cell_values_as_text(value, text):
    """What an Excel cell holds (openpyxl gives numbers, booleans, dates) as the text that is validated
    and shown in messages: whole numbers without '.0', dates in ISO form."""
    from dimios.io import _cell_text

    assert _cell_text(value) == text


def test_write_responses_csv_text_and_line_ends(tmp_path, monkeypatch):
    import os

    df = expected_frame().drop(columns=["peer_group"])  # the test files have no peer_group column
    df["weight"] = 0.5  # an extra float column is not an answer: written as it is
    monkeypatch.setattr(os, "linesep", "\r\n")  # as on Windows: the file still has '\n' line ends
    a = write_responses(df, tmp_path / "a.csv")
    b = write_responses(df, tmp_path / "b.txt")
    assert a == tmp_path / "a.csv" and a.read_bytes() == b.read_bytes()
    text = a.read_bytes().decode("utf-8")
    assert "\r" not in text
    lines = text.split("\n")
    assert lines[0] == ",".join(HEADER) + ",weight"
    col = HEADER.index("involved")
    assert {ln.split(",")[col] for ln in lines[1:-1]} == {"true", "false"}
    assert all(ln.endswith(",0.5") for ln in lines[1:-1])
    assert lines[1] == ",".join(BASE[0]) + ",0.5"


# --------------------------------------------------------------------------- Excel workbooks


def make_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with the given sheets (title -> rows); ``None`` and missing cells stay empty."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


def edit_xlsx(path: Path, member: str, edit) -> Path:
    """Rewrite one XML member of a workbook (to make files as other programs write them)."""
    import zipfile

    src = path.read_bytes()
    with zipfile.ZipFile(_io_bytes(src)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data.decode("utf-8")).encode("utf-8") if item.filename == member else data)
    return path


def _io_bytes(data: bytes):
    import io

    return io.BytesIO(data)


def test_xlsx_sheets_without_the_header_and_later_sheets_are_named_in_the_notes(tmp_path):
    data = [HEADER] + [list(r) for r in BASE]
    f = make_xlsx(tmp_path / "a.xlsx", {"Info": [["Om enkäten"]], "Om": [["2024"]], "Svar": data,
                                        "Anteckningar": [["a"]], "Koder": [["k"]]})
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    assert "sheet(s) without the header ignored: 'Info', 'Om'" in res.notes
    assert "read sheet 'Svar'; later sheet(s) not read: 'Anteckningar', 'Koder'" in res.notes
    notes = read_responses(make_xlsx(tmp_path / "b.xlsx", {"Info": [["Om enkäten"]], "Svar": data})).notes
    assert "sheet(s) without the header ignored: 'Info'" in notes and "read sheet 'Svar'" in notes
    assert not any("later sheet" in n for n in notes)
    notes = read_responses(make_xlsx(tmp_path / "c.xlsx", {"Svar": data})).notes  # one sheet: nothing to say
    assert not any(n.startswith(("read sheet", "sheet(s)")) for n in notes)


def test_xlsx_title_rows_blank_rows_and_excel_row_numbers(tmp_path):
    titles = [["DiMiOS", None, "export"], ["Kommun X"], [], ["Urval: alla"], ["Skapad 2024-05-01"]]
    rows = [list(r) for r in BASE]
    f = make_xlsx(tmp_path / "t.xlsx", {"Svar": titles + [HEADER] + rows[:4] + [[]] + rows[4:]})
    res = read_responses(f)
    pd.testing.assert_frame_equal(res.data, expected_frame())
    assert "4 title row(s) above the header skipped: 'DiMiOS export'; 'Kommun X'; 'Urval: alla'" in res.notes
    assert "1 blank rows skipped" in res.notes
    rows[5][HEADER.index("skalning")] = "9"  # header on row 6, rows 7-10, blank row 11: rows[5] is on row 13
    f = make_xlsx(tmp_path / "u.xlsx", {"Svar": titles + [HEADER] + rows[:4] + [[]] + rows[4:]})
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    (p,) = ei.value.problems
    assert (p.row, p.column, p.value) == (13, "skalning", "9")


def test_xlsx_header_with_blank_cells_names_the_unnamed_columns(tmp_path):
    header = [HEADER[0], None] + HEADER[1:-1] + [None, HEADER[-1], " "]  # and a blank cell at the end
    rows = [[r[0], "x"] + list(r[1:-1]) + ["y", r[-1]] for r in BASE]
    f = make_xlsx(tmp_path / "h.xlsx", {"Svar": [header] + rows})
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    assert [(p.row, p.column, p.value, p.note, p.expected) for p in ei.value.problems] == [
        (None, name, None, "column without a header", "a header for every column that holds data")
        for name in ("(unnamed column 2)", f"(unnamed column {len(HEADER) + 1})")]


def test_xlsx_rows_after_the_header_search_are_read_too(tmp_path):
    """The first 50 rows are searched for the header; every later row is data as well."""
    rows = [[f"R{k:03d}"] + list(BASE[k % len(BASE)][1:]) for k in range(70)]
    c = tmp_path / "r.csv"
    c.write_text("\n".join(",".join(r) for r in [HEADER] + rows) + "\n", encoding="utf-8")
    x = make_xlsx(tmp_path / "r.xlsx", {"Svar": [HEADER] + rows})
    a, b = read_responses(c).data, read_responses(x).data
    assert len(b) == 70 and b["respondent_id"].iloc[-1] == "R069"
    pd.testing.assert_frame_equal(a, b)


def test_xlsx_header_is_searched_in_the_first_50_rows(tmp_path):
    data = [HEADER] + [list(r) for r in BASE]
    raw, notes = read_raw(make_xlsx(tmp_path / "a.xlsx", {"Svar": [[f"Titel {i}"] for i in range(49)] + data}))
    assert list(raw.columns) == HEADER and raw.index[0] == 51
    assert "49 title row(s) above the header skipped: 'Titel 0'; 'Titel 1'; 'Titel 2'" in notes
    raw, notes = read_raw(make_xlsx(tmp_path / "b.xlsx", {"Svar": [[f"Titel {i}"] for i in range(50)] + data}))
    assert notes[0] == "no sheet has the contract header; read the first sheet 'Svar' with row 1 as header"
    assert raw.columns[0] == "Titel 0"


def test_xlsx_without_the_contract_header_is_read_from_its_first_nonblank_row(tmp_path):
    f = make_xlsx(tmp_path / "n.xlsx", {
        "Data": [[], ["ID", None, "Namn", None, "Svar", " "], ["1", "a", "b", "c", "d", "e"], [], ["2", None, "f", None, "g"]],
        "Mer": [["x"]],
    })
    raw, notes = read_raw(f)
    assert notes == ["no sheet has the contract header; read the first sheet 'Data' with row 2 as header",
                     "1 blank rows skipped"]
    assert list(raw.columns) == ["ID", "(unnamed column 2)", "Namn", "(unnamed column 4)", "Svar", "(unnamed column 6)"]
    assert list(raw.index) == [3, 5]  # Excel row numbers
    assert raw.loc[3].tolist() == ["1", "a", "b", "c", "d", "e"]
    assert raw.loc[5].tolist() == ["2", "", "f", "", "g", ""]
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    assert "'Namn'" in ei.value.format_report() and "'respondent_id'" in ei.value.format_report()


def test_xlsx_without_the_contract_header_is_read_only_as_far_as_needed_to_report_it(tmp_path):
    """A sheet without the header is not the data: only its first 2000 rows are read (to report what is wrong)."""
    rows = [["Fråga", "Svar"]] + [[f"Q{k}", k] for k in range(2100)]
    raw, _ = read_raw(make_xlsx(tmp_path / "big.xlsx", {"Blad1": rows}))
    assert len(raw) == 1999 and raw.index[-1] == 2000 and raw.loc[2000].tolist() == ["Q1998", "1998"]


def test_xlsx_empty_workbooks(tmp_path):
    empty = make_xlsx(tmp_path / "e.xlsx", {"Blad1": [[], [None, None]]})
    raw, notes = read_raw(empty)
    assert raw.shape == (0, 0) and notes == []
    no_sheets = edit_xlsx(make_xlsx(tmp_path / "z.xlsx", {"Blad1": [["a"]]}), "xl/workbook.xml",
                          lambda s: __import__("re").sub(r"<sheets>.*</sheets>", "<sheets/>", s))
    raw, notes = read_raw(no_sheets)
    assert raw.shape == (0, 0) and notes == []
    for f in (empty, no_sheets):
        with pytest.raises(DataValidationError) as ei:
            read_responses(f)
        assert ei.value.path == str(f)


def test_xlsx_formulas_are_read_as_their_values(tmp_path):
    """Excel stores a formula with its last computed value; the value is the answer."""
    rows = [list(r) for r in BASE]
    col = HEADER.index("skalning")
    rows[0][col] = "=2+3"
    f = make_xlsx(tmp_path / "f.xlsx", {"Svar": [HEADER] + rows})
    edit_xlsx(f, "xl/worksheets/sheet1.xml", lambda s: s.replace("<f>2+3</f><v />", "<f>2+3</f><v>5</v>"))
    res = read_responses(f)
    exp = expected_frame()
    exp.loc[0, "skalning"] = 5.0
    pd.testing.assert_frame_equal(res.data, exp)


def test_not_a_workbook_names_the_error():
    f = DATA / "not_a_workbook.xlsx"
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    assert only_problem(ei) == (str(f), None, None, None, "a valid Excel .xlsx workbook",
                                "cannot open the workbook (BadZipFile)", "row")


def test_xlsx_with_a_wrong_dimension_tag_is_read_whole(tmp_path):
    """Some programs write <dimension ref="A1"/> whatever the sheet holds; openpyxl's read-only mode
    trusts that tag and would read only cell A1."""
    f = make_xlsx(tmp_path / "d.xlsx", {"Svar": [HEADER] + [list(r) for r in BASE]})
    edit_xlsx(f, "xl/worksheets/sheet1.xml", lambda s: __import__("re").sub(r'<dimension ref="[^"]*" ?/>',
                                                                           '<dimension ref="A1"/>', s))
    assert '<dimension ref="A1"/>' in __import__("zipfile").ZipFile(f).read("xl/worksheets/sheet1.xml").decode()
    pd.testing.assert_frame_equal(read_responses(f).data, expected_frame())


# --------------------------------------------------------------------------- data files that cannot be read: every message in full

META = "respondent_id,organisation_id,organisation_type,year,involved,business_area"


def read_error(path) -> tuple:
    with pytest.raises(DataValidationError) as ei:
        read_raw(path)
    assert ei.value.path == str(path)
    return only_problem(ei)


@pytest.mark.parametrize("name, content, problem", [
    ("x.ods", b"x", (".ods", "a .xlsx, .csv or .parquet file (save the workbook as .xlsx or CSV)",
                     "unsupported spreadsheet format")),
    ("x.XLSM", b"x", (".xlsm", "a .xlsx, .csv or .parquet file (save the workbook as .xlsx or CSV)",
                      "unsupported spreadsheet format")),
    ("x.xls", b"x", (".xls", "a .xlsx, .csv or .parquet file (save the workbook as .xlsx or CSV)",
                     "unsupported spreadsheet format")),
    ("export", b"a,b", ("(no suffix)", "a file ending in .csv, .txt, .xlsx, .parquet", "unknown file type")),
    ("x.json", b"{}", (".json", "a file ending in .csv, .txt, .xlsx, .parquet", "unknown file type")),
    ("be.csv", b"\xfe\xff\x00r", (None, "a CSV file in UTF-8 or Windows-1252 (in Excel: save as 'CSV UTF-8')",
                                  "the file is UTF-16 ('Unicode text')")),
    ("le.txt", b"\xff\xfer\x00", (None, "a CSV file in UTF-8 or Windows-1252 (in Excel: save as 'CSV UTF-8')",
                                  "the file is UTF-16 ('Unicode text')")),
    ("bin.csv", b"abc\x00def", (None, "a text (CSV) file", "binary content")),
    ("zip.csv", b"PK\x03\x04\x00", (None, "a text (CSV) file — this looks like an Excel workbook: give it the suffix .xlsx",
                                    "binary content")),
    ("bom.csv", b"\xef\xbb\xbf" + META.encode() + b"\nR1,\xff\n",
     (None, "valid UTF-8 text after the byte-order mark", "invalid byte at position 79")),
    ("cp.csv", META.encode() + b"\nR1,\x81\n",
     (None, "a text file in UTF-8 or Windows-1252", "undecodable byte 0x81 at position 79")),
    ("quote.csv", (META + '\nR1,O1,kommun,2023,true,x\nR2,O1,"kommun,2023,true,x\n').encode(),
     (None, "a well-formed CSV file", "cannot parse: Error tokenizing data. C error: EOF inside string starting at row 2")),
])
def test_unreadable_data_files_say_what_is_expected(tmp_path, name, content, problem):
    f = tmp_path / name
    f.write_bytes(content)
    assert read_error(f) == (str(f), None, None, *problem, "row")


def test_missing_file_or_a_directory(tmp_path):
    assert read_error(tmp_path / "nope.csv") == (str(tmp_path / "nope.csv"), None, None, None, "an existing file",
                                                 "file not found", "row")
    d = tmp_path / "export.csv"
    d.mkdir()
    assert read_error(d) == (str(d), None, None, None, "a file, not a directory", "is a directory", "row")


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_file_that_cannot_be_read_is_a_clear_error(tmp_path):
    f = tmp_path / "x.csv"
    f.symlink_to("/proc/self/mem")  # exists, but reading it fails with an I/O error
    assert read_error(f) == (str(f), None, None, None, "a readable file", "cannot read the file: Input/output error",
                             "row")


@pytest.mark.parametrize("above, line", [("", 3), ("Titel\n", 4), ("Titel\n\n", 5)])
def test_a_row_with_more_cells_than_the_header_names_its_line(tmp_path, above, line):
    f = tmp_path / "extra.csv"
    f.write_text(above + META + "\nR1,O1,kommun,2023,true,x\nR2,O1,kommun,2023,true,a,b\nR3,O1,kommun,2023,true,x\n",
                 encoding="utf-8")
    assert f.read_text(encoding="utf-8").split("\n")[line - 1].startswith("R2,")
    assert read_error(f) == (str(f), line, None, None, "at most 6 cells per row (as many as the header has)",
                             "7 cells (unquoted delimiter in a value?)", "row")


def test_a_parquet_file_that_cannot_be_read(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_bytes(b"PAR1 not really")
    file, row, column, value, expected, note, label = read_error(f)
    assert (file, row, column, value, expected, label) == (str(f), None, None, None, "a valid parquet file", "row")
    assert note.startswith("cannot read (ArrowInvalid: ") and "magic bytes not found" in note and "\n" not in note


def test_encoding_notes(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes(b"\xef\xbb\xbf" + META.encode() + b"\n")
    assert read_raw(f)[1] == ["encoding: UTF-8 with byte-order mark (BOM removed)"]
    f.write_bytes(META.encode() + b"\nR1,O1,kommun,2023,true,\xc4ldreomsorg\n")
    raw, notes = read_raw(f)
    assert notes == ["encoding: not UTF-8, read as Windows-1252 (as Swedish Excel writes CSV)"]
    assert raw.loc[2, "business_area"] == "Äldreomsorg"


# --------------------------------------------------------------------------- CSV structure (read_raw: the table before validation)


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_csv_title_rows_note_names_the_first_three_shortened(tmp_path):
    f = write_text(tmp_path / "t.csv", "DiMiOS export för kommunerna i Västra Götalands län, hela året 2024\nUrval: alla\n\n"
                   "Källa: enkät\nFler rader\n" + META + "\nR1,O1,kommun,2023,true,x\n")
    raw, notes = read_raw(f)
    assert notes == ["4 title row(s) above the header skipped: 'DiMiOS export för kommunerna i Västra Götalands l…'; "
                     "'Urval: alla'; 'Källa: enkät'"]
    assert list(raw.index) == [7] and list(raw.columns) == META.split(",")


def test_csv_without_a_recognisable_header_takes_the_widest_line(tmp_path):
    raw, notes = read_raw(write_text(tmp_path / "n.csv", "Export\nx;y;z\n1;2;3\n4;5\n"))
    assert notes == ["1 title row(s) above the header skipped: 'Export'", "delimiter: semicolon (Swedish Excel CSV)"]
    assert list(raw.columns) == ["x", "y", "z"] and list(raw.index) == [3, 4]
    assert raw.loc[3].tolist() == ["1", "2", "3"]
    short = raw.attrs["short_rows"]
    assert (list(short["rows"]), list(short["cells"]), short["expected"]) == ([4], [2], 3)
    raw, notes = read_raw(write_text(tmp_path / "c.csv", "a,b;c\n1,2;3\n"))  # as many of each: comma
    assert list(raw.columns) == ["a", "b;c"] and notes == []
    raw, notes = read_raw(write_text(tmp_path / "b.csv", "\n\nabc\ndef\n"))  # one column: the first non-blank line
    assert list(raw.columns) == ["abc"] and list(raw.index) == [4] and notes == []


def test_csv_empty_or_header_only(tmp_path):
    raw, notes = read_raw(write_text(tmp_path / "e.csv", "  \n\n"))
    assert raw.shape == (0, 0) and notes == []
    raw, notes = read_raw(write_text(tmp_path / "h.csv", META + "\n"))
    assert raw.shape == (0, 6) and list(raw.columns) == META.split(",") and notes == []


def test_csv_short_rows_with_crlf_quotes_and_no_final_newline(tmp_path):
    f = write_text(tmp_path / "s.csv", META + "\r\n" + 'R1,O1,kommun,2023,true,"a, b"\r\n' + '"R2",O1,kommun\r\n'
                   "\r\n" + "R3,O1,kommun,2023,true,x\r\n" + "R4,O1")
    raw, notes = read_raw(f)
    assert notes == ["1 blank lines skipped"] and list(raw.index) == [2, 3, 5, 6]
    assert raw.loc[2, "business_area"] == "a, b"
    short = raw.attrs["short_rows"]
    assert (list(short["rows"]), list(short["cells"]), short["expected"]) == ([3, 6], [3, 2], 6)
    # a quoted line break: the lines of the file are not the rows, so no row numbers are guessed
    raw, _ = read_raw(write_text(tmp_path / "q.csv", META + '\nR1,O1,kommun,2023,true,"a\nb"\nR2,O1\n'))
    assert "short_rows" not in raw.attrs and len(raw) == 2


def test_rename_notes_list_six_mapped_headers_and_count_the_rest(tmp_path):
    m = {"Resp": "respondent_id", "Org": "organisation_id", "Typ": "organisation_type", "År": "year",
         "Inv": "involved", "Omr": "business_area", "F1": "skalning", "F2": "rykte"}
    f = write_text(tmp_path / "m.csv", ",".join(m) + "\nR1,O1,kommun,2023,true,x,3,4\n")
    raw, notes = read_raw(f, m)
    assert notes == ["headers renamed by the column-mapping file: 'Resp' → respondent_id; 'Org' → organisation_id; "
                     "'Typ' → organisation_type; 'År' → year; 'Inv' → involved; 'Omr' → business_area; … (8 in all)"]
    assert list(raw.columns) == list(m.values())


def test_parquet_problems_name_the_data_row(tmp_path):
    df = expected_frame()
    df.loc[2, "skalning"] = 9.0
    f = write_responses(df, tmp_path / "x.parquet")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    (p,) = ei.value.problems
    assert (p.row, p.column, p.value) == (3, "skalning", "9")


def test_header_is_the_first_line_with_at_least_three_contract_names(tmp_path):
    raw, notes = read_raw(write_text(tmp_path / "a.csv", "Titel,x,y\nrespondent_id,organisation_id,year\n1,2,3\n"))
    assert list(raw.columns) == ["respondent_id", "organisation_id", "year"] and list(raw.index) == [3]
    assert notes == ["1 title row(s) above the header skipped: 'Titel,x,y'"]
    raw, notes = read_raw(write_text(tmp_path / "b.csv", "Titel,x,y\nrespondent_id,year,Foo\n1,2,3\n"))  # two: no header
    assert list(raw.columns) == ["Titel", "x", "y"] and list(raw.index) == [2, 3] and notes == []
    # a column the mapping file drops is not a contract name either
    raw, notes = read_raw(write_text(tmp_path / "c.csv", "Titel,x,y\nrespondent_id,year,Tid\n1,2,3\n"), {"Tid": "ignore"})
    assert list(raw.columns) == ["Titel", "x", "y"] and notes == []


def test_write_responses_parquet_has_no_index_column_and_no_metadata(tmp_path):
    """A parquet file holds the columns of the table only: no index (a filtered table keeps its row labels in
    pandas), no pandas or Arrow schema metadata; columns are compressed with zstd."""
    import pyarrow.parquet as pq

    df = expected_frame().iloc[[0, 3, 4, 9]]  # row labels that are not a range
    f = write_responses(df, tmp_path / "x.parquet")
    pf = pq.ParquetFile(f)
    assert pf.schema_arrow.names == list(df.columns)
    assert pf.metadata.metadata is None
    meta = pf.metadata.row_group(0)
    assert {meta.column(i).compression for i in range(meta.num_columns)} == {"ZSTD"}
    pd.testing.assert_frame_equal(read_responses(f).data, df.reset_index(drop=True))


def test_second_header_row_needs_three_contract_names(tmp_path):
    head = "respondent_id,organisation_id,year,a,b\n"
    raw, _ = read_raw(write_text(tmp_path / "a.csv", head + ",,skalning,rykte,styrning\n1,2,3,4,5\n"))
    assert raw.attrs["second_header"] == {"row": 2, "names": ["skalning", "rykte", "styrning"]}
    raw, _ = read_raw(write_text(tmp_path / "b.csv", head + ",,skalning,rykte,x\n1,2,3,4,5\n"))
    assert "second_header" not in raw.attrs
    raw, _ = read_raw(write_text(tmp_path / "c.csv", head + ",,skalning,rykte,Tid\n1,2,3,4,5\n"), {"Tid": "ignore"})
    assert "second_header" not in raw.attrs  # a name the mapping drops is not a column name of the contract


def test_read_responses_with_another_instrument(tmp_path):
    import dataclasses

    small = dataclasses.replace(I, principles=tuple(p for p in I.principles if p.id != "skalning"))
    keep = [i for i, h in enumerate(HEADER) if h != "skalning"]
    f = write_text(tmp_path / "s.csv", "\n".join(",".join(r[i] for i in keep) for r in [HEADER] + BASE) + "\n")
    res = read_responses(f, instr=small)
    assert res.path == str(f) and list(res.data.columns) == list(contract_columns(small))
    pd.testing.assert_frame_equal(res.data, expected_frame().drop(columns="skalning"))
    g = write_text(tmp_path / "t.csv", "\n".join(",".join(r) for r in [[h.upper() if h == "skalning" else h for h in HEADER]]
                                                 + BASE) + "\n")
    with pytest.raises(DataValidationError) as ei:
        read_responses(g, instr=small)
    assert ei.value.path == str(g)
    assert [(p.file, p.row, p.column, p.note) for p in ei.value.problems] == [(str(g), None, "SKALNING", "unknown column")]


def test_rows_all_shorter_than_the_header_keep_their_cells(tmp_path):
    raw, _ = read_raw(write_text(tmp_path / "s.csv", META + "\nR1,O1,kommun,2023,true\nR2,O1,kommun,2024,false\n"))
    assert raw.loc[2].tolist() == ["R1", "O1", "kommun", "2023", "true", ""]  # the missing cell is empty
    assert raw.loc[3].tolist() == ["R2", "O1", "kommun", "2024", "false", ""]
    short = raw.attrs["short_rows"]
    assert (list(short["rows"]), list(short["cells"]), short["expected"]) == ([2, 3], [5, 5], 6)


def test_a_file_of_delimiters_only_is_read_as_rows_without_columns(tmp_path):
    raw, notes = read_raw(write_text(tmp_path / "d.csv", ";;\n;;\n;;\n"))
    assert raw.shape == (2, 0) and list(raw.index) == [2, 3]
    assert notes == ["delimiter: semicolon (Swedish Excel CSV)", "3 empty column(s) without a header ignored"]


def test_second_header_row_with_three_names_lists_them_all_without_an_ellipsis(tmp_path):
    head = "respondent_id,organisation_id,year,a,b\n"
    f = write_text(tmp_path / "three.csv", head + ",,skalning,rykte,styrning\n1,2,3,4,5\n")
    with pytest.raises(DataValidationError) as ei:
        read_responses(f)
    hint = next(ln for ln in ei.value.format_report().splitlines() if "seems to have two header rows" in ln)
    assert "this row holds 3 column names ('skalning', 'rykte', 'styrning'): the file" in hint


def test_statement_renames_are_listed_by_target_comma_separated():
    # statements and Swedish names are long: the note lists only the principle ids, separated by ", "
    res = read("statement_headers.csv", DATA / "statement_headers_mapping.yml")
    note = next(n for n in res.notes if n.startswith("headers recognised as survey statements"))
    listed = note.split(": ", 1)[1]
    assert "→" not in listed and "'" not in listed and "; " not in listed
    assert set(listed.split(", ")) <= set(I.principle_ids) and len(listed.split(", ")) >= 2


def test_header_renames_are_noted_by_kind(tmp_path):
    f = write_text(tmp_path / "case.csv", "respondent_id,organisation_id,year,RYKTE ,Portföljstyrning,Styrning\n"
                                          "1,2,2023,4,5,6\n")
    raw, notes = read_raw(f)
    assert list(raw.columns)[3:] == ["rykte", "portfoljstyrning", "styrning"]
    # a principle id in other case or spacing: the header as written and its id, separated by "; "
    assert "header case/spacing normalised: 'RYKTE' → rykte; 'Styrning' → styrning" in notes
    # a Swedish principle name: only the id it became
    assert "headers recognised as Swedish principle names and renamed to principle ids: portfoljstyrning" in notes
