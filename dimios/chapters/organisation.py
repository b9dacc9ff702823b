"""The organisation report's chapters: one organisation next to the national picture.

Computations live in ``dimios.organisation``; here they become Swedish prose, tables and
figures. Every group with fewer than k respondents (organisation-year, business area) is
shown only as ”färre än k svar” — in tables, their CSV files and figures alike.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, ladders, trends
from dimios.chapters.common import (DATA_APPENDIX, LEVEL_COLOURS, ORGANISATION_TYPES_NOTE, colophon_sv, heading,
                                    settings_callouts, style)
from dimios.organisation import LEVEL_PCT, OrganisationReport

SUPPRESSED_COLOUR = "#d9d9d9"


def _isnan(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _level_text(v) -> str:
    return "–" if _isnan(v) else str(int(v))


def _spread_text(shares) -> str:
    if all(_isnan(s) for s in shares):
        return "–"
    return " / ".join(d.num(0 if _isnan(s) else s) for s in shares) + "\u00a0%"


def _csv(df: pd.DataFrame, mark: str) -> pd.DataFrame:
    """CSV copy: floats rounded, a ``note`` column with the marker on suppressed rows."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(6)
    if "suppressed" in out.columns:
        out["note"] = np.where(out["suppressed"].to_numpy(dtype=bool), mark, "")
    return out


def _is_synthetic(rep: OrganisationReport) -> bool:
    """The file is the project's default panel, by content (an edited copy is the user's own data)."""
    return rep.ctx.default_panel


def _name(pid: str) -> str:
    return instrument.load().principle(pid).name_sv


# ------------------------------------------------------------------ front page
def title(rep: OrganisationReport, pub: d.Publisher) -> None:
    years = rep.years
    type_sv = {"kommun": "kommun", "region": "region", "myndighet": "myndighet"}.get(rep.organisation_type,
                                                                                      rep.organisation_type)
    span = trends.years_sv(years)
    pub.markdown(
        heading(rep.ctx, f"Digital mognad i organisation {rep.organisation}", "{.unnumbered}")
        + f"Den här rapporten visar hur organisationen {rep.organisation} ({type_sv}) ligger till på DiMiOS "
        f"26 principer {span}: värde och mognadsnivå per princip och år bredvid den nationella bilden, vad "
        "nivån innebär och vad som rekommenderas för att nå nästa nivå, skillnader mellan verksamhetsområden, "
        "förändringen sedan föregående mätning och en egen kvalitetskontroll av svaren. Allt är beräknat på den "
        "egna datorn när rapporten byggdes; inga svar har lämnat den."
    )
    settings_callouts(rep.ctx, pub)
    pub.callout(f"Organisationen jämförs med {rep.reference.label_sv}. {rep.reference.reason_sv}", title="Jämförelse")
    if rep.reference.kind == "shipped":
        pub.callout(
            "De nationella medelvärdena i rapporten kommer från "
            "projektets syntetiska standardpanel och är inte uppmätta värden; fördelningen över nivåerna är den "
            "publicerade.", title="Syntetiska nationella medelvärden"
        )
    if _is_synthetic(rep):
        pub.callout(
            "Organisationen och dess svar är syntetiska (projektets "
            "testdata), inte en verklig organisation.", title="Syntetiska data"
        )
    if rep.latest is None:
        pub.callout(f"Organisationen har {rep.mark} varje år ({d.join_sv(str(y) for y in rep.years) or 'inga år'}), "
                    "och integritetsgränsen döljer då varje värde i rapporten.", title="Inga resultat kan visas")
    elif rep.hidden_years:
        pub.callout(f"År med {rep.mark} visas inte: {d.join_sv(str(y) for y in rep.hidden_years)}.",
                    title="Integritet")


def respondents(rep: OrganisationReport, pub: d.Publisher) -> None:
    rows, csv = [], []
    for y in rep.years:
        shown = y in rep.shown_years
        n = rep.n_respondents(y)
        rows.append({"År": str(y), "Svar": d.count(n) if shown else rep.mark})
        csv.append({"year": y, "n_respondents": float(n) if shown else np.nan, "suppressed": not shown})
    pub.markdown("## Underlag")
    pub.table(pd.DataFrame(rows), "respondents", f"Antal svar per år i {rep.organisation}",
              csv=_csv(pd.DataFrame(csv), rep.mark))


