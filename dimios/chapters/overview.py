"""Overview of digital maturity over time (section 2.4).

The chapter only arranges text, tables and figures; the numbers come from
``dimios.trends`` and the figures from ``dimios.plots``. Every number in the prose is
computed from the data of the build.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, plots, reference, scoring, spread, trends
from dimios.chapters.common import SPREAD_MEAN_HEADING, heading, source_sv
from dimios.context import ReportData

def _threshold(threshold) -> float:
    return instrument.load().scoring.trend_threshold if threshold in (None, "") else float(threshold)


def _class_sv(c) -> str:
    return trends.CLASS_SV.get(c, "–") if isinstance(c, str) else "–"


def _one_year(ctx: ReportData, pub: d.Publisher, heading: str) -> bool:
    """True (and a short note) when the data hold a single year: no change can be computed."""
    if len(ctx.years) > 1:
        return False
    pub.markdown(f"## {heading}\n\nUnderlaget omfattar bara {ctx.years[0] if ctx.years else 'inget år'}; "
                 "förändringar kräver minst två år.")
    return True


def _names(pids) -> list[str]:
    inst = instrument.load()
    return [inst.principle(p).name_sv for p in pids]


def _public_note(ctx: ReportData) -> str:
    hidden = len(ctx.org_scores) - len(ctx.org_public)
    if hidden <= 0:
        return ""
    return (f" {d.count(hidden)} organisationsår med färre än {d.count(ctx.privacy_threshold)} respondenter "
            "visas inte enskilt och ingår inte i figuren.")


# ---------------------------------------------------------------- 1. headline figures
def _from_to(a: float, b: float, decimals: int = 1) -> str:
    """'från 44,8 % till 46,6 %', or 'oförändrat 49,3 %' when the two read the same."""
    x, y = d.pct(a, decimals), d.pct(b, decimals)
    return f"oförändrat {y}" if x == y else f"från {x} till {y}"


def headline_section(ctx: ReportData, pub: d.Publisher) -> None:
    """Title, organisations and respondents per year and in total, national means per year."""
    inst = instrument.load()
    years = ctx.years
    first, last = years[0], years[-1]
    orgs = ctx.organisations_per_year().reindex(years)
    resp = ctx.respondents_per_year().reindex(years)
    means = trends.dimension_means(ctx.org_scores).reindex(years)
    dim_f, dim_a = (dim.id for dim in inst.dimensions)
    n_org = ctx.responses["organisation_id"].nunique()
    n_all = len(trends.common_organisations(ctx.org_scores, first, last)) if len(years) > 1 else n_org
    per_org = ctx.org_scores.reset_index().groupby("organisation_id")["year"].nunique()
    n_every = int((per_org == len(years)).sum())

    pub.markdown(heading(ctx, "Digital mognad över tid"))
    national = "Panelens medelvärde" if ctx.default_panel else "Det nationella medelvärdet"
    span = trends.years_sv(years)
    text = (
        (f"Kapitlet följer den digitala mognaden i panelens syntetiska organisationer {span}; allt nedan "
         "beskriver panelen. " if ctx.default_panel else
         f"Kapitlet följer den digitala mognaden i de organisationer som har använt DiMiOS {span}. ")
        + f"{source_sv(ctx, capital=True)} omfattar {d.count(n_org)} organisationer och "
        f"{d.count(len(ctx.responses))} svar. "
        f"Antalet organisationer per år var {d.join_sv([f'{d.count(orgs[y])} ({y})' for y in years])}"
    )
    if len(years) > 1:
        text += f"; {d.count(n_all)} organisationer mättes både {first} och {last}"
        if len(years) > 2:
            text += f" och {d.count(n_every)} alla {len(years)} åren"
    text += ". "
    if first == last:
        text += (f"{national} för digital förmåga var {d.pct(means.loc[last, dim_f], 1)}, för "
                 f"digitalt arv {d.pct(means.loc[last, dim_a], 1)} och för den totala mognaden "
                 f"{d.pct(means.loc[last, 'overall'], 1)}.")
    else:
        text += (
            f"{national} – medel av organisationernas poäng, där varje organisation väger lika – "
            f"för digital förmåga var {d.pct(means.loc[first, dim_f], 1)} år {first} och "
            f"{d.pct(means.loc[last, dim_f], 1)} år {last}, för digitalt arv {d.pct(means.loc[first, dim_a], 1)} och "
            f"{d.pct(means.loc[last, dim_a], 1)}, och den totala mognaden var "
            f"{d.pct(means.loc[first, 'overall'], 1)} år {first} och {d.pct(means.loc[last, 'overall'], 1)} år {last}."
        )
    if len(years) > 2:
        low = int(means["overall"].idxmin())
        if low not in (first, last):
            text += (f" Den totala mognaden var lägst {low} ({d.pct(means.loc[low, 'overall'], 1)}), så utvecklingen "
                     f"är inte rak mellan första och sista året.")
    pub.markdown(text)

    table = pd.DataFrame({
        "År": [str(y) for y in years] + ["Totalt"],
        "Organisationer": [d.count(v) for v in orgs] + [d.count(n_org)],
        "Respondenter": [d.count(v) for v in resp] + [d.count(len(ctx.responses))],
        f"{inst.dimension(dim_f).name_sv} (%)": [d.num(v, 1) for v in means[dim_f]] + ["–"],
        f"{inst.dimension(dim_a).name_sv} (%)": [d.num(v, 1) for v in means[dim_a]] + ["–"],
        "Total mognad (%)": [d.num(v, 1) for v in means["overall"]] + ["–"],
    })
    csv = pd.DataFrame({
        "year": [str(y) for y in years] + ["total"],
        "organisations": [int(v) for v in orgs] + [int(n_org)],
        "respondents": [int(v) for v in resp] + [int(len(ctx.responses))],
        dim_f: list(means[dim_f].round(6)) + [np.nan],
        dim_a: list(means[dim_a].round(6)) + [np.nan],
        "overall": list(means["overall"].round(6)) + [np.nan],
    })
    pub.table(table, "overview-headline",
              "Organisationer och respondenter per år och totalt (distinkta organisationer), och nationella "
              "medelvärden för de två dimensionerna och den totala mognaden", csv=csv)
    fig = plots.means_over_time(means)
    if first == last:
        alt = (f"Diagram över nationella medelvärden {span}: digital förmåga {d.pct(means.loc[last, dim_f], 1)}, "
               f"digitalt arv {d.pct(means.loc[last, dim_a], 1)} och total mognad "
               f"{d.pct(means.loc[last, 'overall'], 1)}.")
    else:
        alt = (f"Linjediagram över nationella medelvärden {span}: digital förmåga "
               f"{_from_to(means.loc[first, dim_f], means.loc[last, dim_f])}, digitalt arv "
               f"{_from_to(means.loc[first, dim_a], means.loc[last, dim_a])} och total mognad "
               f"{_from_to(means.loc[first, 'overall'], means.loc[last, 'overall'])}.")
    pub.figure(fig, "overview-means", f"Nationella medelvärden per år {span}", alt)


# ---------------------------------------------------------------- 2. distributions
def dimension_levels(pos: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per dimension: the share of organisations (percent) at each maturity level of its dimension score in
    ``year``, the most common level and the share at the levels the published section 2.4 names."""
    inst = instrument.load()
    published = reference.facts()["dimension_levels"]
    cur = pos.xs(year, level="year")
    rows = []
    for dim in inst.dimensions:
        lv = scoring.to_levels(cur[dim.id]).dropna().astype(int)
        share = lv.value_counts(normalize=True).reindex(range(1, inst.scoring.n_levels + 1), fill_value=0) * 100
        pub_levels = [int(k) for k in published[dim.id]]
        rows.append({"dimension": dim.id, **{f"level_{k}_pct": float(share[k]) for k in share.index},
                     "modal_level": int(share.idxmax()), "published_levels": pub_levels,
                     "published_share": float(share[pub_levels].sum())})
    return pd.DataFrame(rows).set_index("dimension")


