"""Front page: what the report is, how it was built, and the headline figures."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, scoring, trends
from dimios.context import ReportData


def title_and_mode(ctx: ReportData, pub: d.Publisher) -> None:
    years = ctx.years
    pub.markdown(
        "# Digital mognad i offentlig sektor {.unnumbered}\n\n"
        f"Den här rapporten beskriver digital mognad i kommuner, regioner och myndigheter {years[0]}–{years[-1]} "
        "utifrån enkätverktyget DiMiOS: en generell mognadstrappa, en mognadstrappa och en spridningstabell för var "
        "och en av de 26 principerna, utvecklingen över tid och en kvalitetskontroll av mätinstrumentet. Allt "
        "innehåll – tabeller, figurer och siffror i texten – beräknas från svarsdata när rapporten byggs.\n\n"
        f"::: {{.callout}}\n**Byggläge.** {ctx.mode_sv}\n:::\n"
    )
    if "synthetic" in ctx.source or "SYN-" in str(ctx.responses["organisation_id"].iloc[0]):
        pub.markdown(
            "::: {.callout}\n**Syntetiska data.** Rapporten är byggd på projektets syntetiska standardpanel, som är "
            "kalibrerad mot den publicerade rapportens spridningstabeller och trender men inte innehåller några "
            "verkliga organisationer eller svar.\n:::\n"
        )


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
    tr = trends.principle_trends(ctx.org_scores)
    n_class = tr["trend"].value_counts()
    first, last = ctx.years[0], ctx.years[-1]
    n_org = ctx.responses["organisation_id"].nunique()
    pub.markdown(
        "## Sammanfattning\n\n"
        f"Underlaget omfattar {d.count(n_org)} organisationer och {d.count(len(ctx.responses))} svar "
        f"under åren {first}–{last}. Den totala digitala mognaden (medel av alla principer och organisationer) var "
        f"{d.pct(means.loc[first, 'overall'], 1)} {first} och {d.pct(means.loc[last, 'overall'], 1)} {last}. "
        f"Av de {len(tr)} principerna utvecklades {n_class.get('positive', 0)} positivt, "
        f"{n_class.get('stable', 0)} var stabila och {n_class.get('negative', 0)} utvecklades negativt "
        f"(förändring av medelvärdet mer än ±{d.num(inst.scoring.trend_threshold)} procentenheter)."
    )
    pub.table(per_year, "headline", "Organisationer, respondenter och nationella medelvärden per år", csv=csv)


def highlights(ctx: ReportData, pub: d.Publisher) -> None:
    """Strongest and weakest principles in the last year, biggest changes, organisation types."""
    inst = instrument.load()
    last = ctx.years[-1]
    means = trends.national_means(ctx.org_scores)
    cur = means.loc[last].dropna().sort_values()
    tr = trends.principle_trends(ctx.org_scores).dropna(subset=["change"]).sort_values("change")
    levels = scoring.principle_levels(ctx.org_scores).xs(last, level="year")
    high_share = (levels >= 3).sum().sum() / levels.notna().sum().sum() * 100
    pos = ctx.positions.xs(last, level="year")
    quad = pos["quadrant_name"].value_counts(normalize=True) * 100

    def names(ids):
        return d.join_sv(f"{inst.principle(p).name_sv} ({d.pct(cur[p], 1)})" for p in ids)

    lines = [
        f"- **Starkast {last}:** {names(cur.index[::-1][:3])}.",
        f"- **Svagast {last}:** {names(cur.index[:3])}.",
        f"- **Störst ökning {tr['first_year'].min():.0f}–{tr['last_year'].max():.0f}:** "
        + d.join_sv(f"{inst.principle(p).name_sv} ({d.signed(c, 1)})" for p, c in tr["change"][::-1][:3].items()) + ".",
        "- **Störst minskning:** "
        + d.join_sv(f"{inst.principle(p).name_sv} ({d.signed(c, 1)})" for p, c in tr["change"][:3].items()) + ".",
        f"- **Nivå 3 eller 4:** {d.pct(high_share)} av organisationernas principvärden {last}.",
        f"- **Vanligaste organisationstyp {last}:** {quad.index[0]} ({d.pct(quad.iloc[0])} av organisationerna).",
    ]
    pub.markdown("## I korthet\n\n" + "\n".join(lines) + "\n\nFörändringar anges i procentenheter.")
