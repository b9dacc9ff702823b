"""Front page: what the report is, how it was built, and the headline figures."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, scoring, trends
from dimios.chapters.common import heading, settings_callouts, source_sv
from dimios.context import ReportData


def title_and_mode(ctx: ReportData, pub: d.Publisher) -> None:
    n_principles = len(instrument.load().principles)
    pub.markdown(
        heading(ctx, "Digital mognad i offentlig sektor", "{.unnumbered}")
        + (f"Den här rapporten beskriver digital mognad i kommuner, regioner och myndigheter "
           f"{trends.years_sv(ctx.years)} utifrån enkätverktyget DiMiOS: " if not ctx.default_panel else
           "Den här rapporten visar hur digital mognad i kommuner, regioner och myndigheter beskrivs med "
           "enkätverktyget DiMiOS: ")
        + f"en generell mognadstrappa, en mognadstrappa "
        f"och en spridningstabell för var och en av de {n_principles} principerna, utvecklingen över tid och en "
        "kvalitetskontroll av mätinstrumentet. Allt "
        "innehåll – tabeller, figurer och siffror i texten – beräknas från svarsdata när rapporten byggs."
        + (f" Den här utgåvan är byggd på projektets syntetiska panel ({trends.years_sv(ctx.years)}), så den visar "
           "hur rapporten och dess beräkningar fungerar, inte hur det står till i offentlig sektor."
           if ctx.default_panel else "")
    )
    settings_callouts(ctx, pub)
    if ctx.single_type_sv:
        pub.callout(ctx.single_type_sv, title="En organisationstyp vissa år", kind="warning")


def headline(ctx: ReportData, pub: d.Publisher) -> None:
    inst = instrument.load()
    pos = ctx.positions
    per_year = pd.DataFrame({
        "År": [str(y) for y in ctx.years],
        "Organisationer": [d.count(v) for v in ctx.organisations_per_year().reindex(ctx.years)],
        "Respondenter": [d.count(v) for v in ctx.respondents_per_year().reindex(ctx.years)],
    })
    means = pos.groupby(level="year")[[dim.id for dim in inst.dimensions] + ["overall"]].mean()
    for dim in inst.dimensions:
        per_year[f"{dim.name_sv} (%)"] = [d.num(v, 1) for v in means[dim.id].reindex(ctx.years)]
    per_year["Total mognad (%)"] = [d.num(v, 1) for v in means["overall"].reindex(ctx.years)]
    csv = pd.DataFrame({"year": ctx.years,
                        "organisations": ctx.organisations_per_year().reindex(ctx.years).to_numpy(),
                        "respondents": ctx.respondents_per_year().reindex(ctx.years).to_numpy(),
                        **{dim.id: means[dim.id].reindex(ctx.years).round(6).to_numpy() for dim in inst.dimensions},
                        "overall": means["overall"].reindex(ctx.years).round(6).to_numpy()})
    first, last = ctx.years[0], ctx.years[-1]
    n_org = ctx.responses["organisation_id"].nunique()
    span = trends.years_sv(ctx.years)
    text = (f"## Sammanfattning\n\n{source_sv(ctx, capital=True)} omfattar {d.plural(n_org, 'organisation', 'organisationer')} och "
            f"{d.count(len(ctx.responses))} svar från {'år' if first == last else 'åren'} {span} "
            f"({pub.ref('tbl', 'headline')}). ")
    if first == last:
        text += (f"Den totala digitala mognaden (medel av alla principer och organisationer) var "
                 f"{d.pct(means.loc[last, 'overall'], 1)}. {source_sv(ctx, capital=True)} har bara ett år, så rapporten visar läget "
                 "det året men ingen förändring: förändringar och trender kräver data från minst två år.")
    else:
        tr = trends.principle_trends(ctx.org_scores, threshold=ctx.trend_threshold)
        n_class = tr["trend"].value_counts()
        n_pos, n_stable, n_neg = (int(n_class.get(c, 0)) for c in ("positive", "stable", "negative"))

        def n(k: int) -> str:
            return "ingen" if k == 0 else d.count(k)

        text += (f"Den totala digitala mognaden i {source_sv(ctx)} (medel av alla principer och organisationer) var "
                 f"{d.pct(means.loc[first, 'overall'], 1)} år {first} och {d.pct(means.loc[last, 'overall'], 1)} "
                 f"år {last}. Av de {len(tr)} principerna utvecklades {n(n_pos)} positivt och {n(n_neg)} negativt "
                 f"mellan {first} och {last}, medan {n(n_stable)} {'var stabil' if n_stable < 2 else 'var stabila'} "
                 f"(förändring av medelvärdet med mer än ±{d.given(ctx.trend_threshold)} procentenheter räknas "
                 "som positiv eller negativ).")
        gap = trends.missing_years(ctx.years)
        if gap:
            text += (f" Underlaget saknar data för {d.join_sv(str(y) for y in gap)}; förändringarna jämför "
                     f"{first} direkt med {last}.")
    pub.markdown(text)
    pub.table(per_year, "headline", "Organisationer, respondenter och "
              + ("panelens medelvärden" if ctx.default_panel else "nationella medelvärden") + " per år", csv=csv)


def highlights(ctx: ReportData, pub: d.Publisher) -> None:
    """Strongest and weakest principles in the last year, biggest changes, organisation types.

    Changes only with two or more years, and an increase (decrease) lists only principles whose
    mean rose (fell) by at least the shown precision."""
    inst = instrument.load()
    first, last = ctx.years[0], ctx.years[-1]
    means = trends.national_means(ctx.org_scores)
    cur = means.loc[last].dropna().sort_values()
    levels = scoring.principle_levels(ctx.org_scores).xs(last, level="year")
    high_share = (levels >= 3).sum().sum() / levels.notna().sum().sum() * 100
    pos = ctx.positions.xs(last, level="year")
    quad = pos["quadrant_name"].value_counts(normalize=True) * 100

    def names(ids):
        return d.join_sv(f"{inst.principle(p).name_sv} ({d.pct(cur[p], 1)})" for p in ids)

    lines = [
        f"- **Starkast {last}:** {names(cur.index[::-1][:3])}.",
        f"- **Svagast {last}:** {names(cur.index[:3])}.",
    ]
    if first == last:
        lines.append(f"- **Förändring:** kräver data från minst två år; underlaget omfattar bara {last}.")
    else:
        tr = trends.principle_trends(ctx.org_scores, threshold=ctx.trend_threshold).dropna(subset=["change"]).sort_values("change")
        change = tr["change"].round(1)
        period = f"{first}–{last}" if not trends.missing_years(ctx.years) else f"från {first} till {last}"

        def listing(items, none: str) -> str:
            items = list(items)
            if not items:
                return none
            return d.join_sv(f"{inst.principle(p).name_sv} ({d.signed(c, 1)})" for p, c in items)

        up = [(p, c) for p, c in tr["change"][::-1].items() if change[p] > 0][:3]
        down = [(p, c) for p, c in tr["change"].items() if change[p] < 0][:3]
        lines += [
            f"- **Störst ökning {period}:** {listing(up, 'ingen princip ökade')}.",
            f"- **Störst minskning {period}:** {listing(down, 'ingen princip minskade')}.",
        ]
    lines += [
        f"- **Nivå 3 eller 4:** {d.pct(high_share)} av organisationernas princippoäng {last}.",
        f"- **Vanligaste organisationstyp {last}:** {quad.index[0]} ({d.pct(quad.iloc[0])} av organisationerna; "
        "typerna är rapportens egen indelning).",
    ]
    note = "\n\nFörändringar anges i procentenheter." if first != last else ""
    pub.markdown(f"## I korthet\n\nSiffrorna gäller organisationerna i {source_sv(ctx)}.\n\n" + "\n".join(lines) + note)