def dimension_levels_text(pos: pd.DataFrame, year: int, source: str = "underlaget") -> str:
    """The published section 2.4 on the levels of the two dimensions, beside the data (``source``: what the
    numbers describe, ``source_sv``)."""
    inst = instrument.load()
    tab = dimension_levels(pos, year)

    def levels_sv(ks, joiner: str) -> str:
        ks = [str(k) for k in ks]
        return "nivå " + (f" {joiner} ".join(ks) if len(ks) < 3 else ", ".join(ks[:-1]) + f" {joiner} " + ks[-1])

    said = d.join_sv(f"{inst.dimension(k).name_sv.lower()} kring {levels_sv(r['published_levels'], 'och')}"
                     for k, r in tab.iterrows())
    seen = "; ".join(
        f"{d.pct(r['published_share'])}{' av organisationerna' if i == 0 else ''} på "
        f"{levels_sv(r['published_levels'], 'eller')} i {inst.dimension(k).name_sv.lower()}, "
        + (f"den vanligaste nivån" if r["published_levels"] == [r["modal_level"]] else
           f"med nivå {r['modal_level']} som vanligast ({d.pct(r[f'level_{r.modal_level}_pct'])})")
        for i, (k, r) in enumerate(tab.iterrows()))
    agree = [k for k, r in tab.iterrows() if r["modal_level"] in r["published_levels"]]
    verdict = ("Den vanligaste nivån ligger alltså där den publicerade rapporten placerar båda dimensionerna."
               if len(agree) == len(tab) else
               "Den vanligaste nivån ligger utanför den publicerade beskrivningen för "
               + d.join_sv(inst.dimension(k).name_sv.lower() for k in tab.index if k not in agree) + ".")
    return (f"Den publicerade rapporten placerar dimensionerna så här: {said}. I {source} ({year}; nivån räknad "
            f"från dimensionspoängen med samma gränser som för principerna) låg {seen}. {verdict}")


