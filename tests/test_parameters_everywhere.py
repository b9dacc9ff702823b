"""Issue 20: a report that never contradicts itself about a parameter.

One test per declared parameter (``dimios.sections.PARAMETERS``), built from the declarations: a
new parameter without a probe below fails, and every section of the report is checked, so a new
chapter is checked too. A probe is a non-default value, how the report must print it, and the
phrases in which a chapter states the parameter. Every section whose default text states the
parameter must state the given value when the report is built with the probe (a section whose
notebook does not take the parameter keeps its default text, as the build's cache would).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from dimios import build, instrument, paths, sections, trends
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

    def states(self, text: str, shown: str) -> list[str]:
        value = re.escape(shown)
        return [m.group(0) for p in self.phrases for m in re.finditer(p.replace("{v}", value), text)]


_SCORING = instrument.load().scoring
_NB = sections.notebook_parameters
PROBES = {
    "trend_threshold": Probe("3.5", d.given(_SCORING.trend_threshold), "3,5",
                             (r"±{v}(?![\d,])", r"(?<![\d,+−]){v} procentenheter")),
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
}


@pytest.fixture(scope="module")
def default_texts(tmp_path_factory):
    return render(DATA, tmp_path_factory.mktemp("default"))


def _probe_texts(name, default_texts, tmp_path, kind="national"):
    probe = PROBES[name]
    typed = sections.parse_parameters({name: probe.value}, kind)
    rerun = {s.id for s in sections.sections(kind)
             if build.section_parameters(s, typed) != build.section_parameters(s, {})}
    return {**default_texts, **render(DATA, tmp_path, {name: probe.value}, kind=kind, only=rerun)}


def test_every_declared_parameter_has_a_probe():
    for kind in sections.REPORTS:
        for name in sections.known_parameters(kind):
            if kind == "national":
                assert name in PROBES, f"parameter {name}: add a probe to this test"


@slow
@pytest.mark.parametrize("name", sorted(sections.known_parameters("national")))
def test_a_parameter_reaches_every_chapter_that_states_it(name, default_texts, tmp_path):
    probe = PROBES[name]
    texts = _probe_texts(name, default_texts, tmp_path)
    stating = [sid for sid, text in default_texts.items() if probe.states(text, probe.default_shown)]
    assert stating, f"no chapter states {name} (probe phrases out of date?)"
    wrong = {sid: probe.states(default_texts[sid], probe.default_shown)[:2] for sid in stating
             if not probe.states(texts[sid], probe.shown)}
    assert not wrong, f"-P {name}={probe.value}: these sections still state the default, not {probe.shown}: {wrong}"


@slow
def test_front_page_closing_and_overview_count_the_same_trend_classes(default_texts, tmp_path):
    """Issue 20.1: with -P trend_threshold=3.5 the front page and the closing chapter count the
    classes the overview counts (not the default 14/5/7), and no chapter rounds 3,5 to 4."""
    import pandas as pd

    texts = _probe_texts("trend_threshold", default_texts, tmp_path)
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
