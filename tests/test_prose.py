"""Generated Swedish prose: agreement, signs, numbers side by side, and no trends from one year.

The prose generators of the front page, the general ladder, every principle chapter and the
overview run with the real ``Publisher`` (IPython's ``display`` replaced by a recorder) over
the default synthetic panel, over one year of it, over two non-adjacent years, and over a
small hand-made panel where counts of one occur. The checks read the text a reader sees.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dimios import context, display, instrument, io
from dimios import spread
from dimios.chapters import front, ladder, overview, principle
from dimios.chapters.common import SPREAD_MEAN_HEADING

from .conftest import make_responses

REPS = 50  # bootstrap repetitions: the prose, not the intervals, is under test

# "1 principer", "1 osäkra klasser": the number one with a plural noun (an adjective may come between)
PLURALS = ("principer", "organisationer", "respondenter", "nivåer", "kategorier", "dimensioner", "klasser",
           "förflyttningar", "mätningar", "procentenheter", "organisationstyper", "dataset")
ONE_PLURAL = re.compile(r"(?<![\d,\u202f−+.])1 (?:(?!av\b|till\b|och\b)\w+ )?(" + "|".join(PLURALS) + r")\b")
NEGATIVE_ZERO = re.compile(r"[−-]0(?:,0+)?(?![\d,])")
PLUS_ZERO = re.compile(r"\+0(?:,0+)?(?![\d,])")
# a number (or percentage) directly followed by a year: "nivå 1 2023", "47,4 % 2023"
NUMBER_YEAR = re.compile(r"\d(?:\u00a0%)? (?:19|20)\d\d\b")
SAME_YEARS = re.compile(r"\b((?:19|20)\d\d)(?:–| och | till )\1\b")
# "från 43,0 % till 43,0 %": an unchanged value written as a change
SAME_VALUES = re.compile(r"från (\d[\d,\u202f]*\u00a0%) (?:år (?:19|20)\d\d )?till \1(?![\d,])")


class Recorder:
    def __init__(self):
        self.texts: list[str] = []

    def __call__(self, obj, raw=False, **kw):
        md = obj.get("text/markdown", "") if isinstance(obj, dict) else str(obj)
        if md.startswith("!["):  # a figure: its caption and alt text
            cap = re.match(r"!\[(.*?)\]\(data:", md, re.S)
            alt = re.search(r'fig-alt="(.*?)"\}', md, re.S)
            md = "\n".join(m.group(1) for m in (cap, alt) if m)
        self.texts.append(md)


def prose_of(ctx, out_dir) -> dict[str, str]:
    """The text of each chapter the generators write for ``ctx``."""
    import IPython.display

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, run in _chapters():
            rec = Recorder()
            mp.setattr(IPython.display, "display", rec)
            run(ctx, display.Publisher(out_dir, name))
            out[name] = "\n\n".join(rec.texts)
    return out


def _overview(ctx, pub):
    overview.headline_section(ctx, pub)
    overview.distribution_section(ctx, pub)
    overview.principle_distribution_section(ctx, pub)
    overview.change_section(ctx, pub)
    tr = overview.trend_section(ctx, pub, reps=REPS)
    overview.uncertainty_section(ctx, pub, tr, reps=REPS)
    overview.spread_vs_mean_section(ctx, pub, tr)
    overview.published_comparison_section(ctx, pub, tr)
    overview.open_questions(ctx, pub)
    overview.method_note(ctx, pub, tr)


def _front(ctx, pub):
    front.title_and_mode(ctx, pub)
    front.headline(ctx, pub)
    front.highlights(ctx, pub)


def _ladder(ctx, pub):
    ladder.introduction(pub, ctx)
    ladder.usage_levels(ctx, pub)
    ladder.quadrants(ctx, pub)


def _principle(pid):
    def run(ctx, pub):
        principle.heading(pid, pub, ctx)
        principle.ladder_table(pid, pub)
        principle.statement(pid, pub)
        principle.spread_section(ctx, pid, pub)
        principle.mean_and_trend(ctx, pid, pub)
        principle.references(pid, pub)
    return run


def _chapters():
    yield "index", _front
    yield "ladder", _ladder
    for pid in instrument.load().principle_ids:
        yield pid, _principle(pid)
    yield "overview", _overview


LINK_TARGET = re.compile(r"\]\(https?://[^)\s]*\)|https?://\S+")


def language_problems(text: str) -> list[str]:
    text = LINK_TARGET.sub("]", text)  # addresses are not prose
    found = []
    for rx, what in ((ONE_PLURAL, "1 + plural"), (NEGATIVE_ZERO, "negative zero"), (PLUS_ZERO, "signed zero"),
                     (NUMBER_YEAR, "number next to a year"), (SAME_YEARS, "a period from a year to itself"),
                    (SAME_VALUES, "an unchanged value written as a change")):
        for m in rx.finditer(text):
            found.append(f"{what}: …{text[max(0, m.start() - 50):m.end() + 20]}…")
    if "«" in text or "»" in text:
        found.append("guillemets (Swedish quotes with ”…”)")
    return found


# ---------------------------------------------------------------- the checks can fail
def test_checks_catch_the_reported_mistakes():
    bad = ["Med 1 principer", "−0,0 procentenheter", "(+0,0)", "låg på nivå 1 2023", "var 47,4\u00a0% 2023",
           "under åren 2023–2023", "Mellan 2023 och 2023", "svarade «vet ej»", "1 osäkra klasser",
           "från 43,0\u00a0% till 43,0\u00a0%", "från 56\u00a0% år 2020 till 56\u00a0% år 2023"]
    for text in bad:
        assert language_problems(text), text
    good = ["1 princip", "1 av 26 principer", "−0,1", "0,0", "+0,1", "år 2023", "2020–2023", "2,1 procentenheter",
            "1\u202f234 organisationer", "”vet ej”", "11 principer", "nivå 3 eller 4 steg från 56\u00a0% år 2020",
            "från 43,0\u00a0% till 43,1\u00a0%", "från 56\u00a0% år 2020 till 63\u00a0% år 2023"]
    for text in good:
        assert not language_problems(text), text


def test_number_format_has_no_signed_zero():
    for v in (-0.04, -0.0, 0.04, 1e-12, -1e-12):
        assert display.num(v, 1) == "0,0" and display.signed(v, 1) == "0,0"
    assert display.num(-0.4, 0) == "0" and display.signed(0.4, 0) == "0"
    assert display.signed(0.06, 1) == "+0,1" and display.signed(-0.06, 1) == "−0,1"
    assert display.num(62.5) == "63" and display.pct(0.5) == "1\u00a0%"  # half up, as the spread tables
    assert display.plural(1, "princip", "principer") == "1 princip"
    assert display.plural(0, "princip", "principer") == "0 principer"


# ---------------------------------------------------------------- the default panel and its subsets
@pytest.fixture(scope="module")
def panel_file(default_panel, tmp_path_factory):
    path = tmp_path_factory.mktemp("prose") / "panel.parquet"
    io.write_responses(default_panel.responses, path)
    return path


@pytest.fixture(scope="module")
def default_prose(panel_file, tmp_path_factory):
    return prose_of(context.load(panel_file), tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def one_year_prose(panel_file, tmp_path_factory):
    return prose_of(context.load(panel_file, years=[2023]), tmp_path_factory.mktemp("out1"))


@pytest.fixture(scope="module")
def gap_prose(panel_file, tmp_path_factory):
    return prose_of(context.load(panel_file, years=[2021, 2023]), tmp_path_factory.mktemp("out2"))


@pytest.mark.parametrize("case", ["default_prose", "one_year_prose", "gap_prose"])
def test_generated_prose_has_good_swedish(case, request):
    prose = request.getfixturevalue(case)
    problems = {name: language_problems(text) for name, text in prose.items()}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def test_one_year_gives_no_trend_sentences(one_year_prose):
    for name, text in one_year_prose.items():
        assert not re.search(r"klassas utvecklingen|Störst (ökning|minskning)|utvecklades \w+ positivt|"
                             r"\bvar stabila\b|Mellan 2023", text), name
    for name in ("index", "overview", *instrument.load().principle_ids):
        assert "minst två år" in one_year_prose[name], f"{name} does not say that change needs two years"


def test_two_non_adjacent_years(gap_prose):
    text = gap_prose["index"]
    assert "2021 och 2023" in text and "saknar data för 2022" in text
    up = re.search(r"Störst ökning[^:]*:\*\* (.*)", text).group(1)
    down = re.search(r"Störst minskning[^:]*:\*\* (.*)", text).group(1)
    changes_up = re.findall(r"\(([+−]?[\d,]+)\)", up)
    changes_down = re.findall(r"\(([+−]?[\d,]+)\)", down)
    assert all(c.startswith("+") for c in changes_up) or up.startswith("ingen")
    assert all(c.startswith("−") for c in changes_down) or down.startswith("ingen")
    for pid in instrument.load().principle_ids:
        assert "Mellan 2021 och 2023" in gap_prose[pid] and "saknar data för 2022" in gap_prose[pid]


# ---------------------------------------------------------------- item 3: spread against the mean
def test_principle_chapters_say_when_level_shares_and_mean_disagree(default_prose):
    # Projektstyrning: negative class while the share at levels 3-4 rose (published tables: 56 -> 63 %)
    assert "pekar här åt olika håll" in default_prose["projektstyrning"]
    for pid in ("oppna_data", "prioritering", "infrastruktur"):
        assert "Medelvärdet räknas som stabilt, men andelen på nivå 3 eller 4" in default_prose[pid], pid
    assert "olika håll" not in default_prose["styrning"]  # positive and rising shares agree
    ov = default_prose["overview"]
    for name in ("Projektstyrning", "Öppna data", "Prioritering", "Infrastruktur"):
        assert re.search(rf"I dessa data gäller det [^\n]*{name} \(", ov), name


def test_overview_lists_every_published_prose_and_figure_disagreement(default_prose):
    ov = default_prose["overview"].split("## Den publicerade texten, figuren och data")[1]
    para = ov.split("\n\n")[1]
    listed = re.search(r"Texten och figuren är oense om (\d+) principer: (.*?)\. Data", para)
    assert listed, para[:300]
    named = {n for n in instrument.load().principles if f"{n.name_sv} (" in listed.group(2)}
    expected = {"innovationskultur", "infosak_integritet", "nyttorealisering", "kostnadskontroll", "styrning",
                "teknisk_skuld", "portfoljstyrning", "anvandarinvolvering", "kompetens"}
    assert {p.id for p in named} == expected and int(listed.group(1)) == len(expected)


# ---------------------------------------------------------------- items 5 and 6
def test_principle_pages_state_the_scale_as_an_assumption_and_render_references(default_prose):
    for pid in instrument.load().principle_ids:
        text = default_prose[pid]
        assert "antar att svaren ges på en skala från 1 till 7" in text
        assert "[metodbilagan](method.html)" in text
        assert "## För inspiration" in text
    assert "[När effektivitet hindrar innovation](https://www.digitalforvaltning.se/rapport/nar-effektivitet-" \
           "hindrar-innovation/)" in default_prose["innovationskultur"]
    assert "(projektets tillägg)" in default_prose["skugg_it"]
    assert "(kompletterad av projektet)" in default_prose["forvaltningsstyrning"]


# ---------------------------------------------------------------- a tiny panel: counts of one
def _tiny_panel() -> pd.DataFrame:
    """Seven organisations with six respondents in 2022 and 2023; all principles flat except one
    that rises and one that falls, so that the texts count one of each."""
    inst = instrument.load()
    ids = list(inst.principle_ids)
    rng = np.random.default_rng(7)
    rows = []
    for year in (2022, 2023):
        for o in range(7):
            for r in range(6):
                answers = {pid: int(np.clip(round(4 + rng.normal(0, 0.3)), 1, 7)) for pid in ids}
                answers[ids[0]] = 3 if year == 2022 else 6
                answers[ids[1]] = 6 if year == 2022 else 3
                rows.append((f"ORG{o}", year, answers))
    return make_responses(rows, inst)


def test_tiny_panel_counts_agree_in_number(tmp_path):
    path = tmp_path / "tiny.parquet"
    io.write_responses(_tiny_panel(), path)
    prose = prose_of(context.load(path), tmp_path / "out")
    problems = {k: v for k, v in ((k, language_problems(t)) for k, t in prose.items()) if v}
    assert not problems, problems
    assert "utvecklades 1 positivt och 1 negativt" in prose["index"]
    # the user's own data: no synthetic marker, no panel; the pages name the data as their source (issue 21.1)
    for name, text in prose.items():
        assert "panel" not in text.lower() and "syntetisk" not in text.lower(), name
    assert "Underlaget omfattar 7 organisationer" in prose["index"]
    for pid in instrument.load().principle_ids:
        assert "i underlaget" in prose[pid], pid


# ---------------------------------------------------------------- issue 21.1: findings about the panel
def test_on_the_default_panel_computed_findings_are_about_the_panel(default_prose):
    from dimios.chapters.common import MARKER_TITLE

    for name, text in default_prose.items():
        assert f'title="{MARKER_TITLE}"' in text.split("\n\n", 2)[1], name  # right under the title
    assert "Den här utgåvan är byggd på projektets syntetiska panel (2020–2023)" in default_prose["index"]
    assert "Den totala digitala mognaden i panelen" in default_prose["index"]
    assert "Siffrorna gäller organisationerna i panelen." in default_prose["index"]
    assert "allt nedan beskriver panelen" in default_prose["overview"]
    assert "Det nationella medelvärdet" not in default_prose["overview"]
    for pid in instrument.load().principle_ids:
        text = default_prose[pid]
        assert "andel av organisationerna i panelen" in text and "Nationellt medelvärde" not in text, pid
        assert re.search(r"Mellan 2020 och 2023 (?:har|var) medelvärdet för [^()]+ i panelen ", text), pid


def test_usage_levels_on_the_panel_are_an_illustration_of_the_method(default_prose):
    """Tabell 3.3: the published report leaves the usage levels open; the panel's shares are the generator's."""
    text = default_prose["ladder"]
    assert "**På den syntetiska panelen är tabellen bara en illustration av metoden.**" in text
    assert "förblir öppen" in text
    assert "Illustration av metoden på den syntetiska panelen: Organisationer efter mätmönster" in text


# ---------------------------------------------------------------- our own words
def test_generated_prose_does_not_follow_the_published_text(default_prose):
    """No 8 consecutive words of a chapter (tables cell by cell) as in the published report; the survey
    statements (quoted as '> ...') and the titles of references are facts and left out."""
    from .test_ladders import SEED, _ngrams, _words

    files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if not files:
        pytest.skip(f"published report text not found in {SEED}")
    seed = _ngrams([w for f in files for w in _words(f.read_text(encoding="utf-8"))])
    copied = {}
    for name, text in default_prose.items():
        text = re.sub(r"^>.*$", " ", text, flags=re.M)
        text = re.sub(r"\[[^\]]*\]\([^)]*\)", " ", text)
        for piece in re.split(r"\||\n", text):
            hits = _ngrams(_words(piece)) & seed
            if hits:
                copied.setdefault(name, []).append(" ".join(sorted(hits)[0]))
    assert not copied, copied


# ---------------------------------------------------------------- issue 21, item 5: one page, one set of numbers
def _spread_table(text: str) -> dict[int, list[int]]:
    """Year -> the rounded shares at levels 1-4 as the spread table shows them (empty cell: 0)."""
    caption = re.search(r"\{#tbl-[\w-]*spread\}", text)
    rows = []
    for line in reversed(text[:caption.start()].splitlines()[:-1]):  # the table's rows above its caption
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    out = {}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"(?:19|20)\d\d", cells[0]):
            out[int(cells[0])] = [int(c.replace("\u00a0%", "")) if c else 0 for c in cells[1:5]]
    return out


@pytest.mark.parametrize("case", ["default_prose", "one_year_prose"])
def test_level_3_4_share_in_text_is_the_sum_of_the_tables_shares(case, request):
    prose = request.getfixturevalue(case)
    checked = 0
    for pid in instrument.load().principle_ids:
        text = prose[pid]
        table = _spread_table(text)
        assert table, pid
        m = re.search(r"andelen organisationer på nivå 3 eller 4 (?:steg|sjönk) från (\d+)\u00a0% år (\d{4}) till "
                      r"(\d+)\u00a0% år (\d{4})", text, re.I)
        pairs = [(int(m.group(1)), int(m.group(2))), (int(m.group(3)), int(m.group(4)))] if m else []
        if not m:
            m = re.search(r"nivå 3 eller 4 var (\d+)\u00a0% både år (\d{4}) och år (\d{4})", text)
            if m:
                pairs = [(int(m.group(1)), int(m.group(2))), (int(m.group(1)), int(m.group(3)))]
        if not m:
            m = re.search(r"och (\d+)\u00a0% av organisationerna låg på nivå 3 eller 4", text)
            pairs = [(int(m.group(1)), max(table))]
        for share, year in pairs:
            assert share == table[year][2] + table[year][3], f"{pid} {year}: text {share} %, table {table[year]}"
            checked += 1
    assert checked >= len(instrument.load().principle_ids)


def test_share_sum_differs_from_the_rounded_total_by_design():
    # 87.6 + 2.6 = 90.2 rounds to 90, but the table shows 88 and 3: the text must say 91 (issue 21, p06)
    rows = pd.DataFrame({"level_1_pct": [9.8], "level_2_pct": [0.0], "level_3_pct": [87.6], "level_4_pct": [2.6],
                         "level_1_n": [1], "level_2_n": [0], "level_3_n": [34], "level_4_n": [1], "n": [36]},
                        index=[2023])
    assert spread.shown_share(rows, 2023, (3, 4)) == 91 and display.pct(87.6 + 2.6) == "90\u00a0%"
    rows.loc[2023, "level_4_n"] = 0  # an empty cell counts 0
    assert spread.shown_share(rows, 2023, (3, 4)) == 88


def test_unchanged_mean_is_written_as_such(tmp_path):
    """A principle answered alike in both years has the same mean; its page says "oförändrat" and shows no
    change from a value to itself. A principle that moves keeps the usual sentence."""
    import IPython.display

    inst = instrument.load()
    ids = list(inst.principle_ids)
    rows = []
    for year in (2022, 2023):
        for o in range(7):
            for r in range(6):
                answers = {pid: 4 + (o + r) % 3 for pid in ids}  # the same answers both years
                answers[ids[1]] = 3 if year == 2022 else 6
                rows.append((f"ORG{o}", year, answers))
    path = tmp_path / "flat.parquet"
    io.write_responses(make_responses(rows, inst), path)
    ctx = context.load(path)
    texts = {}
    with pytest.MonkeyPatch.context() as mp:
        for pid in ids[:2]:
            rec = Recorder()
            mp.setattr(IPython.display, "display", rec)
            principle.mean_and_trend(ctx, pid, display.Publisher(tmp_path / "out", pid))
            texts[pid] = "\n\n".join(rec.texts)
    flat, moving = texts[ids[0]], texts[ids[1]]
    assert re.search(r"Mellan 2022 och 2023 var medelvärdet för .* oförändrat \d+,\d\u00a0%", flat), flat
    assert not language_problems(flat) and "procentenheter)" not in flat.split("klassas")[0]
    assert "oförändrat" not in moving and re.search(r"från \d+,\d\u00a0% till \d+,\d\u00a0% \(\+", moving)


def test_every_principle_where_the_measures_part_points_to_the_overview(default_prose):
    ov = default_prose["overview"]
    listed = re.search(r"I dessa data gäller det [^:]*: (.*)", ov).group(1)
    pointer = (f"[Digital mognad över tid](overview.html) samlar alla principer där måtten går isär, i avsnittet "
               f"”{SPREAD_MEAN_HEADING}”")
    assert f"## {SPREAD_MEAN_HEADING}" in ov
    pointed = set()
    for p in instrument.load().principles:
        if pointer in default_prose[p.id]:
            pointed.add(p.id)
            assert f"{p.name_sv} (" in listed, p.id
        else:
            assert f"{p.name_sv} (" not in listed, p.id
    assert "projektstyrning" in pointed  # p03: the mean falls while the share at levels 3-4 rises


# ---------------------------------------------------------------- issue 21, item 6: no developer words for the reader
DEVELOPER_WORDS = re.compile(r"exclude_careless|\brecall\b|bootstrapen|dimios (?:build|synth)|make report|papermill|"
                             r"```")


def _reader_strings(path):
    """The string literals of a chapter module a reader can see: all but the method appendices'
    (``method.py``, and the organisation report's ``reproducibility``), docstrings and bare names."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Module, ast.ClassDef)):
            if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                skip.add(id(node.body[0].value))  # docstring
            if isinstance(node, ast.FunctionDef) and node.name == "reproducibility":
                skip.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                and not re.fullmatch(r"[\w.]*", node.value):  # a bare name (a key, a column) is code
            yield node.value


def test_no_developer_words_in_the_readers_text_outside_the_method_appendix():
    from dimios import paths

    chapters = sorted((paths.ROOT / "dimios" / "chapters").rglob("*.py"))
    assert len(chapters) > 10
    found = []
    for path in chapters:
        if path.name == "method.py":
            continue
        for s in _reader_strings(path):
            if DEVELOPER_WORDS.search(s):
                found.append(f"{path.name}: {s[:80]!r}")
    assert not found, found
    # what the others leave out is in the method appendix
    method = (paths.ROOT / "dimios" / "chapters" / "method.py").read_text(encoding="utf-8")
    assert "exclude_careless=true" in method and "dimios synth" in method
    for text in ("parametern `exclude_careless`", "(täckning, *recall*)", "i bootstrapen dras", "`dimios build --data`"):
        assert DEVELOPER_WORDS.search(text), text


def test_swedish_fixes_of_issue_21():
    from dimios import paths

    text = "\n".join(s for p in sorted((paths.ROOT / "dimios" / "chapters").rglob("*.py")) for s in _reader_strings(p))
    text += "\n".join(p.read_text(encoding="utf-8") for p in sorted((paths.ROOT / "data" / "ladders").glob("*.yml")))
    text = re.sub(r"\s+", " ", text)
    for bad in ("gripa och ställa om", "högst små", "högst {size}", "föra principerna direkt", "Längsta rad ",
                "i världsklass på att", "negativa till", "negativa även till", "både påverkar och anpassas",
                "Oenighet om vilken kalkylmodell\n"):
        assert bad not in text, bad


def test_overview_states_the_published_dimension_levels_beside_the_data(default_prose, panel_file):
    from dimios import scoring

    ov = default_prose["overview"]
    ctx = context.load(panel_file)
    tab = overview.dimension_levels(scoring.positions(ctx.org_public), 2023)
    assert tab.loc["digital_formaga", "published_levels"] == [2] and tab.loc["digitalt_arv", "published_levels"] == [2, 3]
    assert "Den publicerade rapporten placerar dimensionerna så här: digital förmåga kring nivå 2 och digitalt arv " \
           "kring nivå 2 och 3." in ov
    f, a = tab.loc["digital_formaga"], tab.loc["digitalt_arv"]
    assert f"låg {display.pct(f['published_share'])} av organisationerna på nivå 2 i digital förmåga" in ov
    assert f"{display.pct(a['published_share'])} på nivå 2 eller 3 i digitalt arv" in ov
    shares = tab[[f"level_{k}_pct" for k in range(1, 5)]]
    assert np.allclose(shares.sum(axis=1), 100)
    assert "## Vilka insatser ligger bakom?" in ov
