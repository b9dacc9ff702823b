"""Closing comments (published section 3), with its findings computed from the data.

Where the published closing section states something the data can show (use that
deepens over the years, maturity that moves slowly, governance that falls short in
many places), the sentence here is computed; the rest summarises the authors'
reflections in the project's own words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, reference, scoring, trends
from dimios.chapters.common import heading, number_sv, source_link
from dimios.context import ReportData


def returning_shares(responses: pd.DataFrame) -> pd.DataFrame:
    """Per year after the first: organisations measured, how many also the year before, and the share (%)."""
    per_year = responses.groupby("year")["organisation_id"].unique()
    years = sorted(int(y) for y in per_year.index)
    rows = []
    for prev, year in zip(years, years[1:]):
        now = set(per_year[year])
        back = now & set(per_year[prev]) if year - prev == 1 else set()
        rows.append({"year": year, "organisations": len(now), "returning": len(back),
                     "share": len(back) / len(now) * 100 if now else np.nan})
    return pd.DataFrame(rows, columns=["year", "organisations", "returning", "share"])


def low_level_shares(org_scores: pd.DataFrame, year: int) -> pd.Series:
    """Per principle: share (%) of the organisations with a score in ``year`` that are at level 1 or 2."""
    levels = scoring.principle_levels(org_scores).xs(year, level="year")
    valid = levels.notna().sum()
    low = (levels <= 2).sum()
    return (low / valid.where(valid > 0) * 100).rename("low_share")


def yearly(ctx: ReportData) -> pd.DataFrame:
    """Per year: organisations with a score, share measured the year before, total maturity, share at levels 1-2."""
    years = ctx.years
    org = ctx.org_scores
    levels = scoring.principle_levels(org)
    low = (levels <= 2).groupby(level="year").sum().sum(axis=1)
    valid = levels.notna().groupby(level="year").sum().sum(axis=1)
    ret = returning_shares(ctx.responses).set_index("year")["share"]
    means = trends.dimension_means(org)
    return pd.DataFrame({
        "year": years,
        "organisations": [int(v) for v in org.groupby(level="year").size().reindex(years, fill_value=0)],
        "returning_share": [float(ret.get(y, np.nan)) for y in years],
        "overall": [float(means["overall"].get(y, np.nan)) for y in years],
        "low_share": [float(low.get(y, 0) / valid.get(y)) * 100 if valid.get(y) else np.nan for y in years],
    })


def findings(ctx: ReportData) -> dict:
    """The computed facts the closing comments state."""
    inst = instrument.load()
    years = ctx.years
    first, last = years[0], years[-1]
    means = trends.dimension_means(ctx.org_scores)
    tr = trends.principle_trends(ctx.org_scores, threshold=ctx.trend_threshold)
    low = low_level_shares(ctx.org_scores, last)
    levels = scoring.principle_levels(ctx.org_scores).xs(last, level="year")
    n_values = int(levels.notna().sum().sum())
    return {
        "first": first, "last": last,
        "organisations": int(ctx.responses["organisation_id"].nunique()),
        "respondents": int(len(ctx.responses)),
        "returning": returning_shares(ctx.responses),
        "overall_first": float(means.loc[first, "overall"]), "overall_last": float(means.loc[last, "overall"]),
        "dimension_change": {dim.id: float(means.loc[last, dim.id] - means.loc[first, dim.id])
                             for dim in inst.dimensions},
        "classes": tr["trend"].value_counts().reindex(["positive", "stable", "negative"], fill_value=0).to_dict(),
        "low_values_share": float((levels <= 2).sum().sum() / n_values * 100) if n_values else np.nan,
        "lowest": low.dropna().sort_values(ascending=False, kind="stable").head(3),
    }


def _overall_sentence(first: int, last: int, m0: float, m1: float, threshold: float) -> str:
    a, b = d.pct(m0, 1), d.pct(m1, 1)
    if m1 - m0 > threshold:
        return f"Den totala mognaden steg från {a} år {first} till {b} år {last}"
    if m1 - m0 < -threshold:
        return f"Den totala mognaden sjönk från {a} år {first} till {b} år {last}"
    return f"Den totala mognaden förändrades lite: {a} år {first} och {b} år {last}"


def _classes_sentence(cls: dict, threshold: float) -> str:
    total = sum(cls.values())
    stable = "var stabil" if cls["stable"] == 1 else "var stabila"
    return (f"Av {total} principer utvecklades {cls['positive']} positivt, {cls['stable']} {stable} och "
            f"{cls['negative']} negativt (gräns ±{d.given(threshold)} procentenheter).")


def closing(ctx: ReportData, pub: d.Publisher) -> None:
    inst = instrument.load()
    facts = reference.facts()
    f = findings(ctx)
    first, last = f["first"], f["last"]
    thr = ctx.trend_threshold
    pub.markdown(
        heading(ctx, "Avslutande kommentarer")
        + f"När den publicerade rapporten skrevs hade kommuner, regioner och myndigheter använt DiMiOS i närmare "
        f"{number_sv(facts['closing']['years_of_use_about'])} år för att styra samtalet om digitalisering. Forskarna såg allt "
        "från en grundläggande till en avancerad användning, och de bedömde att allt fler organisationer närmade sig "
        f"den avancerade änden, med stöd av {facts['history']['forum']['name']} "
        f"({source_link('kompetensforum', 'SKR om forumet')}), och med märkbar effekt på förmågan att ställa om. "
        "Som exempel nämner rapporten Arkitekturgemenskapen, som har byggt vidare på DiMiOS med en egen metod "
        f"({source_link('arkitekturgemenskapen')}), och Nacka kommun, som kombinerar DiMiOS med mått på "
        f"prestation i ett digitalt index ({source_link('nacka')}). Här sammanfattas rapportens "
        "avslutande resonemang. Där de säger något som data kan visa, står här siffror ur "
        + ("projektets syntetiska panel" if ctx.default_panel else "de data rapporten bygger på")
        + f" ({trends.years_sv(ctx.years)}, {d.count(f['organisations'])} organisationer och {d.count(f['respondents'])} svar)"
        + ("; de visar hur resonemangen kan ställas mot data, men säger inget om offentlig sektor."
           if ctx.default_panel else ".")
    )

    ret = f["returning"]
    where = "i panelen " if ctx.default_panel else ""
    scores = "princippoängen i panelen" if ctx.default_panel else "organisationernas princippoäng"
    parts = []
    if len(ret):
        r0, r1 = ret.iloc[0], ret.iloc[-1]
        if len(ret) == 1:
            use = f"Av de organisationer {where}som mätte år {int(r1.year)} hade {d.pct(r1.share)} mätt också året före."
        else:
            direction = ("ökade" if r1.share > r0.share else "minskade" if r1.share < r0.share else "var oförändrad")
            use = (f"Andelen av årets organisationer {where}som mätte också året före {direction} från "
                   f"{d.pct(r0.share)} år {int(r0.year)} till {d.pct(r1.share)} år {int(r1.year)}.")
        parts.append("**Användning år efter år.** Att mäta år efter år är en förutsättning för den fortlöpande dialog som "
                     f"rapporten efterlyser. {use} Enkätdata visar däremot inte om mätningarna följs av dialog och "
                     "handlingsplaner.")
    dims = d.join_sv(f"{inst.dimension(k).name_sv.lower()} {d.signed(v, 1)}" for k, v in f["dimension_change"].items())
    parts.append(
        "**Mognadens utveckling.** "
        + _overall_sentence(first, last, f["overall_first"], f["overall_last"], thr)
        + f" (förändring i procentenheter: {dims}). " + _classes_sentence(f["classes"], thr))
    lowest = f["lowest"]
    lowest = lowest[lowest > 0]
    if len(lowest):
        parts.append(
            f"**Principer på låga steg.** År {last} låg {d.pct(f['low_values_share'])} av {scores} "
            "på steg 1 eller 2. Störst var andelen för "
            + d.join_sv(f"{inst.principle(p).name_sv} ({d.pct(v)})" for p, v in lowest.items()) + ".")
    else:
        parts.append(f"**Principer på låga steg.** År {last} låg ingen av {scores} på steg 1 eller 2.")
    pub.markdown(("## Vad panelen visar\n\n" if ctx.default_panel else "## Vad data visar\n\n") + "\n\n".join(parts))
    per_year = yearly(ctx)
    shown = pd.DataFrame({
        "År": per_year["year"].astype(str),
        "Organisationer": [d.count(v) for v in per_year["organisations"]],
        "Mätte också året före (%)": [d.num(v) for v in per_year["returning_share"]],
        "Total mognad (%)": [d.num(v, 1) for v in per_year["overall"]],
        "Princippoäng på steg 1–2 (%)": [d.num(v) for v in per_year["low_share"]],
    })
    pub.table(shown, "closing-per-year", "Organisationer, återkommande mätningar, total mognad och andel princippoäng på "
              "steg 1–2 per år", csv=per_year.round(6))

    pub.markdown(
        "## Digitalisering som förutsättning för annan omställning\n\n"
        "Forskarna ser att digitalisering alltmer förstås som det den i grunden är: något som gör andra "
        "omställningar möjliga. Den demografiska utvecklingen "
        f"({source_link('demografi')}) och klimatkrisen ({source_link('klimat')}) är exempel på förändringar som "
        "kräver nya förmågor, och utan hög digital mognad blir sådana omställningar svårare eller omöjliga "
        f"({source_link('mojliggorare')}). Ny "
        "teknik som generativ AI ställer dessutom högre krav på både infrastruktur och digital förmåga, och ju "
        "snabbare tekniken utvecklas, desto dyrare blir det att inte kunna ändra sina förutsättningar "
        f"({source_link('ai')}).\n\n"
        "## Ett styrningsarv att göra upp med\n\n"
        "Mot detta står verksamheter som är byggda för att hålla emot förändring, med en styrning som behandlar "
        "avvikelser som fel att rätta till. Rapporten menar att detta arv måste ersättas med förmågor som svarar "
        "mot vad invånare och andra redan efterfrågar. DiMiOS kan där visa var styrningen inte fungerar för "
        "sitt syfte, och engagera dem som har makt att ändra den.\n\n"
        "## Samverkan på riktigt\n\n"
        "Den generella trappans två axlar, från rigid till adaptiv och från intern till extern, gör att det "
        "pågående arbetet med kollektiv digitalisering bland kommuner och regioner ses som direkt gynnsamt för "
        "mognaden. Forskarnas bedömning är att många organisationer har så stora brister i sina förutsättningar "
        "att samverkan är det enda realistiska alternativet. Den måste dock vara verklig och inte bara formell, "
        f"något som tidigare studier visar att den inte alltid är ({source_link('ceremoniell')}). Formerna kommer "
        "att variera, och pågående forskning om olika grader av kollektiv digitalisering ska "
        "kunna ge vägledning.\n\n"
        "## Forskning som bidrag\n\n"
        "Författarna avslutar med att arbetet med DiMiOS har format deras syn på forskning: dess värde ligger i "
        "vad den tillför de organisationer som studeras, i form av lärande och utveckling, mer än i vad den betyder "
        "för akademin. De "
        "knyter an till filosofen Richard Rorty och hans syn på forskning som en solidarisk handling, och tackar "
        "de personer och organisationer i offentlig sektor som har deltagit i arbetet."
    )
