"""dimios.printed: the numbers a report prints, as printed, and the comparison that names tables."""

from __future__ import annotations

import json

import pytest

from dimios import printed

SPREAD = ("| År | Nivå 1 | Nivå 2 | Antal svar |\n|:---|---:|---:|---:|\n"
          "| 2020 |  | 41\u00a0% | 1\u202f045 |\n| 2021 | 4\u00a0% | 55\u00a0% | 5\u202f657 |\n\n"
          ": Andel per nivå {#tbl-p01-spread}\n\n")
LADDER = ("| Nivå | Kännetecken |\n|:---|:---|\n| 1. Splittrad | Text utan siffror |\n\n"
          ": Stegen {#tbl-p01-ladder}\n\n")
PROSE = ("Medelvärdet steg från 47,0 till 49,0 (+2,0 procentenheter), se @tbl-p01-spread och "
         "[tabell](p01.html#tbl-p01-spread). Kör `dimios build --jobs 2` med version `0.1.0`.\n\n"
         "![Figur 3](data:image/png;base64,AAA1){#fig-p01-x width=\"80%\"}\n\nInga siffror här.\n")


def _notebook(path, *markdowns):
    cells = [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
              "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"text/markdown": md}}]}
             for md in markdowns]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_numbers_as_printed():
    assert printed.numbers("41\u00a0% av 1\u202f045 svar, −0,4 och +2,0; 2020") == ["41", "1045", "−0,4", "+2,0", "2020"]


def test_tables_and_prose_of_a_notebook(tmp_path):
    got = printed.notebook_numbers(_notebook(tmp_path / "notebooks" / "p01.ipynb", SPREAD, LADDER, PROSE))
    assert got["p01/tbl-p01-spread"] == ["|1|2|", "2020||41|1045", "2021|4|55|5657"]
    assert got["p01/tbl-p01-ladder"] == ["|", "1|"]  # the level number counts, the texts do not
    # references, links, code spans (commands, versions) and figures are not results
    assert got["p01/prose"] == ["47,0 49,0 +2,0"]


def test_one_changed_number_names_its_table(tmp_path):
    _notebook(tmp_path / "a" / "notebooks" / "p01.ipynb", SPREAD, PROSE)
    _notebook(tmp_path / "b" / "notebooks" / "p01.ipynb", SPREAD.replace("55\u00a0%", "56\u00a0%"), PROSE)
    want, got = printed.report_numbers(tmp_path / "a"), printed.report_numbers(tmp_path / "b")
    problems = printed.compare(want, got)
    assert problems == ["p01/tbl-p01-spread: row 3: '2021|4|55|5657' -> '2021|4|56|5657'"]
    assert printed.compare(want, want) == []


def test_an_emptied_cell_a_lost_table_and_a_new_one_are_named(tmp_path):
    _notebook(tmp_path / "a" / "notebooks" / "p01.ipynb", SPREAD)
    _notebook(tmp_path / "b" / "notebooks" / "p01.ipynb", SPREAD.replace("| 2021 | 4\u00a0%", "| 2021 | "))
    _notebook(tmp_path / "c" / "notebooks" / "p01.ipynb", SPREAD.replace("tbl-p01-spread", "tbl-p01-other"))
    a, b, c = (printed.report_numbers(tmp_path / x) for x in "abc")
    assert printed.compare(a, b) == ["p01/tbl-p01-spread: row 3: '2021|4|55|5657' -> '2021||55|5657'"]
    assert printed.compare(a, c) == ["p01/tbl-p01-other: new, not in the manifest",
                                     "p01/tbl-p01-spread: no longer printed"]


def test_manifest_round_trip(tmp_path):
    _notebook(tmp_path / "notebooks" / "p01.ipynb", SPREAD, PROSE)
    numbers = printed.report_numbers(tmp_path)
    assert printed.read_manifest(printed.write_manifest(numbers, tmp_path / "m.json")) == numbers


def test_no_notebooks_says_build_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="make report"):
        printed.report_numbers(tmp_path)


def test_committed_manifest_covers_the_report():
    manifest = printed.read_manifest()
    spreads = [k for k in manifest if k.endswith("-spread") and k.startswith("p")]
    assert len(spreads) == 26
    assert any(k.startswith("reconciliation/") for k in manifest)
    assert sum(len(rows) for rows in manifest.values()) > 500


def test_fingerprint_command_refuses_a_report_that_is_not_the_default_one(tmp_path):
    from typer.testing import CliRunner

    from dimios.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["fingerprint", str(tmp_path)])
    assert res.exit_code == 2 and "build the default report first" in res.output
    _notebook(tmp_path / "notebooks" / "p01.ipynb", SPREAD)
    (tmp_path / "provenance.json").write_text(json.dumps(
        {"report": "national", "parameters": {}, "input": {"file": "my_answers.xlsx"}}))
    res = runner.invoke(app, ["fingerprint", str(tmp_path), "--write"])
    assert res.exit_code == 2 and "not the default report" in res.output
    assert printed.read_manifest() != printed.report_numbers(tmp_path)  # nothing was written