def summary(rep: OrganisationReport, pub: d.Publisher) -> None:
    """Dimension and overall scores per year next to the reference, and the organisation type."""
    inst = instrument.load()
    pub.markdown("## Sammanfattning")
    if rep.latest is None:
        pub.markdown(f"Inget år har tillräckligt många svar för att visas ({rep.mark} varje år).")
        return
    pos = rep.positions
    dims = [dim.id for dim in inst.dimensions]
    table = pd.DataFrame({"År": [str(y) for y in pos.index]})
    for dim in inst.dimensions:
        table[f"{dim.name_sv} (%)"] = [d.num(v, 1) for v in pos[dim.id]]
        table[f"{dim.name_sv}, nationellt (%)"] = [d.num(v, 1) for v in pos[f"reference_{dim.id}"]]
    table["Total mognad (%)"] = [d.num(v, 1) for v in pos["overall"]]
    table["Total, nationellt (%)"] = [d.num(v, 1) for v in pos["reference_overall"]]
    names = {q.id: q.name_sv for q in inst.quadrants}
    table["Organisationstyp"] = [names.get(q, "–") for q in pos["quadrant"]]
    y = rep.latest
    latest = pos.loc[y]
    quad = next((q for q in ladders.general()["quadrants"] if q["id"] == latest["quadrant"]), None)
    res = rep.results[rep.results["year"] == y].dropna(subset=["score_pct"])
    top = res.nlargest(3, "score_pct")
    low = res.nsmallest(3, "score_pct")
    above = int((res["difference_pct"] > 0).sum())
    pub.markdown(
        f"År {y} var organisationens totala digitala mognad {d.pct(latest['overall'], 1)} "
        f"(jämförelsen: {d.pct(latest['reference_overall'], 1)}). Digital förmåga låg på "
        f"{d.pct(latest[dims[0]], 1)} och digitalt arv på {d.pct(latest[dims[1]], 1)}, vilket placerar "
        f"organisationen i typen **{names.get(latest['quadrant'], '–')}**. "
        f"Organisationen låg över jämförelsens medelvärde på {above} av {len(res)} principer. Högst värden hade "
        f"{d.join_sv(f'{_name(p)} ({d.pct(v)})' for p, v in zip(top['principle'], top['score_pct']))}; lägst "
        f"{d.join_sv(f'{_name(p)} ({d.pct(v)})' for p, v in zip(low['principle'], low['score_pct']))}."
    )
    if quad:
        pub.markdown(f"**{quad['name']}.** {quad['description'].strip()} *Rekommendation:* "
                     f"{quad['recommendation'].strip()}\n\n{ORGANISATION_TYPES_NOTE}")
    pub.table(table, "summary", "Dimensioner och total mognad per år, organisationen och jämförelsen",
              csv=_csv(pos.reset_index(), rep.mark))


def overview_table(rep: OrganisationReport, pub: d.Publisher) -> None:
    """All principles in the latest year: score, level, reference mean, percentile."""
    if rep.latest is None:
        return
    y = rep.latest
    res = rep.results[rep.results["year"] == y]
    table = pd.DataFrame({
        "Princip": [_name(p) for p in res["principle"]],
        "Värde (%)": [d.num(v, 1) for v in res["score_pct"]],
        "Nivå": [_level_text(v) for v in res["level"]],
        "Nationellt medel (%)": [d.num(v, 1) for v in res["reference_mean_pct"]],
        "Skillnad (p.e.)": [d.signed(v, 1) for v in res["difference_pct"]],
        "Percentil": [d.num(v) for v in res["percentile"]],
        "Nationell fördelning nivå 1/2/3/4": [_spread_text(r) for r in res[LEVEL_PCT].to_numpy()],
    })
    pub.markdown(f"## Alla principer {y}\n\nPercentil: {rep.reference.percentile_kind_sv}.")
    pub.table(table, "overview", f"Organisationens värde och nivå per princip {y} bredvid den nationella bilden",
              csv=_csv(res.drop(columns=["suppressed"]), rep.mark), align="lrrrrrr")


# ------------------------------------------------------------------ principles
def dimension_heading(rep: OrganisationReport, dimension: str, pub: d.Publisher) -> None:
    inst = instrument.load()
    dim = inst.dimension(dimension)
    cats = [inst.category(c).name_sv.lower() for c in inst.categories_in(dimension)]
    pub.markdown(
        heading(rep.ctx, dim.name_sv)
        + f"Principerna i dimensionen {dim.name_sv.lower()} ({d.join_sv(cats)}). För varje princip visas "
        "organisationens värde och mognadsnivå per år bredvid det nationella medelvärdet, organisationens percentil "
        "och hur organisationerna nationellt fördelar sig över nivå 1–4; därefter vad den nuvarande nivån innebär "
        "och vad som rekommenderas för att nå nästa nivå."
    )