def distribution_section(ctx: ReportData, pub: d.Publisher) -> None:
    """Density per year of the two dimension scores and the förmåga x arv plane with the quadrant types."""
    inst = instrument.load()
    pos = scoring.positions(ctx.org_public)
    years = sorted(int(y) for y in pos.index.get_level_values("year").unique())
    first, last = years[0], years[-1]
    dims = list(inst.dimensions)

    def iqr(year, col):
        v = pos.xs(year, level="year")[col]
        return v.median(), v.quantile(0.25), v.quantile(0.75)

    parts = []
    for dim in dims:
        m0, a0, b0 = iqr(first, dim.id)
        m1, a1, b1 = iqr(last, dim.id)
        if first == last:
            parts.append(f"{dim.name_sv.lower()} {d.pct(m1, 1)} ({d.num(a1, 1)}–{d.num(b1, 1)})")
        else:
            parts.append(f"{dim.name_sv.lower()} från {d.pct(m0, 1)} ({d.num(a0, 1)}–{d.num(b0, 1)}) år {first} "
                         f"till {d.pct(m1, 1)} ({d.num(a1, 1)}–{d.num(b1, 1)}) år {last}")
    pub.markdown(
        "## Fördelningar per år\n\n"
        "Täthetskurvorna visar hur organisationernas poäng på de två dimensionerna fördelar sig varje år; en kurva "
        "som flyttas åt höger betyder högre mognad, en bredare kurva större skillnader mellan organisationerna. "
        f"Medianen (undre och övre kvartil inom parentes) {'var' if first == last else 'gick'} för {d.join_sv(parts)}."
        + _public_note(ctx) + "\n\n" + dimension_levels_text(pos, last, source_sv(ctx))
    )
    fig = plots.density_by_year(pos)
    span = trends.years_sv(years)
    alt = (f"Två diagram sida vid sida med en täthetskurva per år {span}: till vänster digital förmåga, "
           f"till höger digitalt arv. Medianerna: {d.join_sv(parts)}.")
    pub.figure(fig, "overview-density", f"Fördelning av organisationernas poäng per år {span}, "
               "digital förmåga och digitalt arv", alt)

    split = inst.scoring.quadrant_split
    shares = trends.quadrant_shares(pos).reindex(years)
    counts = pos.groupby(level="year")["quadrant"].value_counts().unstack(fill_value=0) \
        .reindex(index=years, columns=[q.id for q in inst.quadrants], fill_value=0)
    moves = [(f"{q.name_sv.lower()} {d.pct(shares.loc[first, q.id])} → " if first != last else
              f"{q.name_sv.lower()} ") + d.pct(shares.loc[last, q.id]) for q in inst.quadrants]
    change_text = (f"ändrades från {first} till {last} så här" if first != last else f"var {last}")
    top = max(inst.quadrants, key=lambda q: shares.loc[last, q.id])
    pub.markdown(
        "Organisationens placering i planet ges av dess poäng på digital förmåga (vågrätt) och digitalt arv "
        f"(lodrätt). Båda axlarna delas vid {d.pct(split)}, vilket ger fyra organisationstyper (rapportens egen "
        "indelning, se bilagan om metod). Andelen "
        f"organisationer per typ {change_text}: {d.join_sv(moves)}. "
        f"Vanligast {last} var typen {top.name_sv.lower()}."
    )
    fig = plots.plane_by_year(pos, shares)
    alt = (f"{len(years)} spridningsdiagram, ett per år {trends.years_sv(years)}, med varje organisation som en punkt i planet digital "
           f"förmåga gånger digitalt arv; linjer vid {d.pct(split)} delar planet i fyra typer med andelen per typ "
           f"utskriven i hörnen. Andel {last}: "
           f"{d.join_sv([f'{q.name_sv.lower()} {d.pct(shares.loc[last, q.id])}' for q in inst.quadrants])}.")
    pub.figure(fig, "overview-plane", f"Organisationerna i planet digital förmåga × digitalt arv per år, med de "
               f"fyra organisationstyperna (gräns vid {d.pct(split)})", alt)
    table = pd.DataFrame({"År": [str(y) for y in years]})
    csv = pd.DataFrame({"year": years})
    for q in inst.quadrants:
        table[q.name_sv] = [f"{d.count(counts.loc[y, q.id])} ({d.pct(shares.loc[y, q.id])})" for y in years]
        csv[f"{q.id}_n"] = counts[q.id].to_numpy()
        csv[f"{q.id}_pct"] = shares[q.id].round(6).to_numpy()
    pub.table(table, "overview-quadrants", "Antal organisationer (andel) per organisationstyp och år", csv=csv)


# ---------------------------------------------------------------- 3. per-principle distributions
def principle_distribution_section(ctx: ReportData, pub: d.Publisher) -> None:
    """Boxplots per principle and year: one figure per dimension."""
    inst = instrument.load()
    org = ctx.org_public
    years = sorted(int(y) for y in org.index.get_level_values("year").unique())
    first, last = years[0], years[-1]
    ids = list(inst.principle_ids)
    med_last = org.xs(last, level="year")[ids].median()
    iqr_last = (org.xs(last, level="year")[ids].quantile(0.75) - org.xs(last, level="year")[ids].quantile(0.25))
    lo_p, hi_p, wide_p = med_last.idxmin(), med_last.idxmax(), iqr_last.idxmax()
    refs = [pub.ref("fig", f"overview-box-{dim.id.replace('_', '-')}", capital=i == 0)
            for i, dim in enumerate(inst.dimensions)]
    pub.markdown(
        "## Förändring per princip och år\n\n"
        f"{d.join_sv(refs)} visar för varje princip hur organisationernas "
        "poäng fördelar sig varje år: lådan omfattar "
        "den mittersta hälften av organisationerna, strecket i lådan är medianen, romben medelvärdet och "
        "punkterna enskilda organisationer långt från de övriga. "
        f"{last} hade {inst.principle(lo_p).name_sv} lägst median ({d.pct(med_last[lo_p], 1)}) och "
        f"{inst.principle(hi_p).name_sv} högst ({d.pct(med_last[hi_p], 1)}); störst skillnad mellan "
        f"organisationerna (kvartilavstånd {d.num(iqr_last[wide_p], 1)} procentenheter) fanns för "
        f"{inst.principle(wide_p).name_sv}."
    )
    for dim, ncols in zip(inst.dimensions, (3, 4)):
        pids = list(inst.principles_in(dim.id))
        fig = plots.principle_boxplots(org, pids, ncols=ncols)
        alt = (f"Små diagram, ett per princip inom {dim.name_sv.lower()} ({len(pids)} principer), med en låda per "
               f"år {trends.years_sv(years)} för organisationernas poäng på skalan 0–100 %.")
        pub.figure(fig, f"overview-box-{dim.id.replace('_', '-')}",
                   f"Organisationernas poäng per princip och år, {dim.name_sv.lower()} ({len(pids)} principer)", alt)


