"""The general maturity ladder (section 2.1) and how organisations use DiMiOS."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import ladders, reference, trends
from dimios.chapters.common import LEVEL_COLOURS, ORGANISATION_TYPES_NOTE, heading, source_link, style
from dimios.context import ReportData


def introduction(pub: d.Publisher, ctx: ReportData | None = None) -> None:
    g = ladders.general()
    ax = g["axes"]
    pub.markdown(
        (heading(ctx, "Den generella mognadstrappan") if ctx is not None else "# Den generella mognadstrappan\n\n")
        + f"{g['intro']}\n\n"
        f"- **{ax['changeability']['name']}** – från *{ax['changeability']['low']}* till "
        f"*{ax['changeability']['high']}*. {ax['changeability']['description']}\n"
        f"- **{ax['scope']['name']}** – från *{ax['scope']['low']}* till *{ax['scope']['high']}*. "
        f"{ax['scope']['description']}\n\n"
        "Den publicerade rapporten stöder den andra axeln på tre sätt. Digitaliseringen ställer krav på samverkan "
        f"både mellan organisationer och med invånarna ({source_link('invanare')}). Forskning om kollektiv "
        "digitalisering visar att en styrning som riktas utåt ger tydliga vinster jämfört med en som bara ser till "
        f"den egna organisationen ({source_link('kollektiv')}). Och med initiativ som kommunernas gemensamma "
        f"handslag om digitalisering ({source_link('handslaget')}), en lång vana vid samverkan i kluster och "
        "samarbeten som eSam ser rapporten det som självklart att gå vidare mot en kollektiv digitalisering.\n"
    )


def ladder_figure(pub: d.Publisher) -> None:
    """The four levels as steps in the plane of changeability (x) and scope (y)."""
    import matplotlib.pyplot as plt

    style()
    g = ladders.general()
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    for i, lv in enumerate(g["levels"]):
        x0, y0 = i * 0.25, i * 0.25
        ax.add_patch(plt.Rectangle((x0, 0), 0.25, y0 + 0.25, color=LEVEL_COLOURS[i], alpha=0.85))
        ax.text(x0 + 0.125, y0 + 0.125, f"{lv['level']}\n{lv['title']}", ha="center", va="center", fontsize=8.5,
                color="white" if i in (0, 3) else "black", wrap=True)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xticks([0.02, 0.98], [g["axes"]["changeability"]["low"].split(" (")[0],
                                 g["axes"]["changeability"]["high"].split(" (")[0]])
    ax.set_yticks([0.02, 0.98], [g["axes"]["scope"]["low"].split(" (")[0], g["axes"]["scope"]["high"].split(" (")[0]])
    ax.set_xlabel(g["axes"]["changeability"]["name"] + " →")
    ax.set_ylabel(g["axes"]["scope"]["name"] + " →")
    ax.grid(False)
    alt = ("Trappa med fyra steg i ett diagram där x-axeln går från rigid till adaptiv styrning och y-axeln från "
           "intern/isolerad till extern/kollektiv. " + " ".join(f"Steg {lv['level']}: {lv['title']}." for lv in g["levels"]))
    pub.markdown(
        "Den publicerade rapporten visar den generella trappan bara som en figur: de två axlarna och stegen 1–4, "
        "utan namn eller beskrivningar. Att nivå 1 är rigid och intern och nivå 4 adaptiv och extern följer av "
        "axlarnas ändpunkter. Stegens namn, läsningen av nivå 2 och 3 som mellanlägen på båda axlarna och "
        f"trappfiguren nedan ({pub.ref('fig', 'general-ladder')}) är projektets egna."
    )
    pub.figure(fig, "general-ladder", "Den generella mognadstrappan: fyra steg från rigid och intern till adaptiv "
               "och extern styrning (projektets figur och stegnamn)", alt)
    rows = [{"Nivå": str(lv["level"]), "Steg": lv["title"], "Kännetecken": lv["description"].strip()} for lv in g["levels"]]
    pub.table(pd.DataFrame(rows), "general-levels", "Den generella mognadstrappans fyra nivåer (namn och "
              "beskrivningar är projektets läsning av den publicerade figuren)", align="lll")


def usage_levels(ctx: ReportData, pub: d.Publisher) -> None:
    """The four levels of using DiMiOS, and what measurement history says about them.

    Beyond the published report (which says the distribution is not yet known): an
    organisation measured in two or more consecutive years uses DiMiOS at least
    yearly (a necessary sign of usage level 3); one measured only once, or with gaps,
    uses it occasionally (level 2). Dialogue, action plans and integration in
    governance (levels 3-4) cannot be seen in survey data, so level 3 is an upper
    bound and level 4 is not estimated.
    """
    g = ladders.general()
    rows = [{"Nivå": str(u["level"]), "Användning": u["title"], "Beskrivning": u["description"].strip()}
            for u in g["usage_levels"]]
    pub.markdown("## Hur organisationer använder DiMiOS")
    pub.table(pd.DataFrame(rows), "usage-levels", "Fyra nivåer av användning av DiMiOS", align="lll")

    years = ctx.years
    hist = ctx.responses.groupby("organisation_id")["year"].apply(lambda s: sorted(set(int(y) for y in s)))
    consecutive = hist.apply(lambda ys: any(b - a == 1 for a, b in zip(ys, ys[1:])))
    once = hist.apply(len) == 1
    n = len(hist)
    level3 = int(consecutive.sum())
    share3 = level3 / n * 100
    table = pd.DataFrame({
        "Mätmönster": ["Mätt ett enda år", "Mätt flera år men aldrig två år i följd", "Mätt minst två år i följd"],
        "Trolig användningsnivå": ["2 (sporadisk)", "2 (sporadisk)", "3 (årlig) – övre gräns"],
        "Antal organisationer": [d.count(int(once.sum())), d.count(int((~once & ~consecutive).sum())), d.count(level3)],
        "Andel (%)": [d.num(once.mean() * 100), d.num((~once & ~consecutive).mean() * 100), d.num(share3)],
    })
    if ctx.default_panel:
        from dimios import synthetic

        illustration = (
            "**På den syntetiska panelen är tabellen bara en illustration av metoden.** Panelens mäthistorik är "
            "dragen av generatorn: en organisation som mätts ett år mäts igen nästa år med sannolikheten "
            f"{d.pct(synthetic.params()['stay_probability'] * 100)}, så långt årets antal organisationer räcker. "
            "Andelarna nedan visar därför hur beräkningen går till, inte hur organisationer använder DiMiOS, och "
            "frågan som den publicerade rapporten lämnar öppen förblir öppen. ")
        who = f"Av panelens {d.count(n)} organisationer ({trends.years_sv(years)}) hade "
    else:
        illustration = ""
        who = f"Av de {d.count(n)} organisationer som mätt {trends.years_sv(years)} hade "
    pub.markdown(
        "Den publicerade rapporten konstaterar att fördelningen över användningsnivåerna ännu inte är känd, och "
        "att forskningskonsortiet skulle analysera den under "
        f"{reference.facts()['usage_levels_analysis_year']}, för att stödja organisationernas arbete med "
        "förutsättningarna för digitalisering. "
        "Mäthistoriken kan ge en första, grov bild: en organisation som har mätt två år i följd använder "
        "verktyget minst årligen, medan en organisation som bara har mätt en gång, eller med uppehåll, använder "
        "det sporadiskt.\n\n" + illustration + who
        + f"{d.pct(once.mean() * 100)} mätt ett enda år och {d.pct((~once & ~consecutive).mean() * 100)} mätt med "
        f"uppehåll, alltså ett sporadiskt mönster (nivå 2), medan {d.pct(share3)} hade mätt minst två år i följd "
        "(årligt mönster, högst nivå 3). "
        "Enkätdata visar inte om resultaten följs av dialog, handlingsplaner eller integreras i styrningen, så "
        "andelen på nivå 3 är en övre gräns och nivå 4 går inte att skatta. Organisationer som började mäta det "
        "sista året kan ännu inte ha ett årligt mönster."
    )
    pub.table(table, "usage-history", ("Illustration av metoden på den syntetiska panelen: " if ctx.default_panel
                                       else "") + f"Organisationer efter mätmönster {trends.years_sv(years)}",
              align="llrr")


def quadrants(ctx: ReportData, pub: d.Publisher) -> None:
    g = ladders.general()
    pos = ctx.positions
    last = ctx.years[-1]
    cur = pos.xs(last, level="year")
    share = cur["quadrant"].value_counts(normalize=True) * 100
    rows = []
    for q in g["quadrants"]:
        rows.append({"Organisationstyp": q["name"], "Digital förmåga": q["formaga"], "Digitalt arv": q["arv"],
                     "Rekommendation": q["recommendation"].strip(),
                     f"Andel {last} (%)": d.num(share.get(q["id"], 0.0))})
    pub.markdown("## Fyra organisationstyper\n\nOrganisationens läge i planet av digital förmåga och digitalt arv "
                 f"ger fyra typer med var sin generell rekommendation. {ORGANISATION_TYPES_NOTE}")
    pub.table(pd.DataFrame(rows), "quadrants", f"Organisationstyper (rapportens egen indelning), rekommendationer och "
              f"andel organisationer {last}", align="lllll")
