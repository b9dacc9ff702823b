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