# ---------------------------------------------------------------- 4. change per organisation
def change_section(ctx: ReportData, pub: d.Publisher, tolerance: float = trends.STEADY_TOLERANCE) -> None:
    """Direction and distance of each organisation's move between consecutive measurements."""
    if _one_year(ctx, pub, "Förändring per organisation"):
        return
    changes = trends.organisation_changes(ctx.org_public, tolerance=tolerance,
                                          min_respondents=ctx.privacy_threshold)
    pub.markdown("## Förändring per organisation")
    if changes.empty:
        pub.markdown("Ingen organisation mättes vid två tillfällen med tillräckligt många respondenter.")
        return
    shares = trends.change_shares(changes)
    tot = shares.loc["total"]
    n_org = changes["organisation_id"].nunique()
    gaps = int((changes["to_year"] - changes["from_year"] > 1).sum())
    periods = [p for p in shares.index if p != "total"]
    per = [f"{d.pct(shares.loc[p, 'improved'])} till {p}" for p in periods]
    pub.markdown(
        "Varje pil visar hur en organisation flyttade sig i planet digital förmåga × digitalt arv från en mätning "
        "till nästa: pilen börjar i mitten (ingen förändring), riktningen visar vilken dimension som ändrades och "
        "längden hur mycket (avstånd i procentenheter). En förflyttning räknas som *oförändrad* när avståndet är "
        f"mindre än {d.num(tolerance, 1)} procentenheter (streckad cirkel), som *förbättrad* när den pekar mot högre "
        "mognad (summan av förändringarna på de två dimensionerna är positiv, ovanför den prickade diagonalen) och "
        "annars som *försämrad*. "
        f"I jämförelsen ingår {d.count(n_org)} organisationer och {d.count(len(changes))} par av på varandra följande "
        "mätningar"
        + (f" (varav {d.count(gaps)} par med ett eller flera års uppehåll)" if gaps else "")
        + f"; bara organisationsår med minst {d.count(ctx.privacy_threshold)} respondenter räknas. "
        f"Av alla förflyttningar var {d.pct(tot['improved'])} förbättringar, {d.pct(tot['steady'])} oförändrade och "
        f"{d.pct(tot['declined'])} försämringar; medianavståndet var {d.num(tot['median_distance'], 1)} "
        f"procentenheter. Andelen förbättrade var {d.join_sv(per)}."
    )
    fig = plots.change_arrows(changes, shares, tolerance)
    alt = (f"Pildiagram, ett per mätår, där varje organisations förflyttning mellan två mätningar ritas som en pil "
           f"från origo; blå pilar är förbättringar, grå oförändrade och orange försämringar. Ett stapeldiagram "
           f"visar andelarna: totalt {d.pct(tot['improved'])} förbättrade, {d.pct(tot['steady'])} oförändrade och "
           f"{d.pct(tot['declined'])} försämrade.")
    pub.figure(fig, "overview-change", "Varje organisations förflyttning i planet digital förmåga × digitalt arv "
               f"mellan två mätningar (oförändrad: avstånd under {d.num(tolerance, 1)} procentenheter)", alt)
    table = pd.DataFrame({
        "Period": [("Alla" if p == "total" else f"Till {p}") for p in shares.index],
        "Förflyttningar": [d.count(v) for v in shares["n"]],
        "Förbättrade (%)": [d.num(v, 1) for v in shares["improved"]],
        "Oförändrade (%)": [d.num(v, 1) for v in shares["steady"]],
        "Försämrade (%)": [d.num(v, 1) for v in shares["declined"]],
        "Medianavstånd (p.e.)": [d.num(v, 1) for v in shares["median_distance"]],
    })
    pub.table(table, "overview-change", "Förflyttningar mellan på varandra följande mätningar per mätår",
              csv=shares.reset_index().round(6))


# ---------------------------------------------------------------- 5./6. trend per principle with uncertainty
def _trend_table(ctx: ReportData, threshold, reps, seed) -> pd.DataFrame:
    thr = _threshold(threshold)
    reps = trends.BOOTSTRAP_REPS if reps in (None, "") else int(reps)
    seed = trends.BOOTSTRAP_SEED if seed in (None, "") else int(seed)
    return trends.trend_table(ctx.org_scores, threshold=thr, reps=reps, seed=seed).sort_values("change")


