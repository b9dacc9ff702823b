"""Generate the corpus of bad and odd respondent files in ``tests/data/bad_inputs/``.

Run ``python tests/data/make_bad_inputs.py``; the outputs are committed. Every file is
deterministic (fixed seed, fixed workbook timestamps). ``tests/test_io.py`` and
``tests/test_validation.py`` assert the exact reading or the exact error of each file;
the tests rely on the row numbers documented next to each file below.

Legitimate files (must read correctly): windows1252.csv, vet_ej_mixed.csv,
swedish_excel.csv, labels.csv, statement_headers.csv (+ statement_headers_mapping.yml),
bom_utf8.csv, responses.parquet, title_row.xlsx.
Bad files (must raise a clear DataValidationError): all the others (two_row_header.csv/.xlsx:
a header over two rows with merged cells, row 2 holds the principle ids).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "bad_inputs"

import sys  # noqa: E402

sys.path.insert(0, str(HERE.parent.parent))
from dimios import instrument  # noqa: E402

I = instrument.load()
PIDS = list(I.principle_ids)
META = ["respondent_id", "organisation_id", "organisation_type", "year", "involved", "business_area"]
HEADER = META + PIDS
ORGS = [("ORG-K001", "kommun"), ("ORG-R001", "region"), ("ORG-M001", "myndighet")]
AREAS = ["Skola", "Äldreomsorg", "Miljö- och hälsoskydd", "Överförmyndare", ""]


def base_rows(n_per_org_year: int = 2, seed: int = 1) -> list[list[str]]:
    """3 organisations x 2 years x n respondents; answers 1..7 as text."""
    rng = random.Random(seed)
    rows = []
    k = 0
    for year in (2023, 2024):
        for org, typ in ORGS:
            for j in range(n_per_org_year):
                k += 1
                rid = f"R{k:04d}"
                answers = [str(rng.randint(I.scale.min, I.scale.max)) for _ in PIDS]
                rows.append([rid, org, typ, str(year), "true" if j % 3 else "false", AREAS[k % len(AREAS)]] + answers)
    return rows


def write_csv(name: str, header, rows, *, delimiter=",", encoding="utf-8", bom=False, prefix_lines=()):
    buf = io.StringIO(newline="")
    for line in prefix_lines:
        buf.write(line + "\n")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    (OUT / name).write_bytes(data)


def col(name: str) -> int:
    return HEADER.index(name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    rows = base_rows()  # 12 rows: file rows 2..13 in a CSV

    # ---- bad ------------------------------------------------------------------------
    # tab-separated: read as a single column
    write_csv("tab_delimited.csv", HEADER, rows, delimiter="\t")
    # pipe-separated: a single column as well
    write_csv("pipe_delimited.csv", HEADER, rows, delimiter="|")
    # missing required column 'year'
    keep = [i for i, h in enumerate(HEADER) if h != "year"]
    write_csv("missing_column.csv", [HEADER[i] for i in keep], [[r[i] for i in keep] for r in rows])
    # misspelled principle 'skalnig' (unknown column, missing 'skalning') and an extra 'kommentar'
    hdr = [("skalnig" if h == "skalning" else h) for h in HEADER] + ["kommentar"]
    write_csv("unknown_column.csv", hdr, [r + ["bra enkät"] for r in rows])
    # text in an answer column: row 5, column 'kompetens' = 'bra'
    r = [list(x) for x in rows]
    r[3][col("kompetens")] = "bra"
    write_csv("text_in_answer.csv", HEADER, r)
    # answer 8: row 12, column 'skalning'
    r = [list(x) for x in rows]
    r[10][col("skalning")] = "8"
    write_csv("answer_8.csv", HEADER, r)
    # answer 0: row 3, column 'portfoljstyrning'
    r = [list(x) for x in rows]
    r[1][col("portfoljstyrning")] = "0"
    write_csv("answer_0.csv", HEADER, r)
    # -1, 3.5 and 5,5 (decimal comma, quoted): rows 2, 3, 4 in 'rykte'
    r = [list(x) for x in rows]
    r[0][col("rykte")] = "-1"
    r[1][col("rykte")] = "3.5"
    r[2][col("rykte")] = "5,5"
    write_csv("out_of_scale.csv", HEADER, r)
    # duplicate respondent-year: row 8 repeats R0001/2023 of row 2
    r = [list(x) for x in rows]
    r[6][0] = "R0001"
    r[6][col("year")] = "2023"
    write_csv("duplicate_respondent_year.csv", HEADER, r)
    # empty file and header only
    (OUT / "empty.csv").write_bytes(b"")
    write_csv("header_only.csv", HEADER, [])
    # negative year (row 4); implausible years 1900 (row 2), 3024 (row 3), text (row 5)
    r = [list(x) for x in rows]
    r[2][col("year")] = "-2023"
    write_csv("negative_year.csv", HEADER, r)
    r = [list(x) for x in rows]
    r[0][col("year")] = "1900"
    r[1][col("year")] = "3024"
    r[3][col("year")] = "tjugotjugotre"
    write_csv("implausible_years.csv", HEADER, r)
    # invalid meta: organisation_type 'kommuner' (row 2), involved 'kanske' (row 3),
    # empty respondent_id (row 4), empty organisation_id (row 6)
    r = [list(x) for x in rows]
    r[0][col("organisation_type")] = "kommuner"
    r[1][col("involved")] = "kanske"
    r[2][0] = ""
    r[4][1] = "  "
    write_csv("invalid_meta.csv", HEADER, r)
    # a row with two cells too few (row 7): must not be padded silently
    r = [list(x) for x in rows]
    r[5] = r[5][:-2]
    write_csv("short_row.csv", HEADER, r)
    # a text file with an .xlsx suffix
    (OUT / "not_a_workbook.xlsx").write_bytes(b"respondent_id,organisation_id\nR1,ORG\n")
    # a two-row header as survey tools export it: the meta headers merged vertically over rows
    # 1-2, the category names merged horizontally over their principles in row 1, the principle
    # ids in row 2; data from row 3 (XLSX, and the same sheet saved by Excel as CSV)
    top, sub = list(META), [""] * len(META)
    for cat in I.categories:
        ids = [p for p in PIDS if I.principle(p).category == cat.id]
        top += [cat.name_sv] + [""] * (len(ids) - 1)
        sub += ids
    order = [HEADER.index(h) for h in META] + [HEADER.index(p) for p in sub[len(META):]]
    body = [[r[i] for i in order] for r in rows]
    write_csv("two_row_header.csv", top, [sub] + body, delimiter=";")
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Svar"
    ws.append(top)
    ws.append([v or None for v in sub])
    for x in body:
        ws.append([int(v) if v.isdigit() else (v or None) for v in x])
    for j in range(len(META)):
        ws.merge_cells(start_row=1, start_column=j + 1, end_row=2, end_column=j + 1)
    start = len(META) + 1
    for cat in I.categories:
        n = sum(1 for p in PIDS if I.principle(p).category == cat.id)
        if n > 1:
            ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=start + n - 1)
        start += n
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(OUT / "two_row_header.xlsx")

    # ---- legitimate -----------------------------------------------------------------
    # Windows-1252 (Excel 'CSV' on a Swedish Windows), comma-separated, å/ä/ö in business_area
    write_csv("windows1252.csv", HEADER, rows, encoding="cp1252")
    # UTF-8 with byte-order mark ('CSV UTF-8' in Excel)
    write_csv("bom_utf8.csv", HEADER, rows, bom=True)
    # 'vet ej' written in several ways: rows 2..5 column 'styrning', row 6 empty
    r = [list(x) for x in rows]
    for i, v in enumerate(["vet ej", "Vet ej", "VET EJ", " vet  ej "]):
        r[i][col("styrning")] = v
    r[4][col("styrning")] = ""
    write_csv("vet_ej_mixed.csv", HEADER, r)
    # Swedish Excel export: semicolon, Windows-1252, decimal comma answers, Ja/Nej
    r = [list(x) for x in rows]
    for x in r:
        x[col("involved")] = "Ja" if x[col("involved")] == "true" else "Nej"
        x[col("portfoljstyrning")] = x[col("portfoljstyrning")] + ",0"
    write_csv("swedish_excel.csv", HEADER, r, delimiter=";", encoding="cp1252")
    # scale labels instead of numbers in 'innovationskultur' rows 2 (min), 3 (max), 4 (max, lower case)
    (lo, lo_text), (hi, hi_text) = I.scale.labels[0], I.scale.labels[-1]
    r = [list(x) for x in rows]
    r[0][col("innovationskultur")] = lo_text
    r[1][col("innovationskultur")] = hi_text
    r[2][col("innovationskultur")] = hi_text.lower()
    write_csv("labels.csv", HEADER, r)
    # headers as survey statements (recognised automatically) for the first 10
    # principles, 'Fråga 11'.. for the others plus Swedish meta headers (need the mapping)
    hdr = ["Respondent", "Organisation", "Organisationstyp", "År", "Involverad", "Verksamhetsområde"]
    mapping = {"Respondent": "respondent_id", "Organisation": "organisation_id",
               "Organisationstyp": "organisation_type", "År": "year", "Involverad": "involved",
               "Verksamhetsområde": "business_area"}
    for k, pid in enumerate(PIDS, start=1):
        if k <= 10:
            hdr.append(I.principle(pid).statement)
        else:
            hdr.append(f"Fråga {k}")
            mapping[f"Fråga {k}"] = pid
    write_csv("statement_headers.csv", hdr, rows, delimiter=";")
    lines = ["# Column mapping for statement_headers.csv: source header -> contract column.",
             "# Statement headers for the first principles are recognised without mapping."]
    for s, t in mapping.items():
        lines.append(f'"{s}": {t}')
    (OUT / "statement_headers_mapping.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # parquet with typed columns: answers float64 with NaN, involved bool, year int64
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.DataFrame(rows, columns=HEADER)
    df["year"] = df["year"].astype("int64")
    df["involved"] = df["involved"].eq("true")
    df["business_area"] = df["business_area"].replace("", np.nan)
    for p in PIDS:
        df[p] = df[p].astype("float64")
    df.loc[0, "skalning"] = np.nan
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, OUT / "responses.parquet", compression="zstd", store_schema=False)
    # XLSX: a title row and a blank row above the header (header in Excel row 3),
    # numbers as numbers, a 'notes' sheet before the data sheet
    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "notes"
    notes.append(["Export från enkätverktyget; se fliken Svar."])
    ws = wb.create_sheet("Svar")
    ws.append(["DiMiOS enkät – export 2024"])
    ws.append([])
    ws.append(HEADER)
    for x in rows:
        vals = list(x)
        vals[col("year")] = int(vals[col("year")])
        vals[col("involved")] = vals[col("involved")] == "true"
        for p in PIDS:
            vals[col(p)] = int(vals[col(p)])
        vals[col("business_area")] = vals[col("business_area")] or None
        ws.append(vals)
    ws.cell(row=4, column=col("teknisk_skuld") + 1, value="Vet ej")
    fixed = dt.datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(OUT / "title_row.xlsx")


if __name__ == "__main__":
    main()
    print("\n".join(sorted(p.name for p in OUT.iterdir())))
