"""The background, development, closing, "Om data", reconciliation and method chapters (issue 13).

Each chapter is run with the real ``Publisher`` and IPython's ``display`` replaced by a
recorder, on the default synthetic panel and on small data made for the test, so the
tests see the prose and tables a notebook would show. Values are checked against
independent computations, and the computed sentences are shown to change with the data.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from dimios import context, display, io, paths, reconcile, reference, scoring, sections, spread, synthetic
from dimios.chapters import background, closing, data_notes, ladder, method, reconciliation
from dimios.chapters.common import ORGANISATION_TYPES_NOTE, number_sv
from tests.conftest import make_responses

SEED_DIRS = [paths.ROOT.parent / "shared" / "seed", paths.ROOT.parent.parent / "shared" / "seed"]
N_WORDS = 8


class Recorder:
    """Stands in for IPython.display.display: keeps the markdown of prose and tables."""

    def __init__(self):
        self.markdown: list[str] = []
        self.tables: list[str] = []

    def __call__(self, obj, raw=False, **kw):
        md = obj.get("text/markdown", "") if isinstance(obj, dict) else str(obj)
        (self.tables if "{#tbl-" in md else self.markdown).append(md)

    @property
    def text(self) -> str:
        return "\n\n".join(self.markdown)


def run(functions, ctx, tmp_path, section="x"):
    import IPython.display

    rec = Recorder()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(IPython.display, "display", rec)
        pub = display.Publisher(tmp_path, section)
        for fn in functions:
            fn(ctx, pub)
    return rec


@pytest.fixture(scope="module")
def panel_ctx(default_panel, tmp_path_factory):
    path = tmp_path_factory.mktemp("chapters") / "panel.parquet"
    io.write_responses(default_panel.responses, path)
    return context.load(path)


@pytest.fixture(scope="module")
def example_ctx():
    return context.load(paths.DATA / "example" / "responses_example.csv")


ALL_CHAPTERS = [background.background, background.value_and_scope, background.reading_the_ladders,
                background.development, closing.closing, data_notes.data_notes, reconciliation.reconciliation,
                method.method, method.aggregation, method.organisation_types]


@pytest.fixture(scope="module")
def panel_output(panel_ctx, tmp_path_factory):
    return run(ALL_CHAPTERS, panel_ctx, tmp_path_factory.mktemp("out"))


# ---------------------------------------------------------------- sections
def test_new_chapters_are_declared_sections():
    secs = {s.id: s for s in sections.sections()}
    for sid, nb in [("background", "background.ipynb"), ("development", "development.ipynb"),
                    ("closing", "closing.ipynb"), ("data", "data.ipynb"), ("reconciliation", "reconciliation.ipynb")]:
        assert secs[sid].notebook == nb and (paths.NOTEBOOKS / nb).exists()
    assert secs["data"].appendix and secs["reconciliation"].appendix and not secs["closing"].appendix


# ---------------------------------------------------------------- background and development
def test_model_structure_from_the_instrument(inst):
    st = background.model_structure()
    assert len(st) == len(inst.categories) == 6
    assert st["n_principles"].sum() == 26
    assert st.groupby("dimension")["n_principles"].sum().to_dict() == {"Digital förmåga": 18, "Digitalt arv": 8}
    assert sum(len(p) for p in st["principles"]) == 26


def test_ladder_size_counts_the_ladder_files(inst):
    import yaml

    risks = recs = 0
    for pid in inst.principle_ids:
        lad = yaml.safe_load((paths.LADDERS / f"{pid}.yml").read_text(encoding="utf-8"))
        risks += sum(len(lv["risks"]) for lv in lad["levels"])
        recs += sum(len(lv["recommendations"]) for lv in lad["levels"])
    size = background.ladder_size()
    assert size == {"ladders": 26, "levels": 4, "risks": risks, "recommendations": recs}


def test_ladder_contents_add_up():
    c = background.ladder_contents()
    size = background.ladder_size()
    assert c["level"].tolist() == [1, 2, 3, 4]
    assert c["risks"].sum() == size["risks"] and c["recommendations"].sum() == size["recommendations"]
    assert (c["risks_per_ladder"] * 26).round(9).tolist() == c["risks"].astype(float).tolist()


def test_background_states_the_published_facts_and_the_caveat(panel_output):
    text = panel_output.text
    facts = reference.facts()
    for dl in facts["history"]["deliveries"]:
        assert dl["title"] in text and dl["url"] in text
    assert "år 2017" in text and "2017–2018" in text
    assert "två dimensioner, sex kategorier och 26 principer" in text
    # section 2.1: idealised ladders, general advice, risks that accumulate
    assert "Riskerna ackumuleras" in text and "förenklade" in text and "generella" in text
    size = background.ladder_size()
    assert f"sammanlagt {size['risks']} risker och {size['recommendations']} rekommendationer" in text


def test_development_states_the_three_phases_and_the_expert_group(panel_output):
    text = panel_output.text
    m = reference.facts()["method"]
    assert "i tre faser" in text and "omkring 400 intervjuer" in text
    for i, phase in enumerate(m["phases"], 1):
        assert f"## Fas {i}: {phase}" in text
    assert all(name in text for name in m["expert_group"])
    assert "metaanalys" in text


# ---------------------------------------------------------------- closing comments
def _rows(spec):
    """(org, year, answer on every principle) -> respondent rows, three respondents each."""
    from dimios import instrument

    ids = instrument.load().principle_ids
    return [(org, year, {p: answer for p in ids}) for org, year, answer in spec for _ in range(3)]


def test_returning_shares():
    r = make_responses(_rows([("A", 2020, 4), ("A", 2021, 4), ("B", 2021, 4), ("B", 2022, 4), ("C", 2022, 4),
                              ("A", 2022, 4)]))
    got = closing.returning_shares(r)
    assert got["year"].tolist() == [2021, 2022]
    assert got["organisations"].tolist() == [2, 3]
    assert got["returning"].tolist() == [1, 2]
    assert got["share"].round(6).tolist() == [50.0, round(200 / 3, 6)]
    gap = closing.returning_shares(make_responses(_rows([("A", 2020, 4), ("A", 2022, 4)])))
    assert gap["returning"].tolist() == [0]  # 2020 is not "the year before" 2022


def test_low_level_shares():
    # answers 1 -> 0 % (level 1), 4 -> 50 % (level 3), 7 -> 100 % (level 4)
    r = make_responses(_rows([("A", 2023, 1), ("B", 2023, 4), ("C", 2023, 7), ("D", 2023, 2)]))
    low = closing.low_level_shares(scoring.organisation_scores(r), 2023)
    assert (low == 50.0).all()


def test_closing_findings_follow_the_data(tmp_path):
    up = make_responses(_rows([("A", 2020, 2), ("B", 2020, 3), ("A", 2021, 5), ("B", 2021, 6)]))
    down = make_responses(_rows([("A", 2020, 5), ("B", 2020, 6), ("A", 2021, 2), ("B", 2021, 3)]))
    texts = []
    for i, df in enumerate([up, down]):
        path = tmp_path / f"d{i}.csv"
        io.write_responses(df, path)
        texts.append(run([closing.closing], context.load(path), tmp_path).text)
    p25, p75 = display.pct(25, 1), display.pct(75, 1)
    assert f"Den totala mognaden steg från {p25} år 2020 till {p75} år 2021" in texts[0]
    assert ("Av 26 principer utvecklades 26 positivt, 0 var stabila och 0 negativt (gräns ±2 procentenheter)."
            in texts[0])
    assert "År 2021 låg ingen av organisationernas princippoäng på steg 1 eller 2." in texts[0]
    assert f"Den totala mognaden sjönk från {p75} år 2020 till {p25} år 2021" in texts[1]
    assert "Av 26 principer utvecklades 0 positivt, 0 var stabila och 26 negativt (gräns ±2" in texts[1]
    assert f"År 2021 låg {display.pct(100)} av organisationernas princippoäng" in texts[1]
    assert f"år 2021 hade {display.pct(100)} mätt också året före" in texts[0]


def test_closing_table_per_year(tmp_path):
    df = make_responses(_rows([("A", 2020, 1), ("B", 2020, 7), ("A", 2021, 4), ("B", 2021, 7), ("C", 2021, 2)]))
    path = tmp_path / "d.csv"
    io.write_responses(df, path)
    y = closing.yearly(context.load(path))
    assert y["organisations"].tolist() == [2, 3]
    assert y["returning_share"].iloc[0] != y["returning_share"].iloc[0]  # NaN: no year before 2020
    assert y["returning_share"].iloc[1] == pytest.approx(200 / 3)
    assert y["overall"].round(6).tolist() == [50.0, round((50 + 100 + 100 / 6) / 3, 6)]
    assert y["low_share"].round(6).tolist() == [50.0, round(100 / 3, 6)]


def test_closing_on_the_panel(panel_ctx, panel_output):
    f = closing.findings(panel_ctx)
    from dimios import trends

    means = trends.dimension_means(panel_ctx.org_scores)
    assert f["overall_first"] == pytest.approx(means.loc[2020, "overall"])
    assert f["classes"] == {"positive": 14, "stable": 7, "negative": 5}
    assert f"{display.pct(f['overall_first'], 1)} år 2020" in panel_output.text
    ret = f["returning"]
    assert ret["organisations"].tolist() == [146, 184, 320]


# ---------------------------------------------------------------- "Om data"
def test_synthetic_panel_is_recognised(panel_ctx, example_ctx):
    assert data_notes.is_synthetic(panel_ctx.responses)
    assert not data_notes.is_synthetic(example_ctx.responses)
    mixed = panel_ctx.responses.head(3).copy()
    mixed.loc[mixed.index[0], "organisation_id"] = "Kommun A"
    assert not data_notes.is_synthetic(mixed)


def test_data_appendix_on_the_synthetic_panel(panel_ctx, panel_output):
    text = panel_output.text
    r = panel_ctx.responses
    n_org, n_resp = r["organisation_id"].nunique(), len(r)
    assert n_org > 400 and n_resp > 25_000
    assert '# Om data {#sec-om-data}\n\n::: {.callout-warning title="Syntetisk panel"}' in text
    assert f"| Organisationer (avsnitt 2.4) | fler än 400 | {display.count(n_org)} (2020–2023) |" in \
        "\n".join(panel_output.tables)
    assert f"| Respondenter (avsnitt 2.4) | fler än {display.count(25000)} | {display.count(n_resp)} (2020–2023) |" \
        in "\n".join(panel_output.tables)
    assert "| 416 av 416 lika |" in "\n".join(panel_output.tables)
    # minimal counts, trend targets, repair, identical tables, inferred columns
    counts = reconcile.panel_per_year(panel_ctx)
    assert counts["minimal"].tolist() == [32, 146, 184, 320] == counts["organisations"].tolist()
    assert "−3,5, 0,0 eller +3,5 procentenheter" in text
    assert "**Justering.**" in text and "**Justeringen styr" in text
    # the published tables are named as such: this report has a Tabell 2.1 and 3.1 of its own (issue 21)
    assert "Den publicerade rapportens tabell 2.1 och 3.1 (Förvaltningsstyrning och Projektstyrning) är lika i " \
           "varje cell men olika publicerade trendklasser (Förvaltningsstyrning positiv och Projektstyrning " \
           "negativ)" in text
    assert "den publicerade rapporten har tabell 1.1 år 2020 och tabell 1.1 år 2023 tappat sina kolumnplaceringar" \
        in text
    item = next(line for line in text.splitlines() if "**Identiska publicerade tabeller.**" in line)
    assert not re.search(r"(?<!publicerade rapportens )\bTabell \d+\.1\b", item)
    part = data_notes.participation(r)
    assert part.sum() == n_org
    assert f"{display.count(part[1])} organisationer ett år" in text


def test_data_appendix_on_other_data(example_ctx, tmp_path):
    rec = run([data_notes.data_notes], example_ctx, tmp_path)
    assert "Syntetisk" not in rec.text and "syntetisk" not in rec.text
    assert rec.text.startswith("# Om data {#sec-om-data}\n\nRapporten bygger på de svarsdata")
    r = example_ctx.responses
    assert f"{len(r)} svar från {r['organisation_id'].nunique()} organisationer" in rec.text
    table = rec.tables[0]
    assert "| Kommun |" in table.split("\n")[0] or "Kommun" in table.split("\n")[0]


# ---------------------------------------------------------------- reconciliation
def test_every_cell_exact_on_the_panel(panel_ctx, panel_output):
    cells = reconciliation.spread_cells(panel_ctx.org_scores)
    assert len(cells) == 416 and (cells["difference"] == 0).all()
    assert "Alla 416 jämförda celler är exakt lika, som panelen är kalibrerad för." in panel_output.text
    # the match is by construction, and the appendix says so (issue 21.5)
    assert "På den syntetiska panelen är överensstämmelsen gjord, inte funnen" in panel_output.text
    tc = reconciliation.trend_comparison(panel_ctx.org_scores)
    assert tc["match"].all() and len(tc) == 26
    assert "hamnar 26 av 26 principer i den publicerade klassen" in panel_output.text


def test_differences_are_counted_and_listed(panel_ctx, tmp_path):
    # drop a third of the 2021 organisations and lower every 2023 score of one principle: real differences
    scores = panel_ctx.org_scores.copy()
    ids_2021 = scores.xs(2021, level="year").index
    drop = [(o, 2021) for o in ids_2021[::3]]
    scores = scores.drop(index=drop)
    scores.loc[scores.index.get_level_values("year") == 2023, "rykte"] -= 30
    cells = reconciliation.spread_cells(scores)
    s = reconciliation.spread_summary(cells)
    independent = spread.compare(spread.spread_table(scores), reference.published_spread())
    assert s["exact"] == int((independent["difference"] == 0).sum()) < 416
    assert s["max_abs"] == int(independent["difference"].abs().max()) > 1
    big = cells[cells["difference"].abs() > 1]
    assert len(big) == int((independent["difference"].abs() > 1).sum())

    class Ctx:
        org_scores = scores
        years = [2020, 2021, 2022, 2023]
        default_panel = False
        trend_threshold = 2.0

    rec = run([reconciliation.reconciliation], Ctx, tmp_path)
    assert f"Alla {len(big)} celler som skiljer sig med mer än 1 procentenhet:" in rec.text
    listed = next(t for t in rec.tables if "reconciliation-differences" in t)
    assert len([ln for ln in listed.split("\n") if ln.startswith("| ") and "Tabell" not in ln]) == len(big)
    assert "Rykte (publicerad positiv, beräknad negativ" in rec.text
    wide = next(t for t in rec.tables if "reconciliation-cells" in t)
    assert " → " in wide


def test_cut_points_are_labelled_as_assumptions_wherever_stated(panel_output):
    """Every sentence that states the level cut points (25/50/75) says, there or in the next sentence,
    that they are an assumption (issue 21.5)."""
    from dimios import instrument

    sc = instrument.load().scoring
    listed = display.join_sv(display.num(c) for c in sc.cut_points) + " procent"
    sentences = re.split(r"(?<=[.!?])\s+", panel_output.text.replace("\n", " "))
    stated = [x for x in sentences if listed in x]
    assert len(stated) >= 2  # section 1.6 and the method appendix
    for i, x in enumerate(sentences):
        if listed in x:
            around = " ".join(sentences[i:i + 2])
            assert "antagande" in around, x


def test_cell_view():
    assert reconciliation._cell(41, 41) == "41"
    assert reconciliation._cell(0, 0) == "–"
    assert reconciliation._cell(41, 43) == "41 → 43"
    assert reconciliation._cell(0, 3) == "– → 3"
    assert reconciliation._cell(12, pd.NA) == "12 → saknas"


def test_reconciliation_without_the_published_years(example_ctx, tmp_path):
    rec = run([reconciliation.reconciliation], example_ctx, tmp_path)
    assert reconciliation.trend_comparison(example_ctx.org_scores) is None
    assert "Data saknar år 2020, så klasserna kan inte jämföras." in rec.text
    assert "motsvarighet i data" in rec.text


# ---------------------------------------------------------------- method appendix
def test_aggregation_weights_from_the_instrument():
    w = method.aggregation_weights().set_index("id")
    assert w.loc["digital_formaga", "weight_in_overall"] == pytest.approx(18 / 26)
    assert w.loc["digitalt_arv", "weight_in_overall"] == pytest.approx(8 / 26)
    cats = w[w["level"] == "category"]
    assert cats.groupby("dimension")["weight_in_dimension"].sum().round(12).eq(1).all()
    assert cats["weight_in_overall"].sum() == pytest.approx(1)


def test_method_states_the_aggregation_and_own_types(panel_ctx, panel_output):
    text = panel_output.text
    assert f"digital förmåga 18/26 ({display.pct(69)}) och digitalt arv 8/26 ({display.pct(31)})" in text
    groups = scoring.group_scores(panel_ctx.org_scores).xs(2023, level="year")
    equal = groups[["digital_formaga", "digitalt_arv"]].mean(axis=1).mean()
    assert f"varit {display.pct(equal, 1)} i stället för" in text
    assert ORGANISATION_TYPES_NOTE in text
    assert "”vet ej”" in text and "«" not in text


def test_organisation_types_labelled_where_shown(panel_ctx, tmp_path):
    rec = run([ladder.quadrants], panel_ctx, tmp_path)
    assert ORGANISATION_TYPES_NOTE in rec.text
    assert "rapportens egen indelning" in rec.tables[0]


# ---------------------------------------------------------------- language
def test_number_words():
    assert [number_sv(n) for n in (2, 3, 6, 12, 26)] == ["två", "tre", "sex", "tolv", "26"]
    assert number_sv(1, neuter=True) == "ett"


@pytest.mark.parametrize("which", ["panel", "example"])
def test_prose_agreement_signs_and_numbers_next_to_years(which, panel_output, example_ctx, tmp_path):
    from tests.test_prose import NEGATIVE_ZERO, NUMBER_YEAR, ONE_PLURAL, PLUS_ZERO

    out = panel_output if which == "panel" else run(ALL_CHAPTERS, example_ctx, tmp_path)
    text = out.text
    for pattern in (ONE_PLURAL, NEGATIVE_ZERO, PLUS_ZERO, NUMBER_YEAR):
        assert not pattern.search(text), (pattern.pattern, pattern.search(text) and
                                          text[max(pattern.search(text).start() - 60, 0):pattern.search(text).end() + 20])
    assert "byggning" not in text


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"[^\wåäöéü]+", " ", text).split()


def test_no_passage_copied_from_the_published_report(panel_output):
    seed = next((p for p in SEED_DIRS if p.exists() and list(p.glob("*.txt"))), None)
    if seed is None:
        pytest.skip("published report text not found: copy check skipped")
    words = []
    for f in sorted(seed.glob("*.txt")):
        words += _words(f.read_text(encoding="utf-8"))
    grams = {tuple(words[i:i + N_WORDS]) for i in range(len(words) - N_WORDS + 1)}
    text = panel_output.text
    # facts that may be quoted: reference titles and the names of the expert group
    def leaves(node):
        if isinstance(node, dict):
            return [x for v in node.values() for x in leaves(v)]
        if isinstance(node, list):
            return [x for v in node for x in leaves(v)]
        return [node] if isinstance(node, str) else []

    facts = reference.facts()
    for fact in sorted(leaves(facts), key=len, reverse=True):  # names, titles, links
        text = text.replace(fact, " ")
    w = _words(text)
    hits = {tuple(w[i:i + N_WORDS]) for i in range(len(w) - N_WORDS + 1)} & grams
    assert not hits, sorted(" ".join(h) for h in hits)[:5]
    # the check itself can fail
    sample = words[5000:5000 + N_WORDS]
    assert tuple(_words(" ".join(sample))) in grams


# ---------------------------------------------------------------- the notebooks build
@pytest.mark.slow
@pytest.mark.parametrize("name", ["background", "development", "closing", "data", "reconciliation", "method"])
def test_notebook_builds(name, tmp_path):
    import papermill as pm

    data = synthetic.ensure_default_panel()
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS / f"{name}.ipynb"), str(out), cwd=str(paths.ROOT), progress_bar=False,
                        parameters={"data": str(data), "output_dir": str(tmp_path / "tables"), "section": name})
    import nbformat

    nb = nbformat.read(out, as_version=4)
    shown = "".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", []))
    title = next(s.title for s in sections.sections() if s.id == name)
    assert shown.startswith(f"# {title}") and "Traceback" not in shown
    tables = sorted(p.name for p in (tmp_path / "tables" / name).glob("tbl-*.csv"))
    assert tables == EXPECTED_TABLES[name]


EXPECTED_TABLES = {
    "background": ["tbl-model.csv"], "development": ["tbl-ladder-contents.csv"],
    "closing": ["tbl-closing-per-year.csv"],
    "data": ["tbl-data-calibration.csv", "tbl-data-per-year.csv"],
    "reconciliation": ["tbl-reconciliation-cells.csv", "tbl-reconciliation-tables.csv",
                       "tbl-reconciliation-trends.csv"],
    "method": ["tbl-aggregation.csv", "tbl-instrument.csv"],
}


# ---------------------------------------------------------------- issue 21, item 4: the published content
def test_published_content_outside_the_principle_chapters(panel_ctx, panel_output, tmp_path):
    text = panel_output.text
    facts = reference.facts()
    assert f"*{facts['report']['title']}*" in text and facts["report"]["title"] == "Mognadstrappor för DiMiOS"
    assert "det enda land i världen" in text
    about = facts["about"]
    assert "## Om författarna" in text and all(u in text for u in about["scdi"]["universities"])
    assert f"omkring {about['scdi']['researchers_about']} forskare" in text
    assert f"omkring {about['consortium']['researchers_about']} forskare" in text
    assert "Arkitekturgemenskapen" in text and "Nacka kommun" in text
    ladder_text = run([lambda c, p: ladder.introduction(p), ladder.usage_levels], panel_ctx, tmp_path).text
    assert f"under {facts['usage_levels_analysis_year']}" in ladder_text and "eSam" in ladder_text
    # every footnote outside the principle chapters (6-10, 33-39) is linked where its statement stands
    numbers = sorted(n for s in facts["sources"].values() for n in s["footnotes"])
    assert numbers == [6, 7, 8, 9, 10, 33, 34, 34, 35, 36, 37, 38, 39]
    both = text + ladder_text
    for key, s in facts["sources"].items():
        assert f"]({s['url']})" in both, key
    for key in ("invanare", "kollektiv", "handslaget"):
        assert facts["sources"][key]["url"] in ladder_text, key