def trend_section(ctx: ReportData, pub: d.Publisher, threshold: float | None = None, reps: int | None = None,
                  seed: int | None = None) -> pd.DataFrame:
    """Trend per principle, first to last year: sorted bars by class with bootstrap intervals.

    Returns the trend table (``trends.trend_table``, sorted by change) for the later sections
    (None for a single year)."""
    if _one_year(ctx, pub, "Trend per princip"):
        return None
    thr = _threshold(threshold)
    tr = _trend_table(ctx, thr, reps, seed)
    first, last = int(tr["first_year"].min()), int(tr["last_year"].max())
    pct_level = d.num(trends.CI_LEVEL * 100)
    groups = {c: list(tr.index[tr["trend"] == c]) for c in ("negative", "stable", "positive")}

    def listing(c: str) -> str:
        pids = groups[c]
        if not pids:
            return "inga"
        items = [f"{inst_name} ({d.signed(tr.loc[p, 'change'], 1)})" for p, inst_name in zip(pids, _names(pids))]
        return d.join_sv(items)

    pub.markdown(
        "## Trend per princip\n\n"
        f"Trenden är förändringen av principens nationella medelvärde från {first} till {last} i procentenheter. "
        f"Den är *negativ* om medelvärdet sjönk med mer än {d.given(thr)} procentenheter, *positiv* om det steg "
        f"med mer än {d.given(thr)} och annars *stabil*.\n\n"
        f"- **Negativ ({len(groups['negative'])}):** {listing('negative')}\n"
        f"- **Stabil ({len(groups['stable'])}):** {listing('stable')}\n"
        f"- **Positiv ({len(groups['positive'])}):** {listing('positive')}\n"
    )
    n_unc = int(tr["uncertain"].sum())
    alt = (f"Liggande staplar för de {len(tr)} principernas förändring {first}–{last}, sorterade från störst "
           f"minskning till störst ökning och färgade efter trendklass (orange negativ, grå stabil, blå positiv); "
           f"streckade linjer vid ±{d.given(thr)} procentenheter; svarta felstaplar visar {pct_level} % "
           f"konfidensintervall och {n_unc} snedstreckade staplar har osäker klass.")
    fig = plots.trend_bars(tr.iloc[::-1], thr)
    pub.figure(fig, "trend", f"Förändring av principernas medelvärden {first}–{last}, färgad efter trendklass, "
               f"med {pct_level} % konfidensintervall (snedstreck: osäker klass)", alt)
    table = pd.DataFrame({
        "Princip": _names(tr.index),
        f"Medel {first} (%)": [d.num(v, 1) for v in tr["first_mean"]],
        f"Medel {last} (%)": [d.num(v, 1) for v in tr["last_mean"]],
        "Förändring": [d.signed(v, 1) for v in tr["change"]],
        f"{pct_level} % KI": [f"{d.signed(a, 1)} till {d.signed(b, 1)}" for a, b in zip(tr["ci_low"], tr["ci_high"])],
        "Trend": [_class_sv(c) + (" (osäker)" if u else "") for c, u in zip(tr["trend"], tr["uncertain"])],
    })
    pub.table(table, "trend", f"Principernas medelvärden {first} och {last}, förändring med konfidensintervall "
              "och trendklass", csv=tr.reset_index().round(6), align="lrrrrl")
    return tr


def uncertainty_section(ctx: ReportData, pub: d.Publisher, table: pd.DataFrame | None = None,
                        threshold: float | None = None, reps: int | None = None, seed: int | None = None) -> None:
    """How certain the classes are (bootstrap) and how much the changing set of organisations matters."""
    if len(ctx.years) < 2:
        return
    thr = _threshold(threshold)
    tr = _trend_table(ctx, thr, reps, seed) if table is None else table
    reps = trends.BOOTSTRAP_REPS if reps in (None, "") else int(reps)
    seed = trends.BOOTSTRAP_SEED if seed in (None, "") else int(seed)
    first, last = int(tr["first_year"].min()), int(tr["last_year"].max())
    n_first = int(ctx.org_scores.xs(first, level="year").shape[0])
    n_last = int(ctx.org_scores.xs(last, level="year").shape[0])
    pct_level = d.num(trends.CI_LEVEL * 100)
    unc = list(tr.index[tr["uncertain"]])
    sure_sign = tr[(tr["ci_low"] > 0) | (tr["ci_high"] < 0)]
    widths = tr["ci_high"] - tr["ci_low"]
    if len(unc) == len(tr):
        unc_text = f"alla {len(tr)} principerna"
    elif not unc:
        unc_text = "ingen av principerna"
    else:
        unc_text = f"{len(unc)} av {len(tr)} principer ({d.join_sv(_names(unc))})"
    pub.markdown(
        "## Osäkerhet och sammansättning\n\n"
        "Den publicerade rapporten anger trendklassen utan osäkerhet. Här skattas osäkerheten med bootstrap: "
        f"organisationerna dras om med återläggning inom varje år ({d.count(reps)} upprepningar, fast slumpfrö "
        f"{seed}), förändringen räknas om för varje dragning och {pct_level} % konfidensintervall är percentilerna "
        f"{d.num((1 - trends.CI_LEVEL) / 2 * 100, 1)} och {d.num((1 + trends.CI_LEVEL) / 2 * 100, 1)}. "
        f"Med {d.count(n_first)} organisationer år {first} och {d.count(n_last)} år {last} är intervallen "
        f"{d.num(widths.min(), 1)}–{d.num(widths.max(), 1)} procentenheter breda. En klass är *osäker* när "
        f"intervallet når över en klassgräns (±{d.given(thr)}); det gäller {unc_text}. "
        f"För {d.count(len(sure_sign))} principer utesluter intervallet ändå noll, så riktningen på förändringen är "
        "säkrare än dess storlek i förhållande till gränsen."
    )
    n_same = int(tr["n_same"].iloc[0])
    same_class = tr["trend"] == tr["same_trend"]
    differ = list(tr.index[~same_class])
    means_all = trends.dimension_means(ctx.org_scores)
    same_ids = trends.common_organisations(ctx.org_scores, first, last)
    same_scores = ctx.org_scores[ctx.org_scores.index.get_level_values("organisation_id").isin(same_ids)]
    means_same = trends.dimension_means(same_scores)
    d_all = means_all.loc[last, "overall"] - means_all.loc[first, "overall"]
    d_same = (means_same.loc[last, "overall"] - means_same.loc[first, "overall"]) if n_same else np.nan
    text = (
        f"Organisationerna som mäts är inte desamma varje år: av de {d.count(n_last)} organisationerna {last} "
        f"mättes {d.count(n_same)} även {first}. En del av en förändring kan därför bero på vilka som mäts "
        "(sammansättningen) snarare än på att organisationerna har ändrats. Jämförelsen i "
        f"{pub.ref('fig', 'overview-composition')} räknar trenden "
        f"också bara för de {d.count(n_same)} organisationer som mättes båda åren (i omsamplingen "
        f"dras då samma organisationer båda åren). Den totala mognaden ändrades med {d.signed(d_all, 1)} procentenheter "
        f"för alla organisationer och {d.signed(d_same, 1)} för samma organisationer. "
        f"{d.count(int(same_class.sum()))} av {len(tr)} principer får samma trendklass i båda beräkningarna"
    )
    if differ:
        items = [f"{n} ({_class_sv(tr.loc[p, 'trend'])} {d.signed(tr.loc[p, 'change'], 1)} mot "
                 f"{_class_sv(tr.loc[p, 'same_trend'])} {d.signed(tr.loc[p, 'same_change'], 1)})"
                 for p, n in zip(differ, _names(differ))]
        text += f"; klassen skiljer sig för {d.join_sv(items)}"
    text += (f". Med bara {d.count(n_same)} organisationer är intervallen för samma organisationer breda "
             f"({d.count(int(tr['same_uncertain'].sum()))} osäkra klasser).")
    pub.markdown(text)
    fig = plots.composition_plot(tr.iloc[::-1], thr, first, last)
    alt = (f"Punktdiagram med två markörer per princip: förändringen {first}–{last} för alla organisationer (blå "
           f"cirkel) och för de {d.count(n_same)} organisationer som mättes båda åren (orange triangel), med "
           f"{pct_level} % konfidensintervall som vågräta linjer; det grå bandet är stabilt område ±{d.given(thr)}.")
    pub.figure(fig, "overview-composition", f"Förändring {first}–{last} per princip för alla organisationer och för "
               f"samma organisationer båda åren, med {pct_level} % konfidensintervall", alt)
    table = pd.DataFrame({
        "Princip": _names(tr.index),
        "Alla: förändring": [d.signed(v, 1) for v in tr["change"]],
        "Alla: trend": [_class_sv(c) + (" (osäker)" if u else "") for c, u in zip(tr["trend"], tr["uncertain"])],
        "Samma: förändring": [d.signed(v, 1) for v in tr["same_change"]],
        f"Samma: {pct_level} % KI": [f"{d.signed(a, 1)} till {d.signed(b, 1)}"
                                     for a, b in zip(tr["same_ci_low"], tr["same_ci_high"])],
        "Samma: trend": [_class_sv(c) + (" (osäker)" if u else "")
                         for c, u in zip(tr["same_trend"], tr["same_uncertain"])],
    })
    csv = tr[["change", "ci_low", "ci_high", "trend", "uncertain", "same_change", "same_ci_low", "same_ci_high",
              "same_trend", "same_uncertain", "n_same"]].reset_index().round(6)
    pub.table(table, "overview-composition", f"Förändring {first}–{last} för alla organisationer och för samma "
              "organisationer båda åren", csv=csv, align="lrlrrl")