def dimension_figure(rep: OrganisationReport, dimension: str, pub: d.Publisher) -> None:
    import matplotlib.pyplot as plt

    inst = instrument.load()
    if rep.latest is None:
        pub.markdown(f"*Ingen figur: inget år har minst {rep.k} svar.*")
        return
    style()
    y = rep.latest
    pids = list(inst.principles_in(dimension))
    res = rep.results[(rep.results["year"] == y)].set_index("principle").loc[pids]
    cuts = [0, *inst.scoring.cut_points, 100]
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(pids) + 1.3))
    for k in range(len(cuts) - 1):
        ax.axvspan(cuts[k], cuts[k + 1], color=LEVEL_COLOURS[k], alpha=0.12, lw=0)
        ax.text((cuts[k] + cuts[k + 1]) / 2, -0.9, f"Nivå {k + 1}", ha="center", va="bottom", fontsize=8)
    ypos = np.arange(len(pids))
    ax.scatter(res["reference_mean_pct"], ypos, marker="|", s=160, color="#333333", label="Nationellt medel",
               zorder=3)
    ax.scatter(res["score_pct"], ypos, marker="o", s=40, color="#0072b2", label=rep.organisation, zorder=4)
    ax.set_yticks(ypos, [_name(p) for p in pids])
    ax.set_xlim(0, 100)
    ax.set_ylim(len(pids) - 0.5, -1)
    ax.set_xlabel("Värde (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    alt = (f"Punktdiagram för {inst.dimension(dimension).name_sv.lower()} {y}: organisationens värde och det "
           "nationella medelvärdet per princip, på en skala 0–100 med nivåbanden 1–4. "
           + " ".join(f"{_name(p)}: {d.pct(res.loc[p, 'score_pct'])} mot {d.pct(res.loc[p, 'reference_mean_pct'])}."
                      for p in pids))
    pub.figure(fig, f"dimension-{dimension}", f"Organisationens värde per princip {y} och det nationella "
               f"medelvärdet, {inst.dimension(dimension).name_sv.lower()}", alt)


def principle_details(rep: OrganisationReport, dimension: str, pub: d.Publisher) -> None:
    """Per principle: yearly results next to the national distribution, ladder text and recommendations."""
    inst = instrument.load()
    for pid in inst.principles_in(dimension):
        p = inst.principle(pid)
        res = rep.principle_results(pid)
        rows = []
        for r in res.itertuples(index=False):
            if r.suppressed:
                rows.append({"År": str(r.year), "Svar": rep.mark, "Värde (%)": rep.mark, "Nivå": rep.mark,
                             "Nationellt medel (%)": d.num(r.reference_mean_pct, 1), "Percentil": rep.mark,
                             "Nationell fördelning nivå 1/2/3/4": _spread_text([getattr(r, c) for c in LEVEL_PCT])})
                continue
            rows.append({"År": str(r.year), "Svar": d.count(r.n_respondents), "Värde (%)": d.num(r.score_pct, 1),
                         "Nivå": _level_text(r.level), "Nationellt medel (%)": d.num(r.reference_mean_pct, 1),
                         "Percentil": d.num(r.percentile),
                         "Nationell fördelning nivå 1/2/3/4": _spread_text([getattr(r, c) for c in LEVEL_PCT])})
        pub.markdown(f"## {p.name_sv}\n\n> {p.statement}")
        pub.table(pd.DataFrame(rows), f"{pid}", f"{p.name_sv}: organisationens värde, nivå och percentil per år "
                  "bredvid det nationella medelvärdet och fördelningen", csv=_csv(res, rep.mark), align="lrrrrrr")
        latest = res[~res["suppressed"]].dropna(subset=["level"])
        if latest.empty:
            pub.markdown("*Ingen nivå kan anges: för få giltiga svar eller för få svarande.*")
            continue
        last = latest.iloc[-1]
        k = int(last["level"])
        lv = ladders.level(pid, k)
        n_levels = inst.scoring.n_levels
        text = (f"**Nuvarande nivå ({int(last['year'])}): nivå {k} – {lv['title']}.** {lv['description'].strip()}\n\n"
                f"*Typiska risker:* {'; '.join(lv['risks'])}.\n\n")
        if k < n_levels:
            nxt = ladders.level(pid, k + 1)
            text += (f"**För att nå nivå {k + 1} – {nxt['title']}:**\n\n"
                     + "\n".join(f"- {rec}" for rec in lv["recommendations"]))
        else:
            text += "**Organisationen är på den högsta nivån. För att behålla den:**\n\n" + "\n".join(
                f"- {rec}" for rec in lv["recommendations"])
        pub.markdown(text)


