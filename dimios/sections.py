"""The one declaration of the report's sections.

Both the papermill runs (``dimios.build``) and Quarto's chapter list (the generated
block in ``_quarto.yml``) come from ``sections()``; nothing else lists chapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        Section("areas", "organisation_areas.ipynb", "Verksamhetsområden", part="Jämförelser"),
        Section("change", "organisation_change.ipynb", "Förändring sedan föregående mätning", part="Jämförelser"),
        Section("quality", "organisation_quality.ipynb", "Egen kvalitetskontroll"),
        Section("method", "organisation_method.ipynb", "Metod, referens och integritet", appendix=True),
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