# ---------------------------------------------------------------- 7. method note
def open_questions(ctx: ReportData, pub: d.Publisher) -> None:
    """The question the published section 2.4 closes with: which measures lie behind the trends."""
    pub.markdown(
        "## Vilka insatser ligger bakom?\n\n"
        "Den publicerade rapporten avslutar sin översikt med en fråga snarare än ett svar: vilka konkreta åtgärder "
        "har organisationerna vidtagit för att stärka principerna, och har de räckt? Eftersom varje princip "
        "beskriver en nödvändig förutsättning för att få nytta av digitalisering, frågar rapporten också hur "
        "arbetet med förutsättningarna byggs in i organisationernas digitaliseringsstrategier och övriga "
        "strategiska arbete. Som ett sätt att ta reda på det föreslår den att strategier, planer och policyer "
        "granskas: siktar de på vad digitaliseringen ska leverera, på att skapa förutsättningarna för den, eller "
        "på båda? Enkätsvaren i den här rapporten kan inte besvara frågan; den kräver att dokumenten själva läses."
    )


def method_note(ctx: ReportData, pub: d.Publisher, table: pd.DataFrame | None = None,
                threshold: float | None = None, reps: int | None = None, seed: int | None = None) -> None:
    """How the trend is defined."""
    if len(ctx.years) < 2:
        return
    thr = _threshold(threshold)
    tr = _trend_table(ctx, thr, reps, seed) if table is None else table
    first, last = int(tr["first_year"].min()), int(tr["last_year"].max())
    pct_level = d.num(trends.CI_LEVEL * 100)
    pub.markdown(
        "## Metodnotering: så definieras trenden\n\n"
        f"En princips nationella medelvärde ett år är medelvärdet av organisationernas poäng på principen det året; "
        "varje organisation väger lika oavsett antal respondenter, och organisationer utan giltig poäng på principen "
        f"ingår inte. Trenden är skillnaden mellan medelvärdet {last} och {first} i procentenheter. Klassgränsen är "
        f"{d.given(thr)} procentenheter och gäller strikt: en förändring på exakt ±{d.given(thr)} räknas som stabil. "
        "Organisationer som bara mättes mellanliggande år påverkar inte trenden, och trenden säger inget om vägen "
        f"mellan första och sista året. Konfidensintervallen ({pct_level} %) bygger på omdragning av organisationer "
        "och fångar alltså osäkerheten av vilka organisationer som råkade mätas, inte respondenternas mätfel inom "
        "organisationerna."
    )


# ---------------------------------------------------------------- 7. level shares against the mean
def _arrow(a, b) -> str:
    return f"{d.pct(a)} → {d.pct(b)}"


