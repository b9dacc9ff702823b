"""Candour (issue 21): on the synthetic default panel every page says that its numbers are the panel's.

Two whole builds of each report (the national report and the organisation report of one
organisation): the default panel, and the user's own data (a small panel whose ids are renamed, so
that it is not the default panel by any rule). The checks run over every section of
``dimios.sections`` of the report, so a new chapter cannot leave the marker out.
"""

from __future__ import annotations

import json
import re

import pytest

from dimios import build, io, sections, synthetic
from dimios.chapters.common import DATA_APPENDIX, MARKER_TITLE

slow = pytest.mark.slow


def _build(out, data=None, organisation=None):
    build.build(build.BuildOptions(out=out, data=data, quarto=None, use_cache=False, command_line="pytest",
                                   organisation=organisation))
    return out


def _organisation_in(data) -> str:
    """The organisation an organisation report is built for: of those compared with the other organisations
    of the file (not with the shipped figures, which are synthetic whatever the data), the one with the
    most years (first id)."""
    from dimios import context
    from dimios import organisation as org

    ctx = context.load(data)
    years = ctx.responses.groupby("organisation_id", observed=True)["year"].nunique()
    for oid in sorted(years.index, key=lambda o: (-years[o], str(o))):
        if org.choose_reference(ctx.org_scores, oid, ctx.privacy_threshold).kind == "data":
            return str(oid)
    raise AssertionError("no organisation of the file is compared with the others")


@pytest.fixture(scope="module")
def own_data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("own")
    panel = tmp / "panel.parquet"
    synthetic.write_panel(panel, scale=0.15)
    responses = io.read_responses(panel).data
    for col in ("organisation_id", "respondent_id"):
        responses[col] = responses[col].astype(str).str.replace("SYN-", "EGEN-", regex=False)
    own = tmp / "egna_svar.parquet"
    io.write_responses(responses, own)
    return own


@pytest.fixture(scope="module")
def panel_report(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("panel"))


@pytest.fixture(scope="module")
def own_report(own_data):
    return _build(own_data.parent / "report", own_data)


@pytest.fixture(scope="module")
def panel_organisation_report(tmp_path_factory):
    from dimios import synthetic as syn

    return _build(tmp_path_factory.mktemp("panel-organisation"), organisation=_organisation_in(
        syn.ensure_default_panel()))


@pytest.fixture(scope="module")
def own_organisation_report(own_data):
    return _build(own_data.parent / "organisation-report", own_data, organisation=_organisation_in(own_data))


REPORTS = {"national": ("panel_report", "own_report"),
           "organisation": ("panel_organisation_report", "own_organisation_report")}


def _markdown(nb_path) -> list[str]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    out = []
    for c in nb["cells"]:
        if c["cell_type"] == "raw":
            out.append("".join(c["source"]))
        for o in c.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md:
                out.append("".join(md) if isinstance(md, list) else md)
    return out


MARKER = f'::: {{.callout-warning title="{MARKER_TITLE}"}}'


@slow
@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_every_chapter_on_the_default_panel_has_the_marker_under_its_title(kind, request):
    panel_report = request.getfixturevalue(REPORTS[kind][0])
    secs = sections.sections(kind)
    data_section = next(s for s in secs if s.id == "data")
    for s in secs:
        blocks = _markdown(panel_report / "notebooks" / s.output_name)
        title, first = blocks[0], blocks[1]
        assert title.lstrip("#").strip(), s.id
        # directly under the title, before any other text
        assert first.startswith(MARKER), (s.id, first[:200])
        assert sum(b.count(MARKER) for b in blocks) == 1, s.id
        if s.id != data_section.id:
            assert f"@{DATA_APPENDIX}" in first.split(":::")[1], s.id
        # nbconvert edition: the link is resolved to the appendix on the data
        page = (panel_report / "_book" / f"{s.id}.html").read_text(encoding="utf-8")
        box = page.index(f'<div class="callout-title">{MARKER_TITLE}</div>')
        first_section = page.find("<h2 id=")  # (the in-page contents' own heading has no id)
        assert first_section == -1 or box < first_section, s.id
        if s.id != data_section.id:
            assert re.search(rf'<a class="xref" href="{data_section.id}\.html">Bilaga\u00a0[A-Z]</a>', page[box:box + 800]), s.id
    # the appendix on the data carries the label the marker links to
    assert DATA_APPENDIX in _markdown(panel_report / "notebooks" / data_section.output_name)[0]
    if kind == "organisation":  # it says what the panel is, with the panel's own figures
        from dimios import context, synthetic as syn
        from dimios import display as d
        from dimios import reconcile

        text = "\n".join(_markdown(panel_report / "notebooks" / data_section.output_name))
        cal = reconcile.panel_calibration(context.load(syn.ensure_default_panel()))
        assert "syntetiska panel" in text and "**Ingen organisation är verklig.**" in text
        assert f"{d.count(cal['cells_exact'])} av {d.count(cal['cells'])} celler" in text
        assert f"{cal['trend_matches']} av {len(cal['trend'])} principer har den publicerade trendklassen" in text
        assert f"{d.count(cal['respondents'])} svar från {cal['organisations']} organisationer" in text


@slow
@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_no_marker_on_the_users_own_data(kind, request):
    own_report = request.getfixturevalue(REPORTS[kind][1])
    for s in sections.sections(kind):
        text = "\n".join(_markdown(own_report / "notebooks" / s.output_name))
        assert MARKER_TITLE not in text, s.id
        assert "syntetisk" not in text.lower() or s.id in ("method", "quality"), s.id
        page = (own_report / "_book" / f"{s.id}.html").read_text(encoding="utf-8")
        assert MARKER_TITLE not in page, s.id
