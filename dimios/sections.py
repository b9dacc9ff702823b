"""The one declaration of the report's sections and of their parameters.

Both the papermill runs (``dimios.build``) and Quarto's chapter list (the generated
block in ``_quarto.yml``) come from ``sections()``; nothing else lists chapters.
``PARAMETERS`` declares every parameter a user may set with ``dimios build -P name=value``:
its type and allowed values (the notebooks' parameters cells hold the defaults; a test
checks the two agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from dimios import instrument


@dataclass(frozen=True)
class Section:
    id: str                      # output stem: report/notebooks/<id>.ipynb, <id>.html
    notebook: str                # source notebook in notebooks/
    title: str                   # Swedish chapter title
    part: str | None = None      # Swedish part title (None: top level)
    appendix: bool = False
    parameters: dict = field(default_factory=dict)

    @property
    def output_name(self) -> str:
        return f"{self.id}.ipynb"


# ---------------------------------------------------------------- parameters
class ParameterError(ValueError):
    """A ``-P name=value`` the report does not declare, or a value its declaration does not allow."""


@dataclass(frozen=True)
class Parameter:
    """A notebook parameter a user may set (``dimios build -P name=value``).

    kind: ``bool`` (true/false/yes/no/1/0, any case), ``int``, ``float``, ``years`` (one year or
    several: ``2020`` or ``2020,2023``), ``str`` or ``choice`` (one of ``choices``). ``optional``: ``none``
    (or an empty value) means the default of the instrument. ``minimum``: smallest allowed number.
    """
    name: str
    kind: str
    help: str
    optional: bool = False
    minimum: float | None = None
    choices: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()   # report kinds that take it (empty: every kind whose notebooks declare it)

    def describe(self) -> str:
        allowed = {"bool": "true/false", "int": "whole number", "float": "number",
                   "years": "year(s), e.g. 2020, 2020,2023 or 2020-2023", "str": "text", "choice": "/".join(self.choices)}[self.kind]
        if self.minimum is not None:
            allowed += f" >= {self.minimum:g}"
        if self.optional:
            allowed += " or none"
        return f"{self.name} ({allowed}): {self.help}"

    def parse(self, value):
        """The typed value of ``value`` (text from the command line, or a Python value)."""
        if isinstance(value, str):
            text = value.strip()
            if self.optional and text.lower() in ("", "none", "null"):
                return None
        elif value is None:
            if self.optional:
                return None
            raise ParameterError(f"{self.name}: a value is required ({self.describe()})")
        else:
            text = None
        try:
            parsed = getattr(self, f"_parse_{self.kind}")(value if text is None else text)
        except (TypeError, ValueError) as exc:
            shown = value if text is None else text
            raise ParameterError(f"{self.name}={shown}: {exc}; expected {self.describe()}") from None
        if self.minimum is not None and self.kind in ("int", "float") and parsed < self.minimum:
            raise ParameterError(f"{self.name}={parsed}: must be at least {self.minimum:g}; "
                                 f"expected {self.describe()}")
        return parsed

    @staticmethod
    def _parse_bool(value) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        if isinstance(value, str) and value.lower() in words:
            return words[value.lower()]
        raise ValueError("not a boolean")

    @staticmethod
    def _parse_int(value) -> int:
        if isinstance(value, bool):
            raise ValueError("not a whole number")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            return int(value.replace("_", ""))
        raise ValueError("not a whole number")

    @staticmethod
    def _parse_float(value) -> float:
        if isinstance(value, bool):
            raise ValueError("not a number")
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.replace(",", "."))
        else:
            raise ValueError("not a number")
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return number

    @staticmethod
    def _parse_years(value) -> list[int]:
        """``2020``, ``2020,2023``, ``[2020, 2023]``, a range ``2020-2023``, or a list of years."""
        if isinstance(value, str):
            items = value.strip().strip("[]").replace(";", ",").split(",")
            if any(not t.strip() for t in items):
                raise ValueError("an empty year")
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            items = [value]
        years: list[int] = []
        for item in items:
            text = str(item).strip()
            first, sep, last = text.partition("-")
            bounds = [first, last] if sep else [text]
            if isinstance(item, bool) or not all(b.strip().isdigit() and len(b.strip()) == 4 for b in bounds):
                raise ValueError(f"{item!r} is not a year")
            lo, hi = int(bounds[0]), int(bounds[-1])
            if hi < lo:
                raise ValueError(f"{text!r}: the range ends before it starts")
            years.extend(range(lo, hi + 1))
        if not years:
            raise ValueError("no year given")
        return sorted(set(years))

    @staticmethod
    def _parse_str(value) -> str:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise ValueError("not a text")

    def _parse_choice(self, value) -> str:
        if isinstance(value, str) and value.lower() in self.choices:
            return value.lower()
        raise ValueError("not an allowed value")


#: Set by the build for every section (never by ``-P``).
BUILD_PARAMETERS = ("data", "careless_truth", "output_dir", "section")

#: Every parameter a user may set, by name. Which notebooks take it is read from their parameters cells.
PARAMETERS = {p.name: p for p in [
    Parameter("years", "years", "only these survey years (default: all years in the data)", optional=True),
    Parameter("exclude_careless", "bool", "leave out respondents flagged careless by three or more indices"),
    Parameter("privacy_threshold", "int", "smallest group shown (default: the instrument's 5 respondents)",
              optional=True, minimum=1),
    Parameter("organisation", "str", "organisation id (same as --organisation)", reports=("organisation",)),
    Parameter("reference", "choice", "national reference of an organisation report",
              choices=("auto", "data", "shipped"), reports=("organisation",)),
    Parameter("trend_threshold", "float", "percentage points that make a trend positive or negative "
              "(default: the instrument's 2)", optional=True, minimum=0),
    Parameter("bootstrap_reps", "int", "bootstrap repetitions for the trend intervals", minimum=1),
    Parameter("bootstrap_seed", "int", "seed of the trend bootstrap", minimum=0),
    Parameter("parallel_seed", "int", "seed of the parallel analysis (quality chapter)", minimum=0),
]}


def principle_section_id(principle_id: str) -> str:
    p = instrument.load().principle(principle_id)
    return f"p{p.table:02d}-{p.id}"


def national_sections() -> list[Section]:
    """The national report in reading order (published structure, sections 2.1-2.5)."""
    inst = instrument.load()
    out = [
        Section("index", "front.ipynb", "Digital mognad i offentlig sektor"),
        Section("background", "background.ipynb", "Bakgrund"),
        Section("development", "development.ipynb", "Så togs mognadstrapporna fram"),
        Section("ladder", "general_ladder.ipynb", "Den generella mognadstrappan"),
    ]
    for dim in inst.dimensions:
        for p in inst.principles:
            if p.dimension == dim.id:
                out.append(
                    Section(principle_section_id(p.id), "principle.ipynb", p.name_sv, part=dim.name_sv,
                            parameters={"principle": p.id})
                )
    out += [
        Section("overview", "overview.ipynb", "Digital mognad över tid", part="Utveckling och kvalitet"),
        Section("quality", "quality.ipynb", "Kvalitetskontroll av DiMiOS", part="Utveckling och kvalitet"),
        Section("closing", "closing.ipynb", "Avslutande kommentarer"),
        Section("method", "method.ipynb", "Metod och reproducerbarhet", appendix=True),
        Section("data", "data.ipynb", "Om data", appendix=True),
        Section("reconciliation", "reconciliation.ipynb", "Avstämning mot publicerade siffror", appendix=True),
    ]
    return out


def organisation_sections() -> list[Section]:
    """The organisation report (``dimios build --organisation ID``): one organisation next to the national picture."""
    inst = instrument.load()
    out = [Section("index", "organisation_front.ipynb", "Organisationens digitala mognad")]
    for dim in inst.dimensions:
        out.append(Section(f"principles-{dim.id}", "organisation_principles.ipynb", dim.name_sv,
                           part="Resultat per princip", parameters={"dimension": dim.id}))
    out += [
        Section("peers", "organisation_peers.ipynb", "Jämförelse med liknande organisationer", part="Jämförelser"),
        Section("areas", "organisation_areas.ipynb", "Verksamhetsområden", part="Jämförelser"),
        Section("change", "organisation_change.ipynb", "Förändring sedan föregående mätning", part="Jämförelser"),
        Section("quality", "organisation_quality.ipynb", "Egen kvalitetskontroll"),
        Section("method", "organisation_method.ipynb", "Metod, referens och integritet", appendix=True),
        Section("data", "organisation_data.ipynb", "Om data", appendix=True),
    ]
    return out


REPORTS = {"national": national_sections, "organisation": organisation_sections}


def sections(kind: str = "national") -> list[Section]:
    try:
        return REPORTS[kind]()
    except KeyError:
        raise ValueError(f"unknown report kind {kind!r}; known: {', '.join(REPORTS)}") from None


def quarto_chapters(secs: list[Section], notebook_dir: str = "report/notebooks") -> list:
    """The ``book.chapters`` / ``book.appendices`` structure for Quarto."""
    chapters: list = []
    appendices: list = []
    current_part = None
    for s in secs:
        path = f"{notebook_dir}/{s.output_name}"
        if s.appendix:
            appendices.append(path)
        elif s.part is None:
            chapters.append(path)
            current_part = None
        else:
            if current_part is None or current_part["part"] != s.part:
                current_part = {"part": s.part, "chapters": []}
                chapters.append(current_part)
            current_part["chapters"].append(path)
    return chapters, appendices


# ---------------------------------------------------------------- parameters of a report
@cache
def notebook_parameters(notebook: str) -> dict:
    """Names and default values of a notebook's parameters cell (read without papermill)."""
    import ast
    import json

    from dimios import paths

    nb = json.loads((paths.NOTEBOOKS / notebook).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    out[node.targets[0].id] = ast.literal_eval(node.value)
            return out
    return {}


def known_parameters(kind: str = "national") -> dict[str, Parameter]:
    """The parameters a user may set for a report kind: declared, and taken by one of its notebooks."""
    names: set[str] = set()
    for s in sections(kind):
        names |= set(notebook_parameters(s.notebook)) - set(s.parameters)
    return {n: PARAMETERS[n] for n in sorted(names)
            if n in PARAMETERS and (not PARAMETERS[n].reports or kind in PARAMETERS[n].reports)}


def parse_parameters(given: dict, kind: str = "national") -> dict:
    """Typed values of user parameters (``{name: text or value}``); ``ParameterError`` on an unknown
    name or a value the declaration does not allow, with the list of known parameters."""
    known = known_parameters(kind)
    out = {}
    for name, value in given.items():
        name = str(name).strip()
        if name not in known:
            listing = "\n".join(f"  {p.describe()}" for p in known.values())
            if name in BUILD_PARAMETERS:
                what = "set by the build"
            elif name == "organisation":
                what = "use --organisation ID for an organisation report"
            else:
                what = "not a parameter of this report"
            raise ParameterError(f"unknown parameter {name!r} ({what}); known parameters:\n{listing}")
        out[name] = known[name].parse(value)
    return out