def spread_vs_mean_section(ctx: ReportData, pub: d.Publisher, table: pd.DataFrame | None = None,
                           threshold: float | None = None) -> None:
    """Where the share of organisations at levels 3-4 and the mean move differently, in the data
    and in the published report's own tables and figure (``trends.spread_vs_mean``)."""
    if len(ctx.years) < 2:
        return
    thr = _threshold(threshold)
    sv = trends.spread_vs_mean(ctx.org_scores, threshold=thr)
    first, last = int(sv["first_year"].min()), int(sv["last_year"].max())
    sc = instrument.load().scoring
    upper_sv = f"nivå {sc.n_levels - 1} eller {sc.n_levels}"
    share_thr = d.num(trends.LEVEL_SHARE_THRESHOLD)
    dis = sv[sv["disagree"]].copy()
    upper = (sc.n_levels - 1, sc.n_levels)
    wide = spread.spread_wide(ctx.org_scores)
    for pid in dis.index:  # the shares as each principle's spread table adds them up (rounded per level)
        rows = wide[wide["principle"] == pid].set_index("year")
        dis.loc[pid, "high_first"] = spread.shown_share(rows, int(dis.loc[pid, "first_year"]), upper)
        dis.loc[pid, "high_last"] = spread.shown_share(rows, int(dis.loc[pid, "last_year"]), upper)

    def item(pid, r) -> str:
        return (f"{instrument.load().principle(pid).name_sv} ({_class_sv(r['trend'])} {d.signed(r['change'], 1)}; "
                f"{upper_sv}: {_arrow(r['high_first'], r['high_last'])})")

    text = (
        f"## {SPREAD_MEAN_HEADING}\n\n"
        "Trendklassen bygger på principens medelvärde, spridningstabellerna på hur många organisationer som "
        f"ligger på varje nivå. De två måtten behöver inte följas åt: andelen på {upper_sv} räknar bara "
        f"organisationer över den antagna gränsen {d.pct(sc.cut_points[-2])}, medan medelvärdet påverkas av alla "
        "organisationers poäng, och de organisationer som mäts första och sista året är inte desamma. Här "
        f"räknas andelen som förändrad när den ändras med mer än {share_thr} procentenheter mellan {first} och "
        f"{last}, och måtten som oense när medelvärdet sjunker medan andelen stiger (eller tvärtom) eller när "
        "medelvärdet är stabilt medan andelen ändras. "
    )
    if dis.empty:
        text += "I dessa data pekar de två måtten åt samma håll för alla principer."
    else:
        text += (f"I dessa data gäller det {d.plural(len(dis), 'princip', 'principer')}: "
                 f"{d.join_sv(item(p, r) for p, r in dis.iterrows())}.")
    publ = trends.published_spread_vs_figure()
    pdis = publ[publ["disagree"]]
    if not pdis.empty:
        items = [f"{instrument.load().principle(p).name_sv} ({_class_sv(r['figure_class'])}; "
                 f"{_arrow(r['high_first'], r['high_last'])})" for p, r in pdis.iterrows()]
        both = sorted(set(dis.index) & set(pdis.index), key=list(sv.index).index)
        text += (f"\n\nDen publicerade rapporten har samma spänning mellan sina spridningstabeller och sin "
                 f"trendfigur för {d.plural(len(pdis), 'princip', 'principer')} (inom parentes figurens klass och "
                 f"andelen på {upper_sv} enligt tabellerna, från {int(publ['first_year'].min())} till "
                 f"{int(publ['last_year'].max())}): {d.join_sv(items)}. Rapporten kommenterar inte skillnaden.")
        if both:
            text += (f" {d.count(len(both))} av dem är oense också i dessa data"
                     + (f" ({d.join_sv(_names(both))})." if len(both) < len(pdis) else "."))
    pub.markdown(text)
    if not dis.empty:
        table = pd.DataFrame({
            "Princip": _names(dis.index),
            f"Medel {first} (%)": [d.num(v, 1) for v in dis["first_mean"]],
            f"Medel {last} (%)": [d.num(v, 1) for v in dis["last_mean"]],
            "Förändring": [d.signed(v, 1) for v in dis["change"]],
            "Trend": [_class_sv(c) for c in dis["trend"]],
            f"Andel nivå 3–4, {first} (%)": [d.num(v) for v in dis["high_first"]],
            f"Andel nivå 3–4, {last} (%)": [d.num(v) for v in dis["high_last"]],
        })
        csv = sv[["first_year", "last_year", "first_mean", "last_mean", "change", "trend", "high_first", "high_last",
                  "high_change", "share_direction", "n_first", "n_last", "n_same", "disagree"]].reset_index().round(6)
        pub.table(table, "overview-spread-mean", f"Principer där medelvärdet och andelen på {upper_sv} rör sig olika "
                  f"{first}–{last}", csv=csv, align="lrrrlrr")


