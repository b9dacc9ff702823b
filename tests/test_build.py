"""End-to-end builds (slow): the README's build on the default data and its guarantees."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dimios import build, paths, sections, spread, synthetic
from dimios.sections import Section

pytestmark = pytest.mark.slow
ARTIFACTS = paths.ROOT / "tests" / "artifacts"


def _opts(out, **kw):
    return build.BuildOptions(out=out, quarto=None, command_line="pytest", **kw)


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    """The whole report on the default synthetic data (as `make report` builds it)."""
    out = tmp_path_factory.mktemp("report")
    index = build.build(_opts(out, use_cache=False))
    return out, index


def _chapter_paths(node):
    out = []
    for item in node:
        out += _chapter_paths(item["chapters"]) if isinstance(item, dict) else [item]
    return out


def test_all_sections_built_in_report_order(default_build):
    out, index = default_build
    assert index == out / "_book" / "index.html" and index.exists()
    secs = sections.sections()
    assert sorted(p.stem for p in (out / "notebooks").glob("*.ipynb")) == sorted(s.id for s in secs)
    assert sorted(p.stem for p in (out / "_book").glob("*.html")) == sorted(s.id for s in secs)
    # _quarto.yml (after the build) lists exactly the executed notebooks, in report order
    cfg = yaml.safe_load((paths.ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    listed = _chapter_paths(cfg["book"]["chapters"]) + cfg["book"]["appendices"]
    assert [Path(p).stem for p in listed] == [s.id for s in secs]
    # every section has computed content: tables (CSV) were written for each
    for s in secs:
        assert list((out / "tables" / s.id).glob("tbl-*.csv")), f"no table in section {s.id}"


def test_every_spread_table_matches_the_published_one(default_build):
    out, _ = default_build
    published = spread.read_published(paths.PUBLISHED_SPREAD)
    inst = synthetic.instrument.load()
    for p in inst.principles:
        sid = sections.principle_section_id(p.id)
        got = pd.read_csv(out / "tables" / sid / "tbl-spread.csv")
        pub = published[published["table"] == f"{p.table}.1"].set_index("year")
        for row in got.itertuples(index=False):
            for k in range(1, 5):
                expected = pub.loc[row.year, f"level_{k}_pct"]
                expected = 0 if pd.isna(expected) else int(expected)
                assert abs(int(getattr(row, f"level_{k}_pct")) - expected) <= 1, (p.id, row.year, k)


def test_executed_notebooks_hide_code_and_parameters(default_build):
    out, _ = default_build
    html = (out / "_book" / "p05-ekonomiska_ramar.html").read_text(encoding="utf-8")
    assert "import " not in html and "exclude_careless" not in html and "papermill" not in html
    assert "Ekonomiska ramar" in html and "<figcaption>" in html and 'alt="' in html


def test_cross_reference_labels_are_unique_in_the_book(default_build):
    import nbformat

    out, _ = default_build
    labels = []
    for nb_path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                md = o.get("data", {}).get("text/markdown", "")
                labels += re.findall(r"\{#((?:fig|tbl)-[a-z0-9-]+)", md)
    assert len(labels) > 120  # 26 principle chapters x 4, plus the other sections
    assert len(labels) == len(set(labels)), [x for x in set(labels) if labels.count(x) > 1][:5]


def test_quarto_markdown_parses_into_tables_and_figures(default_build):
    """The markdown Quarto receives is well formed: pandoc (Quarto's engine; Debian's, when
    installed) turns every labelled table into a <table> with caption and every figure into a
    <figure> with alt text."""
    import nbformat

    pandoc = shutil.which("pandoc")
    if not pandoc:
        pytest.skip("pandoc not installed (.ci/run installs Debian's pandoc)")
    out, _ = default_build
    for nb_path in sorted((out / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        md = "\n\n".join(o["data"]["text/markdown"] for c in nb.cells for o in c.get("outputs", [])
                          if "text/markdown" in o.get("data", {}))
        html = subprocess.run([pandoc, "-f", "markdown", "-t", "html"], input=md, capture_output=True,
                              text=True, check=True).stdout
        n_tables = len(re.findall(r"\{#tbl-", md))
        n_figures = len(re.findall(r"\{#fig-", md))
        assert html.count("<table") == n_tables and html.count("<caption") == n_tables, nb_path.name
        assert html.count("<figure") == n_figures, nb_path.name
        assert len(re.findall(r'<img[^>]*data-fig-alt="[^"]+', html)) == n_figures, nb_path.name


def test_no_respondent_level_data_in_published_output(default_build):
    out, _ = default_build
    panel = synthetic.generate()
    ids = set(panel.responses["respondent_id"])
    pattern = re.compile(r"SYN-\d{4}-\d{6}")
    for f in out.rglob("*"):
        if f.is_file() and not f.name.startswith("."):
            text = f.read_bytes().decode("utf-8", errors="ignore")
            found = set(pattern.findall(text)) & ids
            assert not found, f"respondent ids in {f.relative_to(out)}: {sorted(found)[:3]}"
    assert not list(out.glob("**/*.parquet")), "respondent-level data file left in the report folder"


def test_provenance(default_build):
    out, _ = default_build
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert len(prov["input"]["sha256"]) == 64
    assert [s["id"] for s in prov["sections"]] == [s.id for s in sections.sections()]
    assert prov["versions"]["pandas"] and prov["versions"]["python"]
    assert "git_commit" in prov and prov["command_line"] == "pytest"
    assert re.search(r"\d{4}-\d{2}-\d{2}T", json.dumps(prov)) is None  # no timestamps


def test_html_report_in_headless_chromium(default_build):
    browser = pytest.importorskip("tests.browser")
    out, _ = default_build
    driver = browser.driver_or_skip()
    try:
        report = browser.check_book(driver, out / "_book")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = browser.screenshot(driver, out / "_book" / "p01-portfoljstyrning.html",
                                  ARTIFACTS / "principle-chapter-1280.png")
    finally:
        driver.quit()
    assert report["pages"] == len(sections.sections())
    assert report["broken_images"] == [] and report["broken_links"] == [] and report["overflow"] == []
    assert shot.stat().st_size > 10_000


# ------------------------------------------------------------------ failures
def _previous_report(out: Path) -> dict:
    (out / "_book").mkdir(parents=True)
    (out / "_book" / "index.html").write_text("previous report", encoding="utf-8")
    (out / "provenance.json").write_text("{}", encoding="utf-8")
    return {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_bad_input_stops_build_and_keeps_previous_report(tmp_path):
    out = tmp_path / "report"
    before = _previous_report(out)
    panel = synthetic.generate(scale=0.05)
    bad = tmp_path / "bad.csv"
    panel.responses.drop(columns=["year"]).to_csv(bad, index=False)
    res = subprocess.run([sys.executable, "-m", "dimios.cli", "build", "--data", str(bad), "--out", str(out)],
                         capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 2
    assert "year" in res.stderr and "bad.csv" in res.stderr and "Traceback" not in res.stderr
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_failing_notebook_stops_build_and_keeps_previous_report(tmp_path, monkeypatch):
    out = tmp_path / "report"
    before = _previous_report(out)
    failing = paths.ROOT / "tests" / "data" / "failing.ipynb"
    monkeypatch.setitem(sections.REPORTS, "test-failing", lambda: [
        Section("index", "front.ipynb", "Framsida"),
        Section("broken", str(failing), "Trasig"),
    ])
    data = tmp_path / "small.parquet"
    synthetic.write_panel(data, scale=0.1)
    with pytest.raises(build.BuildError) as err:
        build.build(_opts(out, data=data, kind="test-failing", use_cache=False))
    msg = str(err.value)
    assert "broken" in msg and "failing.ipynb" in msg and "cell 2" in msg and "ZeroDivisionError" in msg
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith((".build-", ".previous-"))]


@pytest.fixture(scope="module")
def small_builds(tmp_path_factory):
    """A small panel built twice as it is and once without careless respondents."""
    tmp = tmp_path_factory.mktemp("small")
    data = tmp / "small.parquet"
    synthetic.write_panel(data, scale=0.15)
    outs = {}
    for name, params in [("a", {}), ("b", {}), ("x", {"exclude_careless": True})]:
        outs[name] = tmp / name
        build.build(build.BuildOptions(out=outs[name], data=data, quarto=None, use_cache=False,
                                       parameters=params, command_line=f"run {name}"))
    return outs


def test_same_data_gives_identical_tables_and_provenance(small_builds):
    outs = [small_builds["a"], small_builds["b"]]
    files = sorted(p.relative_to(outs[0]) for p in (outs[0] / "tables").rglob("*") if p.is_file())
    assert len(files) > 60
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    provs = [json.loads((o / "provenance.json").read_text()) for o in outs]
    for p in provs:
        p.pop("command_line")
    assert provs[0] == provs[1]


def test_unchanged_sections_come_from_the_cache(small_builds, tmp_path):
    """A rebuild of unchanged data reuses every executed notebook, with the same tables."""
    out = small_builds["a"].parent / "cached"
    data = small_builds["a"].parent / "small.parquet"
    for _ in range(2):
        build.build(build.BuildOptions(out=out, data=data, quarto=None, use_cache=True, command_line="cached"))
    timings = json.loads((out / ".work" / "timings.json").read_text())
    assert all(rec["cached"] for rec in timings.values())
    ref = small_builds["a"]
    for f in (ref / "tables").rglob("*"):
        if f.is_file():
            assert (out / f.relative_to(ref)).read_bytes() == f.read_bytes(), f
    for nb in (out / "notebooks").glob("*.ipynb"):
        assert ".build-" not in nb.read_text(encoding="utf-8"), nb.name


def test_exclude_careless_changes_counts_everywhere_and_says_so(small_builds):
    a, x = small_builds["a"], small_builds["x"]
    front_a = (a / "_book" / "index.html").read_text(encoding="utf-8")
    front_x = (x / "_book" / "index.html").read_text(encoding="utf-8")
    assert "byggd på alla svar" in front_a and "utan slarviga svar" in front_x
    head_a = pd.read_csv(a / "tables" / "index" / "tbl-headline.csv")
    head_x = pd.read_csv(x / "tables" / "index" / "tbl-headline.csv")
    assert (head_x["respondents"] < head_a["respondents"]).all()
    for s in sections.sections():
        if s.notebook == "principle.ipynb":
            sa = pd.read_csv(a / "tables" / s.id / "tbl-spread.csv")
            sx = pd.read_csv(x / "tables" / s.id / "tbl-spread.csv")
            assert sx["answers"].sum() < sa["answers"].sum(), s.id
    prov = json.loads((x / "provenance.json").read_text())
    assert prov["parameters"] == {"exclude_careless": True}
    assert all(sec["parameters"]["exclude_careless"] is True for sec in prov["sections"])