# ------------------------------------------------------------------ business areas
def areas_intro(rep: OrganisationReport, pub: d.Publisher) -> None:
    pub.markdown(
        heading(rep.ctx, "Verksamhetsområden")
        + "Här jämförs organisationens verksamhetsområden med varandra. Ett område med "
        f"{rep.mark} visas inte; då döljs också det eller de minsta övriga områdena som behövs för att de dolda "
        f"områdena tillsammans ska ha minst {rep.k} svar, så att inget dolt värde kan räknas fram ur "
        "organisationens totala värde."
    )


def areas_table(rep: OrganisationReport, pub: d.Publisher) -> None:
    inst = instrument.load()
    if not rep.has_areas:
        pub.markdown("Datafilen anger inga verksamhetsområden (kolumnen `business_area` är tom eller saknas).")
        return
    a = rep.area_results
    if a.empty:
        pub.markdown(f"Inget år har minst {rep.k} svar.")
        return
    dims = [dim.id for dim in inst.dimensions]
    rows = []
    for r in a.itertuples(index=False):
        if r.suppressed:
            rows.append({"År": str(r.year), "Verksamhetsområde": r.business_area, "Svar": rep.mark,
                         **{f"{inst.dimension(x).name_sv} (%)": rep.mark for x in dims},
                         "Total mognad (%)": rep.mark})
        else:
            rows.append({"År": str(r.year), "Verksamhetsområde": r.business_area, "Svar": d.count(r.n_respondents),
                         **{f"{inst.dimension(x).name_sv} (%)": d.num(getattr(r, x), 1) for x in dims},
                         "Total mognad (%)": d.num(r.overall, 1)})
    n_hidden = int(a["suppressed"].sum())
    pub.markdown(
        f"{a['business_area'].nunique()} verksamhetsområden förekommer i svaren"
        + (f"; {n_hidden} område-år döljs av integritetsskäl." if n_hidden else ".")
    )
    pub.table(pd.DataFrame(rows), "areas", "Digital förmåga, digitalt arv och total mognad per verksamhetsområde "
              f"och år (områden med {rep.mark} döljs)", csv=_csv(a, rep.mark), align="llrrrr")


def areas_heatmap(rep: OrganisationReport, pub: d.Publisher) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    inst = instrument.load()
    if not rep.has_areas or rep.area_results.empty:
        return
    style()
    y = rep.latest
    a = rep.area_results[rep.area_results["year"] == y].reset_index(drop=True)
    pids = list(inst.principle_ids)
    values = a[pids].to_numpy(dtype="float64")
    levels = np.where(np.isnan(values), np.nan, np.searchsorted(inst.scoring.cut_points, values, side="right"))
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(a) + 2.6))
    cmap = ListedColormap(LEVEL_COLOURS).with_extremes(bad=SUPPRESSED_COLOUR)
    ax.imshow(np.ma.masked_invalid(levels), cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
    for i, r in a.iterrows():
        if r["suppressed"]:
            ax.text(len(pids) / 2 - 0.5, i, rep.mark, ha="center", va="center", fontsize=9, style="italic")
            continue
        for j, pid in enumerate(pids):
            v = r[pid]
            if not _isnan(v):
                ax.text(j, i, d.num(v), ha="center", va="center", fontsize=6.5,
                        color="white" if levels[i, j] in (0, 3) else "black")
    ax.set_yticks(range(len(a)), list(a["business_area"]))
    ax.set_xticks(range(len(pids)), [_name(p) for p in pids], rotation=60, ha="right", fontsize=8)
    ax.grid(False)
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=f"Nivå {k + 1}") for k, c in enumerate(LEVEL_COLOURS)]
    handles.append(Patch(color=SUPPRESSED_COLOUR, label=rep.mark))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
              fontsize=8)
    parts = []
    for _, r in a.iterrows():
        if r["suppressed"]:
            parts.append(f"{r['business_area']}: {rep.mark}.")
        else:
            parts.append(f"{r['business_area']}: total mognad {d.pct(r['overall'])}.")
    alt = (f"Värmekarta {y} med verksamhetsområden som rader och de 26 principerna som kolumner; färgen anger "
           "mognadsnivån och talet värdet i procent. Grå rader döljs av integritetsskäl. " + " ".join(parts))
    pub.figure(fig, "areas", f"Värde per verksamhetsområde och princip {y} (färg = nivå; grått = {rep.mark})", alt)