# ---------------------------------------------------------------- 8. the published prose and figure
def published_comparison_section(ctx: ReportData, pub: d.Publisher, table: pd.DataFrame | None = None,
                                 threshold: float | None = None) -> None:
    """Every place where the published section 2.4's prose, its trend figure and the data disagree.

    The published statements are data (``data/reference/published_overview_2_4.csv``); the
    classes they are compared with are computed at build time (``trends.published_vs_data``)."""
    if len(ctx.years) < 2:
        return
    thr = _threshold(threshold)
    cmp = trends.published_vs_data(ctx.org_scores, threshold=thr)
    first, last = int(cmp["first_year"].min()), int(cmp["last_year"].max())
    means = trends.national_means(ctx.org_scores)
    pf = cmp[cmp["prose_vs_figure"]]
    fd = cmp[cmp["figure_vs_data"]]
    pdd = cmp[cmp["prose_vs_data"]]
    names = {p: n for p, n in zip(cmp.index, _names(cmp.index))}

    def prose_item(pid, r) -> str:
        return f"{names[pid]} ({r['prose_says']}; figuren: {_class_sv(r['figure_class'])})"

    text = (
        "## Den publicerade texten, figuren och data\n\n"
        "Den publicerade rapportens avsnitt 2.4 beskriver utvecklingen per princip både i löptext och i en "
        "trendfigur. Texten och figuren stämmer inte alltid med varandra. Rapportens påståenden finns "
        "sammanställda som data i projektet och jämförs här med de klasser som beräknas från underlaget "
        f"{first}–{last}; ett påstående om nivåer jämförs med andelen på nivå 3 eller 4, ett om utvecklingen "
        "med trendklassen. "
    )
    if pf.empty:
        text += "Texten och figuren är överens för alla principer som texten nämner. "
    else:
        text += (f"Texten och figuren är oense om {d.plural(len(pf), 'princip', 'principer')}: "
                 f"{d.join_sv(prose_item(p, r) for p, r in pf.iterrows())}. ")
        fig_ok = [p for p in pf.index if not cmp.loc[p, "figure_vs_data"]]
        prose_ok = [p for p in pf.index if not cmp.loc[p, "prose_vs_data"]]
        both_ok = [p for p in fig_ok if p in prose_ok]
        text += (f"Data {first}–{last} stöder figuren för {d.count(len(fig_ok))} och texten för "
                 f"{d.count(len(prose_ok))} av dem")
        if both_ok:
            text += (f"; för {d.join_sv(names[p] for p in both_ok)} stöder data båda, eftersom texten talar om "
                     "nivåer och figuren om medelvärdet")
        text += ". "
    if fd.empty:
        text += f"Figurens klass stämmer med data för alla {len(cmp)} principer."
    else:
        items = [f"{names[p]} (figuren {_class_sv(r['figure_class'])}, data {_class_sv(r['trend'])} "
                 f"{d.signed(r['change'], 1)})" for p, r in fd.iterrows()]
        text += f"Figurens klass skiljer sig från data för {d.plural(len(fd), 'princip', 'principer')}: {d.join_sv(items)}."
    only_data = pdd[~pdd.index.isin(pf.index)]
    if not only_data.empty:
        items = [f"{names[p]} ({r['prose_says']}; data: {_class_sv(r['data_class'])})" for p, r in only_data.iterrows()]
        text += (f" Där texten och figuren är överens skiljer sig data från båda för "
                 f"{d.plural(len(only_data), 'princip', 'principer')}: {d.join_sv(items)}.")
    # a prose claim of improvement the first-to-last comparison does not show may describe the later years
    recover = []
    for pid, r in pdd.iterrows():
        if r["prose_class"] != "positive" or r["prose_measure"] != "trend":
            continue
        s_ = means[pid].dropna()
        low = int(s_.idxmin())
        if low not in (first, last) and s_.loc[last] - s_.loc[low] > thr:
            recover.append(f"{names[pid]} ({d.signed(s_.loc[last] - s_.loc[low], 1)} procentenheter sedan det "
                           f"lägsta värdet {low})")
    publ_years = trends.published_spread_vs_figure()
    p0, p1 = int(publ_years["first_year"].min()), int(publ_years["last_year"].max())  # the published figure's
    if recover:
        text += (f" Medelvärdet stiger ändå efter en nedgång för {d.join_sv(recover)}; texten kan beskriva den "
                 f"senare delen av perioden, medan figuren jämför {p0} med {p1}.")
    if (first, last) != (p0, p1):
        text += (f" Observera att figuren jämför {p0} med {p1}, medan underlaget här jämför {first} med {last}; "
                 "en skillnad kan alltså bero på att perioderna är olika.")
    if ctx.default_panel:
        text += ("\n\nStandardpanelen är syntetisk och kalibrerad så att varje princips klass "
                 f"{p0}–{p1} är den publicerade figurens. Den kan därför inte avgöra vad som gäller i de "
                 "verkliga data, bara visa hur jämförelsen görs när rapporten byggs på dem.")
    pub.markdown(text)
    rows = cmp[cmp["prose_vs_figure"] | cmp["figure_vs_data"] | cmp["prose_vs_data"]]
    if rows.empty:
        return

    def agree(r) -> str:
        parts = []
        if r["prose_vs_figure"]:
            parts.append("text ≠ figur")
        if r["figure_vs_data"]:
            parts.append("figur ≠ data")
        if r["prose_vs_data"]:
            parts.append("text ≠ data")
        return ", ".join(parts)

    shown = pd.DataFrame({
        "Princip": [names[p] for p in rows.index],
        "Texten (avsnitt 2.4)": [r["prose_says"] or "nämns inte" for _, r in rows.iterrows()],
        "Textens klass": [_class_sv(c) for c in rows["prose_class"]],
        "Figuren": [_class_sv(c) for c in rows["figure_class"]],
        f"Data {first}–{last}": [f"{_class_sv(r['data_class'])}"
                                 + (f" (nivå 3–4: {_arrow(r['high_first'], r['high_last'])})"
                                    if r["prose_measure"] == "levels" else f" ({d.signed(r['change'], 1)})")
                                 for _, r in rows.iterrows()],
        "Oenighet": [agree(r) for _, r in rows.iterrows()],
    })
    csv = cmp[["figure_class", "prose_class", "prose_measure", "prose_says", "trend", "change", "high_first",
               "high_last", "data_class", "prose_vs_figure", "figure_vs_data", "prose_vs_data"]].reset_index().round(6)
    pub.table(shown, "overview-published", f"Den publicerade texten och figuren jämförda med data {first}–{last}",
              csv=csv, align="llllll")
