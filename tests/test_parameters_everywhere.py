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