# ------------------------------------------------------------------ change
def change_section(rep: OrganisationReport, pub: d.Publisher) -> None:
    pub.markdown(heading(rep.ctx, "Förändring sedan föregående mätning").rstrip("\n"))
    ch = rep.change
    if ch.empty:
        hidden = (f" (År som döljs för att de har {rep.mark}: {d.join_sv(str(y) for y in rep.hidden_years)}.)"
                  if rep.hidden_years else "")
        if rep.latest is None:
            pub.markdown(f"Inget år har tillräckligt många svar (minst {rep.k}) för att visas, så någon förändring "
                         f"kan inte visas." + hidden)
            return
        pub.markdown(
            f"Organisationen har bara ett år med tillräckligt många svar ({rep.latest}), så någon förändring kan "
            "inte visas ännu. Nästa mätning ger en jämförelse." + hidden
        )
        return
    y0, y1 = rep.previous, rep.latest
    table = pd.DataFrame({
        "Princip": [_name(p) for p in ch["principle"]],
        f"{y0} (%)": [d.num(v, 1) for v in ch["previous_pct"]],
        f"{y1} (%)": [d.num(v, 1) for v in ch["latest_pct"]],
        "Förändring (p.e.)": [d.signed(v, 1) for v in ch["change_pct"]],
        "Nivå": [f"{_level_text(a)} → {_level_text(b)}" for a, b in zip(ch["previous_level"], ch["latest_level"])],
        "Nationell förändring (p.e.)": [d.signed(v, 1) for v in ch["reference_change_pct"]],
    })
    thr = rep.ctx.trend_threshold
    up = ch[ch["change_pct"] > thr]
    down = ch[ch["change_pct"] < -thr]
    lv_up = int((ch["latest_level"] > ch["previous_level"]).sum())
    lv_down = int((ch["latest_level"] < ch["previous_level"]).sum())
    total0 = rep.positions.loc[y0, "overall"]
    total1 = rep.positions.loc[y1, "overall"]
    pub.markdown(
        f"Föregående mätning med tillräckligt många svar var {y0}, den senaste {y1}. Den totala mognaden gick från "
        f"{d.pct(total0, 1)} till {d.pct(total1, 1)} ({d.signed(total1 - total0, 1)} procentenheter). "
        f"{d.plural(len(up), 'princip', 'principer')} ökade och {d.count(len(down))} minskade med mer än "
        f"{d.given(thr)} procentenheter; {d.plural(lv_up, 'princip', 'principer')} bytte till en högre nivå och "
        f"{d.count(lv_down)} till en lägre."
    )
    pub.table(table, "change", f"Förändring per princip {y0}–{y1}, organisationen och jämförelsen",
              csv=_csv(ch, rep.mark), align="lrrrrr")


