"""Issue 20: a report that never contradicts itself about a parameter.

One test per declared parameter of each report (``dimios.sections.PARAMETERS``, as
``sections.known_parameters(kind)`` gives them for the national and the organisation report),
built from the declarations: a new parameter without a probe below fails, and every section of
the report is checked, so a new chapter is checked too. A probe is a non-default value, how the
report must print it, and the phrases in which a chapter states the parameter. Every section whose
default text states the parameter must state the given value when the report is built with the
probe (a section whose notebook does not take the parameter keeps its default text, as the build's
cache would).

The national report is probed on the default panel; the organisation report on a small panel made
for it (``organisation_panel``): one organisation whose first year has fewer respondents than the
instrument's privacy threshold and business areas of three and four respondents, so that a lowered
threshold shows groups the default hides, by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from dimios import build, instrument, io, paths, sections, synthetic, trends
from dimios import display as d
from tests.report_runner import render

slow = pytest.mark.slow
DATA = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"


@dataclass(frozen=True)
class Probe:
    value: str                 # as after -P name=
    default_shown: str         # how the report prints the default
    shown: str                 # how the report must print the probe value
    phrases: tuple[str, ...]   # regular expressions; {v} is the printed value
    exclusive: bool = False    # the probe's report must not state the default anywhere

    def states(self, text: str, shown: str) -> list[str]:
        value = re.escape(shown)
        return [m.group(0) for p in self.phrases for m in re.finditer(p.replace("{v}", value), text)]


_SCORING = instrument.load().scoring
_NB = sections.notebook_parameters
_TREND = Probe("3.5", d.given(_SCORING.trend_threshold), "3,5", (r"±{v}(?![\d,])", r"(?<![\d,+−]){v} procentenheter"))

# ------------------------------------------------------------------ the organisation report's panel
ORG, OTHER_ORG = "SYN-K005", "SYN-M003"   # a kommun and a myndighet of the scale-0.2 panel, 2021-2023 each
K = _SCORING.privacy_threshold
ORG_YEARS = [2020, 2021, 2022, 2023]
ORG_RESPONDENTS = {2020: 2, 2021: K - 1}  # below any threshold the probes use; below the instrument's only


def organisation_panel(path: Path) -> Path:
    """The synthetic panel at scale 0.2, in which ORG has two respondents in 2020 (copies of two of its
    2021 respondents: hidden with any threshold above 2) and one respondent fewer than the instrument's
    threshold in 2021 (hidden by default, shown with -P privacy_threshold=3). Its business areas of three
    and four respondents in 2023 are likewise hidden by default only."""
    import pandas as pd

    df = synthetic.generate(scale=0.2).responses
    first = df[(df["organisation_id"] == ORG) & (df["year"] == 2021)].head(ORG_RESPONDENTS[2020]).copy()
    first["year"] = 2020
    first["respondent_id"] = [f"{ORG}-2020-{i}" for i in range(len(first))]
    own = (df["organisation_id"] == ORG) & (df["year"] == 2021)
    df = pd.concat([first, df.drop(df.index[own][ORG_RESPONDENTS[2021]:])], ignore_index=True)
    io.write_responses(df, path)
    return path


PROBES = {
    "national": {
        "trend_threshold": _TREND,
        "privacy_threshold": Probe("3", str(_SCORING.privacy_threshold), "3",
                                   (r"färre än {v} (?:respondenter|svar)", r"minst {v} respondenter")),
        "bootstrap_reps": Probe("400", d.count(_NB("overview.ipynb")["bootstrap_reps"]), "400",
                                (r"(?<![\d\u202f]){v} upprepningar",)),
        # the smallest seed the declaration allows: it must run, not only pass the check
        "bootstrap_seed": Probe("0", str(_NB("overview.ipynb")["bootstrap_seed"]), "0", (r"slumpfrö {v}(?!\d)",)),
        "parallel_seed": Probe("0", str(_NB("quality.ipynb")["parallel_seed"]), "0",
                               (r"(?:percentilen|dragningar), frö {v}(?!\d)",)),
        "exclude_careless": Probe("true", "alla svar (slarviga svar är inte borttagna)", "utan slarviga svar",
                                  (r"{v}",)),
        "years": Probe("2021,2023", trends.years_sv([2020, 2021, 2022, 2023]), trends.years_sv([2021, 2023]),
                       (r"åren {v}", r"\({v}[,)]", r"per år {v}", r"DiMiOS {v}", r"mätt {v}", r"mätmönster {v}",
                        r"underlaget {v}", r"myndigheter {v}", r"[Dd]ata {v}", r"år {v}")),
    },
    "organisation": {
        "trend_threshold": _TREND,
        "privacy_threshold": Probe("3", str(_SCORING.privacy_threshold), "3",
                                   (r"(?<![\d,]){v} (?:respondenter|svar)", r"k = {v}")),
        "organisation": Probe(OTHER_ORG, ORG, OTHER_ORG, (r"{v}",), exclusive=True),
        "reference": Probe("shipped", "i samma datafil", "följer med projektet", (r"{v}",)),
        "exclude_careless": Probe("true", "alla svar (slarviga svar är inte borttagna)", "utan slarviga svar",
                                  (r"{v}",)),
        "years": Probe("2021,2023", trends.years_sv(ORG_YEARS), trends.years_sv([2021, 2023]),
                       (r"principer {v}", r"åren {v}", r"\({v}[,)]", r"[Dd]ata {v}", r"år {v}")),
    },
}
BASE = {"national": {}, "organisation": {"organisation": ORG}}   # what every build of the report is given


@pytest.fixture(scope="module")
def report_data(tmp_path_factory):
    """The data each report kind is probed on (made once, when first asked for)."""
    made: dict[str, Path] = {}

    def data(kind: str) -> Path:
        if kind not in made:
            made[kind] = DATA if kind == "national" else organisation_panel(
                tmp_path_factory.mktemp("organisation-panel") / "panel.parquet")
        return made[kind]
    return data


@pytest.fixture(scope="module")
def default_texts(report_data, tmp_path_factory):
    """``default_texts(kind)``: every section of the report built with the default parameters."""
    done: dict[str, dict] = {}

    def texts(kind: str = "national") -> dict[str, str]:
        if kind not in done:
            done[kind] = render(report_data(kind), tmp_path_factory.mktemp(f"default-{kind}"), BASE[kind], kind=kind)
        return done[kind]
    return texts


def _probe_texts(name, default_texts, report_data, tmp_path, kind="national", value=None):
    """Every section of ``kind`` with ``-P name=value`` (the probe's value by default): the sections
    whose notebook takes the parameter are rerun, the others keep their default text."""
    value = PROBES[kind][name].value if value is None else value
    base = sections.parse_parameters(BASE[kind], kind)
    typed = sections.parse_parameters({**BASE[kind], name: value}, kind)
    rerun = {s.id for s in sections.sections(kind)
             if build.section_parameters(s, typed) != build.section_parameters(s, base)}
    user = {**BASE[kind], name: value}
    return {**default_texts(kind), **render(report_data(kind), tmp_path, user, kind=kind, only=rerun)}


CASES = [(kind, name) for kind in sections.REPORTS for name in sorted(sections.known_parameters(kind))]


def test_every_declared_parameter_has_a_probe():
    for kind in sections.REPORTS:
        for name in sections.known_parameters(kind):
            assert name in PROBES.get(kind, {}), f"{kind} report, parameter {name}: add a probe to this test"


@slow
@pytest.mark.parametrize("kind, name", CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_a_parameter_reaches_every_chapter_that_states_it(kind, name, default_texts, report_data, tmp_path):
    probe = PROBES[kind][name]
    defaults = default_texts(kind)
    texts = _probe_texts(name, default_texts, report_data, tmp_path, kind)
    stating = [sid for sid, text in defaults.items() if probe.states(text, probe.default_shown)]
    assert stating, f"no chapter of the {kind} report states {name} (probe phrases out of date?)"
    wrong = {sid: probe.states(defaults[sid], probe.default_shown)[:2] for sid in stating
             if not probe.states(texts[sid], probe.shown)}
    assert not wrong, (f"{kind} report, -P {name}={probe.value}: these sections still state the default, "
                       f"not {probe.shown}: {wrong}")
    if probe.exclusive:
        left = {sid: probe.states(text, probe.default_shown)[:2] for sid, text in texts.items()
                if probe.states(text, probe.default_shown)}
        assert not left, f"{kind} report, -P {name}={probe.value}: the default is still stated in {left}"


@slow
@pytest.mark.parametrize("kind", sorted(sections.REPORTS))
def test_a_lowered_privacy_threshold_is_stated_on_the_front_page_and_in_the_method(kind, default_texts, report_data,
                                                                                  tmp_path):
    """Issue 20.9: -P privacy_threshold=3 (below the instrument's 5) is said, with both values, on the front
    page and in the method appendix; the default report says nothing of the kind."""
    k, default = 3, _SCORING.privacy_threshold
    texts = _probe_texts("privacy_threshold", default_texts, report_data, tmp_path, kind, value=str(k))
    said = f"Integritetsgränsen är sänkt från instrumentets {default} till {k} respondenter"
    for sid in ("index", "method"):
        assert said in texts[sid], (kind, sid)
        assert "Integritetsgränsen är sänkt" not in default_texts(kind)[sid], (kind, sid)
    assert 'title="Sänkt integritetsgräns"' in texts["index"], kind


@slow
def test_front_page_closing_and_overview_count_the_same_trend_classes(default_texts, report_data, tmp_path):
    """Issue 20.1: with -P trend_threshold=3.5 the front page and the closing chapter count the
    classes the overview counts (not the default 14/5/7), and no chapter rounds 3,5 to 4."""
    import pandas as pd

    texts = _probe_texts("trend_threshold", default_texts, report_data, tmp_path)
    scores = __import__("dimios.context", fromlist=["load"]).load(DATA).org_scores
    cls = trends.principle_trends(scores, threshold=3.5)["trend"].value_counts()
    pos, neg, stable = (int(cls.get(k, 0)) for k in ("positive", "negative", "stable"))
    default_cls = trends.principle_trends(scores)["trend"].value_counts()
    assert (pos, neg, stable) != tuple(int(default_cls.get(k, 0)) for k in ("positive", "negative", "stable"))
    assert f"utvecklades {pos} positivt och {neg} negativt" in texts["index"]
    assert f"{stable} var stabila (förändring av medelvärdet med mer än ±3,5 procentenheter" in texts["index"]
    assert (f"utvecklades {pos} positivt, {stable} var stabila och {neg} negativt (gräns ±3,5 procentenheter)"
            in texts["closing"])
    table = pd.read_csv(tmp_path / "tables" / "overview" / "tbl-trend.csv")
    assert (table["trend"].value_counts().reindex(["positive", "negative", "stable"], fill_value=0).tolist()
            == [pos, neg, stable])
    for sid, text in texts.items():
        assert "±4" not in text and "±3,5,0" not in text, sid


# ------------------------------------------------------------------ the command line
def _cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "dimios.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=paths.ROOT)


def _refused(res, *expected):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dimios build: ") and "Traceback" not in res.stderr, res.stderr
    for text in expected:
        assert text in lines[0], lines[0]


NUMBERS = [(kind, p) for kind in sections.REPORTS for p in sections.known_parameters(kind).values()
           if p.kind in ("int", "float")]


def test_every_number_parameter_declares_its_range():
    assert NUMBERS
    for _, p in NUMBERS:
        assert p.minimum is not None, f"{p.name}: declare the smallest value the chapters can use"


@pytest.mark.parametrize("kind, p", NUMBERS, ids=[f"{k}-{p.name}" for k, p in NUMBERS])
def test_numbers_out_of_range_or_not_finite_are_refused_before_the_data_is_read(kind, p):
    for text in ("nan", "NaN", "inf", "-inf", "1e999", str(p.minimum - 1)):
        with pytest.raises(sections.ParameterError) as err:
            sections.parse_parameters({p.name: text}, kind)
        assert "\n" not in str(err.value)
    assert sections.parse_parameters({p.name: f"{p.minimum:g}"}, kind) == {p.name: p.minimum}


@pytest.mark.parametrize("text", ["nan", "inf"])
def test_cli_refuses_a_non_finite_threshold_in_one_line(tmp_path, text):
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,respondent,file\n1,2,3,4\n", encoding="utf-8")
    res = _cli("build", "--data", bad, "--out", tmp_path / "out", "-P", f"trend_threshold={text}")
    _refused(res, f"trend_threshold={text}", "not a finite number")
    res = _cli("build", "--data", bad, "--out", tmp_path / "out", "-P", "bootstrap_seed=-1")
    _refused(res, "bootstrap_seed=-1", "at least 0")
    assert not (tmp_path / "out").exists()


def test_a_repeated_parameter_is_refused_for_every_parameter(tmp_path, monkeypatch):
    """Issue 20.4: -P years=2021 -P years=2023 does not silently keep the last value; the same for all."""
    from typer.testing import CliRunner

    from dimios import cli

    monkeypatch.setattr(build, "build", lambda opts: pytest.fail("the build must not start"))
    names = sorted({n for kind in sections.REPORTS for n in sections.known_parameters(kind)})
    for name in names:
        res = CliRunner().invoke(cli.app, ["build", "--out", str(tmp_path / "out"), "-P", f"{name}=1",
                                           "-P", f" {name}=2"])
        assert res.exit_code == 2, (name, res.output)
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and f"-P {name} given twice" in lines[0], res.output
    res = _cli("build", "--out", tmp_path / "out", "-P", "years=2021", "-P", "years=2023")
    _refused(res, "-P years given twice (years=2021 and years=2023)")


def test_command_line_in_provenance_can_be_pasted_back_into_a_shell(tmp_path, monkeypatch):
    import shlex

    from typer.testing import CliRunner

    from dimios import cli

    seen = {}

    def fake(opts):
        seen["opts"] = opts
        return tmp_path / "index.html"

    monkeypatch.setattr(build, "build", fake)
    args = ["build", "--out", str(tmp_path / "my report"), "-P", "years=2021, 2023", "-P", "trend_threshold=3,5"]
    monkeypatch.setattr("sys.argv", ["dimios", *args])
    res = CliRunner().invoke(cli.app, args)
    assert res.exit_code == 0, res.output
    assert shlex.split(seen["opts"].command_line) == ["dimios", *args]


def test_the_organisation_panel_holds_what_the_probes_need(report_data):
    """The organisation probes rest on the panel's design: a comparison with the other organisations of
    the file with both thresholds, years and business areas hidden by the default threshold only."""
    from dimios import organisation as org

    data = report_data("organisation")
    default, lowered = (org.load(data, organisation=ORG, privacy_threshold=k) for k in (None, 3))
    assert default.reference.kind == lowered.reference.kind == "data"
    assert default.hidden_years == [2020, 2021] and lowered.hidden_years == [2020]
    hidden_2023 = [a.loc[a["year"] == 2023, "suppressed"] for a in (default.area_results, lowered.area_results)]
    assert hidden_2023[0].any() and not hidden_2023[1].any()
    assert org.load(data, organisation=OTHER_ORG).organisation_type != default.organisation_type


@slow
def test_what_the_organisation_report_says_of_its_thresholds_is_true(report_data, default_panel, tmp_path):
    """Issue 20.9 and the peer rule: with a lowered privacy threshold and the shipped comparison, the peer
    chapter's method states the threshold the report used, the rule of at least m organisations (which the
    threshold does not change) and what the shipped figures count, each computed."""
    from dimios import peers

    texts = render(report_data("organisation"), tmp_path, {"organisation": ORG, "reference": "shipped",
                                                           "privacy_threshold": "3"}, kind="organisation",
                   only={"index", "peers", "method"})
    method = texts["method"]
    m = peers.min_organisations()
    assert "bara organisationsår med minst 3 svar räknas (integritetsgränsen" in method
    assert f"minst {m} andra organisationer det året (inställningen `reference_min_organisations`" in method
    smallest = int(default_panel.responses.groupby(["organisation_id", "year"]).size().min())
    shipped = peers.read_shipped()
    assert int(shipped["n_organisations"].min()) >= m
    assert f"som var och ett har minst {smallest} respondenter, och ger ett värde bara där minst {m}" in method
    assert "integritetsgränsen i den här rapporten (3 svar) ändrar dem inte" in method
    assert "antal organisationer av typen i den syntetiska standardpanelen" in texts["peers"]
    assert "andra organisationer med minst 3 svar och om gruppen visas" not in texts["peers"]
    assert f"Integritetsgränsen är sänkt från instrumentets {K} till 3 respondenter" in texts["index"]


def test_organisation_given_two_ways_is_refused_before_the_data_is_read(tmp_path):
    """--organisation A with -P organisation=B does not silently keep one of them (as a repeated -P)."""
    missing = tmp_path / "not-read.parquet"
    missing.write_bytes(b"")
    res = _cli("build", "--data", missing, "--out", tmp_path / "out", "--organisation", ORG, "-P",
               f"organisation={OTHER_ORG}")
    _refused(res, f"--organisation {ORG} and -P organisation={OTHER_ORG} name different organisations")
    assert not (tmp_path / "out").exists()


def test_organisation_years_not_in_its_data_are_named(report_data):
    """-P years with none of the organisation's years says so, and which years it has (not that every year
    has too few respondents)."""
    from dimios import organisation as org

    data = io.read_responses(report_data("organisation")).data
    with pytest.raises(org.OrganisationError) as err:
        org.check_reportable(data, ORG, years=[1999])
    assert str(err.value) == (f"{ORG} has no respondents in the chosen years (parameter years: 1999); its years in "
                              f"the file: {trends.years_sv(ORG_YEARS)}; no report was built")
