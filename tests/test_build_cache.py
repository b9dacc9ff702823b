"""The build's execution cache must never serve a section computed from other data (issue 16).

Fast: notebook execution (papermill) is replaced by a stand-in that records each run and
writes what a section would write, so only the cache decisions of ``dimios.build`` are tested.
Uses ``build.run_notebooks`` and ``build.file_sha256`` as the build calls them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

from dimios import build, instrument, io, paths
from dimios.sections import Section
from tests.conftest import make_responses

SECTIONS = [Section("index", "front.ipynb", "Framsida"), Section("method", "method.ipynb", "Metod")]


@pytest.fixture
def executed(monkeypatch):
    """Replace notebook execution: each run is recorded and writes a notebook and a table
    holding the hash of the data file the section was given."""
    runs: list[str] = []

    def execute_notebook(input_path, output_path, parameters=None, **kwargs):
        parameters = parameters or {}
        runs.append(parameters["section"])
        digest = build.file_sha256(paths.ROOT / parameters["data"])
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"data {digest}")])
        nbformat.write(nb, output_path)
        tables = paths.ROOT / parameters["output_dir"] / parameters["section"]
        tables.mkdir(parents=True, exist_ok=True)
        (tables / "data.json").write_text(json.dumps({"data": digest}))

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    return runs


def _small_data(path: Path, change: bool = False) -> Path:
    """Twelve respondents of two organisations; with ``change`` one answer differs."""
    rows = [(org, 2023, {p: 1 + (i + j) % 7 for j, p in enumerate(instrument.load().principle_ids)})
            for i, org in enumerate(["A"] * 6 + ["B"] * 6)]
    df = make_responses(rows)
    if change:
        df.loc[4, "portfoljstyrning"] = 7.0 if df.loc[4, "portfoljstyrning"] != 7.0 else 6.0
    io.write_responses(df, path)
    return path


def _run(tmp_path: Path, data: Path, cache: Path) -> tuple[dict, dict]:
    nb_dir = tmp_path / "nb"
    tables = tmp_path / "tables"
    for d in (nb_dir, tables):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir()
    work = {"data": str(data), "careless_truth": "", "tables": str(tables)}
    res = build.run_notebooks(SECTIONS, work, {}, nb_dir, cache, build.file_sha256(data), jobs=1)
    published = {s.id: json.loads((tables / s.id / "data.json").read_text())["data"] for s in SECTIONS}
    return res, published


def test_one_changed_answer_changes_the_data_hash(tmp_path):
    a = _small_data(tmp_path / "a.parquet")
    b = _small_data(tmp_path / "b.parquet", change=True)
    a2 = _small_data(tmp_path / "a2.parquet")
    assert build.file_sha256(a) == build.file_sha256(a2)
    assert build.file_sha256(a) != build.file_sha256(b)
    da, db = pd.read_parquet(a), pd.read_parquet(b)
    assert (da.compare(db).shape[0]) == 1


def test_rebuild_after_one_changed_answer_executes_again(tmp_path, executed):
    cache = tmp_path / "cache"
    data = tmp_path / "data.parquet"
    _small_data(data)
    first, pub1 = _run(tmp_path, data, cache)
    assert not any(r["cached"] for r in first.values()) and sorted(executed) == ["index", "method"]
    # unchanged data: everything from the cache, nothing executed
    second, pub2 = _run(tmp_path, data, cache)
    assert all(r["cached"] for r in second.values()) and len(executed) == 2
    assert pub2 == pub1
    # one answer changed: every section executes again and publishes the new data's results
    _small_data(data, change=True)
    third, pub3 = _run(tmp_path, data, cache)
    assert not any(r["cached"] for r in third.values()) and len(executed) == 4
    assert all(pub3[s] == build.file_sha256(data) != pub1[s] for s in pub3)
    # and going back to the first data serves the first results from the cache again
    _small_data(data)
    fourth, pub4 = _run(tmp_path, data, cache)
    assert all(r["cached"] for r in fourth.values()) and len(executed) == 4 and pub4 == pub1