def change_figure(rep: OrganisationReport, pub: d.Publisher) -> None:
    import matplotlib.pyplot as plt

    ch = rep.change
    if ch.empty:
        return
    style()
    y0, y1 = rep.previous, rep.latest
    ch = ch.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(ch) + 1.4))
    ypos = np.arange(len(ch))
    for i, r in ch.iterrows():
        colour = "#0072b2" if r["change_pct"] >= 0 else "#d55e00"
        ax.annotate("", xy=(r["latest_pct"], i), xytext=(r["previous_pct"], i),
                    arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.5})
    ax.scatter(ch["previous_pct"], ypos, s=14, color="#999999", label=str(y0), zorder=3)
    ax.scatter(ch["latest_pct"], ypos, s=18, color="#333333", label=str(y1), zorder=3)
    for c in instrument.load().scoring.cut_points:
        ax.axvline(c, color="#bbbbbb", lw=0.8, ls="--")
    ax.set_yticks(ypos, [_name(p) for p in ch["principle"]], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Värde (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)
    alt = (f"Pilar per princip från värdet {y0} till värdet {y1}; blå pil = ökning, orange = minskning; streckade "
           "linjer är nivågränserna. " + " ".join(
               f"{_name(r.principle)}: {d.pct(r.previous_pct)} till {d.pct(r.latest_pct)}." for r in ch.iloc[::-1].itertuples()))
    pub.figure(fig, "change", f"Förändring per princip {y0}–{y1}", alt)


# ------------------------------------------------------------------ quality
def careless_section(rep: OrganisationReport, pub: d.Publisher) -> None:
    pub.markdown(
        heading(rep.ctx, "Egen kvalitetskontroll") + "## Slarviga svar\n\n"
        "Varje svar bedöms av fem algoritmer (längsta rad av samma svar, variation inom personen, "
        "Mahalanobis-avstånd, jämn–udda-konsistens och psykometriska synonymer); ett svar räknas som slarvigt när "
        "minst tre av fem flaggar det. Rapporten kan också byggas utan dessa svar; bilagan om metod beskriver hur."
    )
    cs = rep.careless_share
    if cs.empty:
        pub.markdown("Inga svar att bedöma.")
        return
    flags = getattr(rep.ctx, "careless_all", None)
    na = ((flags.attrs.get("thresholds") or {}).get("not_computable") or {}) if flags is not None else {}
    if na:
        from dimios.words import COUNT_WORDS, INDEX_PROSE, why_sv

        names = d.join_sv(INDEX_PROSE[i] for i in na)
        pub.markdown(
            f"**{names[:1].upper() + names[1:]} kan inte beräknas på den här datafilen** "
            f"({'; '.join(why_sv(na[i]) for i in na)}), så bara {COUNT_WORDS[5 - len(na)]} algoritmer röstar; ett svar "
            "räknas ändå som slarvigt först när minst tre av dem flaggar det."
        )
    rows = []
    for r in cs.itertuples(index=False):
        rows.append({"År": str(r.year),
                     "Svar": rep.mark if r.suppressed else d.count(r.n_respondents),
                     "Slarviga": rep.mark if r.suppressed else d.count(r.n_careless),
                     "Andel (%)": rep.mark if r.suppressed else d.num(r.share_careless * 100, 1),
                     "Övriga organisationer (%)": d.num(r.reference_share_careless * 100, 1)})
    shown = cs[~cs["suppressed"]]
    if len(shown):
        total = shown["n_careless"].sum() / shown["n_respondents"].sum() * 100
        pub.markdown(f"Över de år som visas bedömdes {d.pct(total, 1)} av organisationens svar som slarviga."
                     + (f" Rapporten i övrigt är byggd utan dessa svar; {pub.ref('tbl', 'careless')} räknar alla svar."
                        if rep.ctx.exclude_careless else "")
                     + ("" if rep.reference.kind == "data" else
                        " (Den medföljande nationella referensen har inga uppgifter om slarviga svar.)"))
    pub.table(pd.DataFrame(rows), "careless", "Slarviga svar per år (minst tre av fem algoritmer)",
              csv=_csv(cs, rep.mark))


def knowledge_section(rep: OrganisationReport, pub: d.Publisher) -> None:
    import matplotlib.pyplot as plt

    pub.markdown(
        "## Kunskapsluckor per princip\n\n"
        f"Andel av respondenterna som svarade ”{instrument.load().scale.dont_know}” eller lämnade påståendet obesvarat. "
        "En hög andel visar var kunskapen om organisationens arbete är liten – ett underlag för dialog och "
        "information snarare än ett mått på mognad."
    )
    kn = rep.knowledge
    if kn.empty:
        pub.markdown(f"Inget år har minst {rep.k} svar.")
        return
    wide = kn.pivot(index="principle", columns="year", values="share_missing")
    ids = [p for p in instrument.load().principle_ids if p in wide.index]
    wide = wide.loc[ids]
    table = pd.DataFrame({"Princip": [_name(p) for p in ids]})
    for y in wide.columns:
        table[f"{y} (%)"] = [d.num(v * 100, 1) for v in wide[y]]
    y = rep.latest
    ref = kn[kn["year"] == y].set_index("principle")["reference_share_missing"].reindex(ids)
    if rep.reference.kind == "data":
        table[f"Övriga organisationer {y} (%)"] = [d.num(v * 100, 1) for v in ref]
    last = wide[y] * 100
    worst = last.nlargest(3)
    pub.markdown(
        f"År {y} var andelen störst för {d.join_sv(f'{_name(p)} ({d.pct(v, 1)})' for p, v in worst.items())}; "
        f"medel över principerna {d.pct(last.mean(), 1)}."
    )
    pub.table(table, "knowledge", "Andel ”vet ej” eller obesvarat per princip och år",
              csv=_csv(kn, rep.mark))
    style()
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(ids) + 1.2))
    ypos = np.arange(len(ids))
    ax.barh(ypos, last.to_numpy(), color="#56b4e9", label=rep.organisation)
    if rep.reference.kind == "data":
        ax.scatter(ref.to_numpy() * 100, ypos, marker="|", s=120, color="#333333", label="Övriga organisationer",
                   zorder=3)
        ax.legend(loc="lower right", frameon=False)
    ax.set_yticks(ypos, [_name(p) for p in ids], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Andel ”vet ej” eller obesvarat (%)")
    alt = (f"Liggande staplar med andelen ”vet ej” eller obesvarat per princip {y}. "
           + " ".join(f"{_name(p)}: {d.pct(v, 1)}." for p, v in last.items()))
    pub.figure(fig, "knowledge", f"Kunskapsluckor per princip {y}", alt)


# ------------------------------------------------------------------ method
def method(rep: OrganisationReport, pub: d.Publisher) -> None:
    inst = instrument.load()
    sc = inst.scoring
    lo, hi = inst.scale.min, inst.scale.max
    ref = rep.reference
    pub.markdown(
        heading(rep.ctx, "Metod, referens och integritet")
        + "## Beräkningar\n\n"
        f"- Varje påstående besvaras på en instämmandeskala {lo}–{hi} eller med ”{inst.scale.dont_know}”; ett svar "
        f"räknas om till procent som (svar − {lo}) / {hi - lo} × 100 (ett antagande, samlat i `dimios/instrument.yml`).\n"
        f"- Organisationens värde på en princip ett år är medelvärdet av respondenternas giltiga svar; det saknas om "
        f"färre än {sc.min_valid_answers} respondenter har svarat. Samma regel gäller verksamhetsområden.\n"
        f"- Mognadsnivå 1–4 bestäms av gränserna {d.join_sv(d.num(c) for c in sc.cut_points)} procent (också ett "
        "antagande i `dimios/instrument.yml`).\n"
        "- Dimensionernas och den totala mognadens värden är oviktade medel av principvärdena, så en dimension väger "
        "efter sitt antal principer; organisationstypen bestäms av "
        f"digital förmåga och digitalt arv delade vid {d.num(sc.quadrant_split)} procent. {ORGANISATION_TYPES_NOTE}\n"
        f"- Percentil: {ref.percentile_kind_sv}.\n"
        "- Förändring: skillnaden mellan de två senaste åren med tillräckligt många svar; en princip räknas som "
        f"ökad eller minskad när värdet förändras med mer än ±{d.given(rep.ctx.trend_threshold)} procentenheter"
        + (f" (parametern `trend_threshold`; instrumentets värde är {d.given(sc.trend_threshold)})"
           if rep.ctx.trend_threshold != sc.trend_threshold else "") + ".\n\n"
        "## Jämförelse\n\n"
        f"Jämförelsen i den här rapporten är {ref.label_sv}. {ref.reason_sv}"
        + ("\n\nDe medföljande siffrorna finns i `data/reference/published_spread_2020_2023.csv` (publicerad "
           "spridning) och `data/reference/national_means_synthetic.csv` (syntetiska medelvärden, framräknade med "
           "`dimios.organisation.write_national_means_synthetic()`). År utan medföljande siffror saknar jämförelse."
           if ref.kind == "shipped" else "")
        + "\n\n## Integritet\n\n"
        f"- Ingen grupp med färre än {rep.k} svar visas (parametern `privacy_threshold`): varken organisationens "
        f"egna år eller verksamhetsområden. Sådana celler ersätts med ”{rep.mark}”, i tabeller, CSV-filer och figurer."
        + (f" {rep.ctx.privacy_lowered_sv}" if rep.ctx.privacy_threshold_lowered else "") + "\n"
        "- Om bara en liten grupp döljs ett år döljs också de minsta övriga grupperna tills de dolda tillsammans har "
        f"minst {rep.k} svar, så att inget dolt värde kan räknas fram som skillnaden mot organisationens total.\n"
        "- Rapporten innehåller bara sammanställda värden: inga respondent-id:n och inga enskilda svar. Indata läses "
        "och bearbetas på den egna datorn; inget skickas någonstans."
    )


def reproducibility(rep: OrganisationReport, pub: d.Publisher) -> None:
    from dimios import sections

    secs = sections.sections("organisation")
    pub.markdown(
        "## Så byggs rapporten\n\n"
        f"Rapporten består av {len(secs)} avsnitt, var och ett en parametriserad anteckningsbok som körs med "
        "papermill och sätts ihop av Quarto (profilen `organisation`) eller nbconvert. Bredvid rapporten finns "
        "`provenance.json` (kontrollsumma för indata, parametrar och programversioner) och mappen `tables/` med "
        "varje tabell som CSV. Kommandot är\n\n"
        f"```\ndimios build --data FIL --organisation {rep.organisation}\n```\n\n"
        "Med tillägget `-P exclude_careless=true` byggs rapporten utan de svar som kvalitetskontrollen bedömer som "
        f"slarviga. {rep.ctx.mode_sv}\n\n"
        + colophon_sv()
    )
    rows = [{"Avsnitt": s.title, "Anteckningsbok": f"notebooks/{s.notebook}"} for s in secs]
    pub.table(pd.DataFrame(rows), "sections", "Rapportens avsnitt", align="ll")


# ------------------------------------------------------------------ the data
def data_appendix(rep: OrganisationReport, pub: d.Publisher) -> None:
    """Appendix "Om data": what the report is built on. On the synthetic default panel
    (``ReportData.default_panel``) it says that the panel is generated, what it is calibrated to and
    that none of its organisations is real (every chapter's marker points here); on other data it
    says what the build read."""
    from dimios import reconcile, synthetic

    ctx = rep.ctx
    r = ctx.responses
    own = rep.own_responses
    span = trends.years_sv(ctx.years)
    read = (f"{d.count(len(r))} svar från {d.plural(r['organisation_id'].nunique(), 'organisation', 'organisationer')} "
            f"{span}, varav {d.count(len(own))} från {rep.organisation} ({trends.years_sv(rep.years)})")
    if not ctx.default_panel:
        pub.markdown(
            heading(ctx, "Om data", "{#" + DATA_APPENDIX + "}")
            + f"Rapporten bygger på de svarsdata som angavs när den byggdes: {read}. Alla siffror i rapporten "
            "räknas fram ur dessa data (och, där jämförelsen är den medföljande, ur de siffror som följer med "
            "projektet; se bilagan om metod)."
        )
        return
    p = synthetic.params()
    cal = reconcile.panel_calibration(ctx)
    counts = reconcile.panel_per_year(ctx)
    minimal = counts.dropna(subset=["minimal"])
    at_minimum = int((minimal["organisations"] == minimal["minimal"]).sum())
    prefixes = d.join_sv(f"`{v}…`" for v in p["id_prefix"].values())
    calibrated = [f"{d.count(cal['cells_exact'])} av {d.count(cal['cells'])} celler i den publicerade "
                  "rapportens spridningstabeller återges exakt"]
    if cal["trend"] is not None:
        calibrated.append(f"{cal['trend_matches']} av {len(cal['trend'])} principer har den publicerade "
                          "trendklassen")
    if len(minimal):
        calibrated.append(f"{at_minimum} av {len(minimal)} år har just det minsta antal organisationer som kan ge "
                          "de publicerade andelarna")
    compared = ("De organisationer som organisationen jämförs med är de övriga i panelen, alltså lika syntetiska."
                if rep.reference.kind == "data" else
                "Jämförelsen är de siffror som följer med projektet; också deras medelvärden kommer ur panelen.")
    pub.markdown(
        heading(ctx, "Om data", "{#" + DATA_APPENDIX + "}")
        + "DiMiOS svarsdata på respondentnivå är inte offentliga. Den här rapporten är därför byggd på projektets "
        f"syntetiska panel: svar som ett program i projektet genererar (`dimios.synthetic`, frö {p['seed']}), så att "
        f"panelen blir densamma varje gång. Rapporten läste {read}.\n\n"
        f"- **Ingen organisation är verklig.** Organisationerna i panelen heter {prefixes} följt av ett nummer, och "
        f"{rep.organisation} är en av dem; svaren är dragna ur en statistisk modell, inte lämnade av någon. "
        f"{compared}\n"
        "- **Kalibrerad mot publicerade siffror.** Panelen är anpassad så att den återger den publicerade "
        f"rapportens andelar per mognadsnivå och trender: {d.join_sv(calibrated)}. Enskilda organisationers "
        "värden, verksamhetsområden och skillnader mellan dem är inte kalibrerade mot något publicerat.\n"
        "- **Vad siffrorna säger.** Rapporten visar hur en organisationsrapport ser ut och hur dess beräkningar "
        f"fungerar. Inget i den säger något om {rep.organisation} som verklig organisation eller om offentlig "
        "sektor. Byggs rapporten på egna data försvinner den här beskrivningen och markeringen under varje "
        "kapitelrubrik."
    )
