"""Small pieces several chapters share."""

from __future__ import annotations

from dimios import sections
from dimios.figure_style import LEVEL_COLOURS, TREND_COLOURS, style  # noqa: F401 - the chapters' names

# Said wherever the four organisation types (quadrants) are shown: they are not the published report's.
ORGANISATION_TYPES_NOTE = (
    "De fyra organisationstyperna, deras namn och rekommendationerna till dem är den här rapportens egna: "
    "den publicerade rapporten innehåller dem inte, och de är inte forskargruppens."
)

_NUMBER_WORDS_SV = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def number_sv(n: int, neuter: bool = False) -> str:
    """A small count as a Swedish word in running text (1-12), larger ones as digits: 'tre', '26'."""
    n = int(n)
    if 0 <= n < len(_NUMBER_WORDS_SV):
        return "ett" if (n == 1 and neuter) else _NUMBER_WORDS_SV[n]
    from dimios.display import count

    return count(n)


# ---------------------------------------------------------------- the synthetic-panel marker
#: Cross-reference label of the appendix on the data ("Om data"): the marker links there.
DATA_APPENDIX = "sec-om-data"
#: Title of the marker under every chapter title on the synthetic default panel (tests look for it).
MARKER_TITLE = "Syntetisk panel"


def synthetic_marker(ctx, here: bool = False) -> str:
    """The marker under a chapter title when the report is built on the synthetic default panel
    (``ctx.default_panel``); empty on the user's own data.

    A short callout: the numbers on the page are the panel's, not findings about the public
    sector, with a link to the appendix on the data (``here=True``: that appendix itself)."""
    from dimios.display import callout_markdown

    if not ctx.default_panel:
        return ""
    if here:
        text = ("Alla siffror i rapporten är beräknade från projektets syntetiska panel, inte från verkliga "
                "svar, och säger därför inget om offentlig sektor. Den här bilagan beskriver hur panelen är gjord "
                "och vad den är kalibrerad mot.")
    else:
        text = ("Siffrorna på den här sidan är beräknade från projektets syntetiska panel, inte från verkliga "
                "svar. De beskriver panelen och är inga resultat om offentlig sektor; "
                f"se @{DATA_APPENDIX}.")
    return callout_markdown(text, title=MARKER_TITLE, kind="warning")


def settings_callouts(ctx, pub) -> None:
    """The callouts of a front page on how the report was built: the build mode (careless answers kept
    or left out) and, when the privacy threshold is below the instrument's, that it was lowered and to
    what (``ReportData.privacy_lowered_sv``; the method appendix says the same)."""
    pub.callout(ctx.mode_sv, title="Byggläge")
    if ctx.privacy_threshold_lowered:
        pub.callout(ctx.privacy_lowered_sv, title="Sänkt integritetsgräns", kind="warning")


def heading(ctx, title: str, attrs: str = "") -> str:
    """A chapter's title (``# title {attrs}``) with the synthetic-panel marker under it, as the start
    of the chapter's first Markdown output."""
    head = f"# {title}" + (f" {attrs}" if attrs else "") + "\n\n"
    marker = synthetic_marker(ctx, here=attrs == "{#" + DATA_APPENDIX + "}")
    return head + (marker + "\n" if marker else "")


def title(section_id: str) -> str:
    """A chapter's title as the report declares it (dimios.sections)."""
    return next(s.title for s in sections.sections() if s.id == section_id)


def source_sv(ctx, capital: bool = False) -> str:
    """What the computed numbers describe, as a noun in running text: the synthetic panel
    ("panelen") on the default panel, otherwise the data the user gave ("underlaget")."""
    word = "panelen" if ctx.default_panel else "underlaget"
    return word[0].upper() + word[1:] if capital else word


def colophon_sv() -> str:
    """Which pipeline made the report: its version (package metadata, as `dimios --version` and
    provenance.json give it) and how to cite it."""
    from dimios import __version__

    return (f"Rapporten är byggd med dimios-report version {__version__} (`dimios --version`); den versionen, "
            "låsfilen `uv.lock` med varje pakets version och kontrollsumma och den BLAS som räknade står i "
            "`provenance.json`. Citera verktyget enligt `CITATION.cff`.")


def source_link(key: str, text: str | None = None) -> str:
    """A link to one of the published report's sources outside the principle chapters
    (``sources`` in data/reference/published_report.yml), reading ``text`` (default: its source)."""
    from dimios import reference

    s = reference.facts()["sources"][key]
    return f"[{text or s['source']}]({s['url']})"


def chapter_link(notebook: str, text: str | None = None) -> str:
    """A link to the chapter of the national report made by ``notebook``, reading ``text`` (default: the
    chapter's title); plain text when the report has no such chapter."""
    sec = next((s for s in sections.national_sections() if s.notebook == notebook), None)
    if sec is None:
        return text or notebook
    return f"[{text or sec.title}]({sec.id}.html)"


#: The overview's section on level shares against the mean; every principle page where the two
#: measures part points to it.
SPREAD_MEAN_HEADING = "Nivåfördelning och medelvärde"
