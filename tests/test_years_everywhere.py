"""Issue 20.5-20.7: every year of the data is shown and every year range is true.

- A principle nobody answered in one year keeps its row ("inga svar") in the spread table, the mean
  table, tbl-spread.csv and ``dimios spread``; the invariance conclusion names the years it rests on.
- Next year's data (a 2020-2024 panel: the default panel plus a year made for the test): no chapter
  mixes the data's years with the published report's; a year with one organisation type is flagged
  on the front page and in the data chapter.
- One year only: written as one year everywhere, never "2023–2023".
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dimios import io, paths, reference, scoring, spread, trends
from tests.report_runner import render

slow = pytest.mark.slow
DATA = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"
PUBLISHED = tuple(int(y) for y in reference.facts()["method"]["spread_years"])


def _no_self_ranges(texts: dict[str, str]) -> None:
    for sid, text in texts.items():
        assert not re.search(r"\b(\d{4})\s*[–-]\s*\1\b", text), (sid, re.search(r".{60}(\d{4})–\1.{20}", text))


# ------------------------------------------------------------------ a principle nobody answered one year
@pytest.fixture(scope="module")
def unanswered(default_panel, tmp_path_factory):
    """The default panel with every answer on Rykte in 2021 removed ("vet ej" or empty)."""
    df = default_panel.responses.copy()
    df.loc[df["year"] == 2021, "rykte"] = np.nan
    path = tmp_path_factory.mktemp("unanswered") / "panel.parquet"
    io.write_responses(df, path)
    return path


def test_spread_table_keeps_a_year_nobody_answered(unanswered):
    table = spread.spread_table(scoring.organisation_scores(io.read_responses(unanswered).data))
    assert len(table) == 26 * 4
    row = table[(table["principle"] == "Rykte") & (table["year"] == 2021)]
    assert len(row) == 1 and row["note"].iloc[0] == "inga svar"
    assert row[spread.LEVEL_PCT_COLUMNS].isna().all(axis=None)
    assert (table.loc[table.index != row.index[0], "note"] == "").all()


def test_dimios_spread_keeps_a_year_nobody_answered(unanswered, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "spread.csv"
    res = subprocess.run([sys.executable, "-m", "dimios.cli", "spread", str(unanswered), "--out", str(out)],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr
    assert "(104 rows)" in res.stdout
    got = pd.read_csv(out, keep_default_na=False)
    assert got[(got["principle"] == "Rykte") & (got["year"] == 2021)]["note"].tolist() == ["inga svar"]


@slow
def test_principle_chapter_and_invariance_name_a_year_nobody_answered(unanswered, tmp_path):
    texts = render(unanswered, tmp_path, only={"p22-rykte", "quality"})
    rykte = texts["p22-rykte"]
    rows_2021 = re.findall(r"^\| 2021 \|[^\n]*$", rykte, flags=re.M)
    assert len(rows_2021) == 2, rows_2021  # the spread table's row and the mean table's row
    assert re.search(r"\| 0 \| 0 \| inga svar \|$", rows_2021[0]), rows_2021  # 0 organisations, 0 answers
    assert re.search(r"^\| 2021 \| inga svar \| 0 \|$", rows_2021[1]), rows_2021
    assert "2021: inga svar." in rykte  # the figure's alt text
    csv = pd.read_csv(tmp_path / "tables" / "p22-rykte" / "tbl-spread.csv", keep_default_na=False)
    assert csv["year"].tolist() == [2020, 2021, 2022, 2023]
    assert csv.set_index("year").loc[2021, "note"] == "inga svar"
    means = pd.read_csv(tmp_path / "tables" / "p22-rykte" / "tbl-mean.csv", keep_default_na=False)
    assert means["year"].tolist() == [2020, 2021, 2022, 2023]
    # the invariance test cannot use 2021 (no complete answers): it says so and names its years
    quality = texts["quality"]
    assert "(2021) ingår inte" in quality
    rests_on = trends.years_phrase_sv([2020, 2022, 2023])
    assert any(f"{w} {rests_on}" in quality for w in ("samma sätt", "desamma", "densamma")), quality
    assert "alla år:" not in quality and "samma sätt alla år" not in quality
    assert f"Medelvärden kan jämföras mellan {rests_on}" in quality


# ------------------------------------------------------------------ next year's data
@pytest.fixture(scope="module")
def five_years(default_panel, tmp_path_factory):
    """2020-2024: the default panel and a 2024 in which only kommuner answered (their 2023 answers)."""
    df = default_panel.responses
    extra = df[(df["year"] == 2023) & (df["organisation_type"] == "kommun")].copy()
    extra["year"] = 2024
    extra["respondent_id"] = [f"NEXT-{i:06d}" for i in range(len(extra))]
    path = tmp_path_factory.mktemp("five") / "panel.parquet"
    io.write_responses(pd.concat([df, extra], ignore_index=True), path)
    return path


@pytest.fixture(scope="module")
def five_texts(five_years, tmp_path_factory):
    return render(five_years, tmp_path_factory.mktemp("five-out"))


@slow
def test_next_years_data_never_mixed_with_the_published_years(five_texts):
    p0, p1 = PUBLISHED
    for sid, text in five_texts.items():
        for a, b in re.findall(r"figuren jämför (\d{4}) med (\d{4})", text):
            assert (int(a), int(b)) == (p0, p1), (sid, a, b)
        for sentence in re.split(r"(?<=[.!?])\s", text):
            if (re.search(r"[Dd]en publicerade (rapporten|figuren|texten)", sentence)
                    and re.search(r"(–|med |och |till )2024\b", sentence)):
                # a data range beside the published report is fine when the sentence says whose years they
                # are (the data's, or a test the published report did not make)
                assert re.search(r"underlaget|[Dd]ata|här|inte i den publicerade", sentence), (sid, sentence)
    _no_self_ranges(five_texts)
    # the data's span is stated where the report states it
    span = trends.years_sv(range(2020, 2025))
    for sid in ("index", "closing", "data", "overview", "quality"):
        assert span in five_texts[sid], sid


@slow
def test_a_year_with_one_organisation_type_is_flagged(five_texts):
    for sid in ("index", "data"):
        assert "år 2024 bara kommuner" in five_texts[sid], sid
        assert "En organisationstyp vissa år" in five_texts[sid], sid


@slow
def test_one_year_is_written_as_one_year_everywhere(tmp_path):
    texts = render(DATA, tmp_path, {"years": "2023"})
    _no_self_ranges(texts)
    assert "(2023, " in texts["closing"]
    assert "år 2023" in texts["development"] and "åren 2023" not in texts["development"]
    assert re.search(r"\d \(2023\) \|", texts["data"]) and "år 2023" in texts["index"]
