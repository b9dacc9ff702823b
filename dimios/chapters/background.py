"""Background (published section 1) and how the ladders were developed (section 1.1).

The prose summarises the published report in the project's own words. Facts of the
report (years, names, titles, the number of interviews) come from
``data/reference/published_report.yml``; the model's structure from the instrument; the
ladders' size from ``data/ladders``; the years and counts of the data from the build.
"""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, ladders, reference, trends
from dimios.chapters.common import heading, number_sv, source_link, title
from dimios.context import ReportData


def _years(span) -> str:
    """A published span of years (first, last): '2020–2023', or one year as '2023'."""
    a, b = (int(y) for y in span)
    return trends.years_sv(range(a, b + 1))


MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")


def _date_sv(day) -> str:
    return f"{day.day} {MONTHS_SV[day.month - 1]} {day.year}"


def model_structure() -> pd.DataFrame:
    """One row per category: its dimension, number of principles and their names (instrument order)."""
    inst = instrument.load()
    rows = []
    for cat in inst.categories:
        ids = inst.principles_in(cat.id)
        rows.append({"dimension": inst.dimension(cat.dimension).name_sv, "category": cat.name_sv,
                     "n_principles": len(ids),
                     "principles": [inst.principle(p).name_sv for p in ids]})
    return pd.DataFrame(rows)


def ladder_size() -> dict:
    """How much the ladders hold: principles, levels per ladder, risks and recommendations in all."""
    inst = instrument.load()
    n_levels, n_risks, n_recs = set(), 0, 0
    for pid in inst.principle_ids:
        lad = ladders.load(pid)
        n_levels.add(len(lad["levels"]))
        for lv in lad["levels"]:
            n_risks += len(lv["risks"])
            n_recs += len(lv["recommendations"])
    if len(n_levels) != 1:
        raise ValueError(f"ladders with different numbers of levels: {sorted(n_levels)}")
    return {"ladders": len(inst.principle_ids), "levels": n_levels.pop(), "risks": n_risks,
            "recommendations": n_recs}


def ladder_contents() -> pd.DataFrame:
    """Per level of the principle ladders: risks and recommendations over all ladders (and per ladder)."""
    inst = instrument.load()
    rows = {}
    for pid in inst.principle_ids:
        for lv in ladders.load(pid)["levels"]:
            r = rows.setdefault(int(lv["level"]), {"level": int(lv["level"]), "risks": 0, "recommendations": 0})
            r["risks"] += len(lv["risks"])
            r["recommendations"] += len(lv["recommendations"])
    out = pd.DataFrame([rows[k] for k in sorted(rows)])
    n = len(inst.principle_ids)
    out["risks_per_ladder"] = out["risks"] / n
    out["recommendations_per_ladder"] = out["recommendations"] / n
    return out


def background(ctx: ReportData, pub: d.Publisher) -> None:
    f = reference.facts()
    h = f["history"]
    inst = instrument.load()
    structure = model_structure()
    n_dim, n_cat, n_pr = len(inst.dimensions), len(inst.categories), len(inst.principles)
    ref = h["model_reference"]
    deliveries = "\n".join(f"{i}. *{dl['title']}* (<{dl['url']}>)" for i, dl in enumerate(h["deliveries"], 1))
    dims = d.join_sv(
        f"{dim.name_sv.lower()} ({d.join_sv(c.name_sv.lower() for c in inst.categories if c.dimension == dim.id)}; "
        f"{len(inst.principles_in(dim.id))} principer)" for dim in inst.dimensions)
    pub.markdown(
        heading(ctx, "Bakgrund")
        + "DiMiOS, *Digital mognad i offentlig sektor*, är både en modell och ett enkätverktyg. Med det bedömer "
        "medarbetare i kommuner, regioner och myndigheter hur väl organisationens förutsättningar räcker för att "
        "ta vara på digitaliseringen. Digital mognad förstås här som organisationens förmåga att få nytta av "
        "digitalisering, och digitalisering som ett sätt att utveckla verksamheten med digitala lösningar, "
        "genom automatisering eller genom nya arbetssätt.\n\n"
        "## Modellens ursprung\n\n"
        f"Modellen går tillbaka på ett uppdrag från {h['commission']['by']} år {h['commission']['year']}. Kommuner, "
        "regioner och myndigheter skulle få ett forskningsbaserat stöd på vägen mot regeringens "
        "vision: Sverige ska vara bäst i världen på att använda digitaliseringens möjligheter. Forskare vid "
        f"{h['research']['by']} ledde arbetet {_years(h['research']['years'])}. Det gav "
        f"{number_sv(len(h['deliveries']))} rapporter:\n\n"
        f"{deliveries}\n\n"
        "Parallellt byggdes ett digitalt verktyg, så att modellen kunde spridas och användas i praktiken. Eftersom "
        "studierna visade att behovet fanns och att nyttan var stor lanserade "
        f"{h['tool']['by']} verktyget {h['tool']['year']}. År {h['scaling']['year']} inledde "
        f"{h['scaling']['by']} ett {h['scaling']['funding']}-finansierat projekt för att få fler kommuner och "
        f"regioner att använda verktyget, och år {h['forum']['year']} bildades {h['forum']['name']} "
        f"({source_link('kompetensforum', 'SKR om forumet')}), som sedan dess stöttar användningen på längre sikt. "
        + ("Enligt rapporten är Sverige därmed det enda land i världen som har ett centralt och gemensamt stöd av "
           "det här slaget, byggt på forskning och vetenskapligt prövat, för att skapa förutsättningar för "
           "ändamålsenlig digitalisering." if f.get("only_country_with_central_support") else "")
        + "\n\n"
        "## Modellens uppbyggnad\n\n"
        f"DiMiOS har {number_sv(n_dim)} dimensioner, {number_sv(n_cat)} kategorier och {number_sv(n_pr)} principer: "
        f"{dims}. Varje princip "
        "motsvaras av ett påstående i enkäten. Digital förmåga gäller organisationens förmåga att förstå "
        "digitala möjligheter, ta vara på dem och ställa om verksamheten efter dem; digitalt arv gäller om befintlig IT, kompetens och styrning "
        "gör digitala satsningar möjliga eller bromsar dem. En utförligare beskrivning av modellen finns i boken "
        f"*{ref['title']}* ({ref['authors']}, {ref['year']}, {ref['publisher']}).\n"
    )
    shown = structure.assign(principles=structure["principles"].map(", ".join))
    shown.columns = ["Dimension", "Kategori", "Antal principer", "Principer"]
    pub.table(shown, "model", f"DiMiOS: {n_dim} dimensioner, {n_cat} kategorier och {n_pr} principer",
              align="llrl", csv=structure.assign(principles=structure["principles"].map("; ".join)))


def value_and_scope(ctx: ReportData, pub: d.Publisher) -> None:
    f = reference.facts()
    rep = f["report"]
    pub.markdown(
        "## Värdet ligger i samtalet\n\n"
        "Forskarna utgick från början från att mätningen i sig skulle vara värdefull. Erfarenheterna från "
        "framför allt kommunernas och regionernas arbete pekar åt ett annat håll: det viktiga är det samtal som "
        "mätningen sätter i gång om vilka förutsättningar digitaliseringen kräver. Eftersom förutsättningarna "
        "skapas på många ställen i organisationen behöver samtalet också omfatta personer som tidigare inte har "
        "räknats till dem som arbetar med digitalisering. Det stämmer med nyare forskning, som ser digitalisering "
        "som en metod för att utveckla verksamheten snarare än som en teknisk fråga.\n\n"
        "Samtalet kan inte heller stanna vid ett enda tillfälle. En mätning är början på en fortlöpande dialog med "
        "dem som skapar förutsättningarna, inte en datainsamling som avslutas när rapporten är skriven. Hur långt "
        "en organisation har kommit i sin användning av verktyget beskrivs med fyra användningsnivåer i kapitlet "
        f"*{title('ladder')}*.\n\n"
        "## Ett rörligt mål\n\n"
        "De nationella mätningarna visar att förutsättningarna förändras långsamt och att det krävs stora insatser "
        "för att flytta dem. Svaren är dessutom bedömningar: när behovet av omställning växer höjer de svarande "
        "också sina krav, och ett oförändrat värde kan då dölja en verklig förbättring. Att skapa rätt "
        "förutsättningar är därför ett mål som flyttar sig medan man närmar sig det.\n\n"
        "## Den här rapporten\n\n"
        f"Rapporten som här återskapas, *{rep['title']}*, beställdes av {rep['commissioned_by']} och skrevs av "
        f"{rep['authors']}; den är daterad i {rep['place']} den {_date_sv(rep['date'])}. Beställningen kom sedan "
        f"SKR mot slutet av {f['sources']['skr_2023']['year']} hade skärpt sitt fokus på digitalisering, som "
        f"förbundet ser som nödvändig för att offentlig sektor ska klara sina utmaningar ({source_link('skr_2023')}). Tidigare gav "
        "verktyget generella "
        "rekommendationer utifrån en "
        "organisations sammanvägda mognad; rapporten kompletterar dem med en mognadstrappa för varje princip, med "
        "kännetecken, risker och rekommendationer för varje steg, och med spridningen av organisationerna över "
        "stegen.\n\n"
        "Den här versionen byggs från svarsdata: varje tabell, figur och siffra i texten räknas fram när rapporten "
        "byggs, och trapporna är återgivna med egna ord. Antaganden som den publicerade rapporten inte redovisar, "
        f"som svarsskalan och poängsättningen, finns samlade i bilagan *{title('method')}*, och bilagan "
        f"*{title('reconciliation')}* jämför resultaten med den publicerade rapportens tabeller.\n\n"
        + about_the_authors()
    )


def about_the_authors() -> str:
    """The published report's "Om" page: the research environment and the consortium behind it."""
    a = reference.facts()["about"]
    scdi, df = a["scdi"], a["consortium"]
    return (
        "## Om författarna\n\n"
        f"{scdi['name']} är ett samarbete mellan {d.join_sv(scdi['universities'])} med omkring "
        f"{d.count(scdi['researchers_about'])} forskare. Miljön beskriver sig som en av de "
        f"{number_sv(scdi['standing_among'])} starkaste i världen inom forskning om digital innovation och vill "
        "stärka den digitala förmågan i både näringsliv och offentlig sektor. "
        f"{df['name']} är ett strategiskt initiativ inom SCDI med omkring {d.count(df['researchers_about'])} "
        "forskare. Konsortiet forskar nära praktiken, med målet att bidra till att välfärden kan klara sina "
        "åtaganden, och inriktar sig på nya metoder för ändamålsenlig digitalisering."
    )


def reading_the_ladders(ctx: ReportData, pub: d.Publisher) -> None:
    """The caveat of published section 2.1: idealised ladders, general advice, accumulating risks."""
    size = ladder_size()
    inst = instrument.load()
    cuts = d.join_sv(d.num(c) for c in inst.scoring.cut_points)
    pub.markdown(
        "## Hur mognadstrapporna ska läsas\n\n"
        f"Rapporten innehåller {number_sv(size['ladders'])} principspecifika trappor med "
        f"{number_sv(size['levels'])} steg vardera, "
        f"sammanlagt {d.count(size['risks'])} risker och {d.count(size['recommendations'])} rekommendationer. De "
        "bygger på forskning och väger samman många organisationers erfarenheter. Därmed är de förenklade: "
        "verkligheten i en enskild organisation är mer sammansatt än ett trappsteg kan fånga.\n\n"
        "- **Beskrivningarna är vägledande.** Använd dem som utgångspunkt för att samtala om var den egna "
        "organisationen liknar eller skiljer sig från beskrivningen, inte som ett facit.\n"
        "- **Rekommendationerna är generella.** De behöver anpassas efter organisationens egna förutsättningar "
        "och sammanhang innan de blir till åtgärder.\n"
        "- **Riskerna ackumuleras.** En organisation som har nått ett högre steg kan fortfarande bära riskerna från "
        "stegen under, om de aldrig har hanterats. Den som står på steg 3 bör därför läsa riskerna för steg 1 och "
        "2 också.\n"
        "- **Ett steg är ett medelvärde.** En organisations steg på en princip bestäms av medelvärdet av dess "
        f"respondenters svar, med gränserna {cuts} procent. Gränserna är, liksom svarsskalan, ett antagande i "
        "den här rapporten: den publicerade rapporten anger inte var de går. Svaren kommer från olika delar av "
        "verksamheten, och "
        "skillnaderna inom organisationen kan vara större än skillnaderna mellan organisationer."
    )


def development(ctx: ReportData, pub: d.Publisher) -> None:
    """How the ladders were developed (published section 1.1), and what this build redoes."""
    f = reference.facts()
    m = f["method"]
    size = ladder_size()
    phases = m["phases"]
    years = ctx.years
    data_years = trends.years_phrase_sv(years) if years else "inga år"
    pub.markdown(
        heading(ctx, "Så togs mognadstrapporna fram")
        + f"Forskargruppen arbetade i {number_sv(len(phases))} faser och lät dessutom en grupp externa experter granska "
        "resultaten.\n\n"
        f"## Fas 1: {phases[0]}\n\n"
        "Underlaget var forskningslitteraturen och de omkring "
        f"{d.count(m['interviews_about'])} intervjuer med företrädare för offentlig sektor som "
        "forskningskonsortiet har samlat. En tematisk analys gav förslag på dimensioner. Förslagen prövades sedan "
        "mot de utskrivna intervjuerna: var dimensionerna användbara, och tillförde de något? Resultatet är den "
        "generella mognadstrappan med dess två axlar, styrningens föränderlighet och dess omfång.\n\n"
        f"## Fas 2: {phases[1]}\n\n"
        "Med den generella trappan som mall beskrevs sedan varje princip för sig: vad som kännetecknar de fyra "
        "stegen, vilka risker som hör till varje steg och vad organisationen kan göra för att ta sig vidare. "
        "Underlaget var en metaanalys av tidigare studier, främst konsortiets egna, där forskarna sökte mönster som "
        "återkom i hur organisationer agerar. Mönstren stämdes därefter av mot forskningslitteraturen. Resultatet "
        f"är de {number_sv(size['ladders'])} trapporna i den här rapporten ({pub.ref('tbl', 'ladder-contents')}).\n\n"
    )
    contents = ladder_contents()
    shown = pd.DataFrame({"Steg": contents["level"].astype(str), "Risker": contents["risks"],
                          "Rekommendationer": contents["recommendations"],
                          "Risker per trappa": [d.num(v, 1) for v in contents["risks_per_ladder"]],
                          "Rekommendationer per trappa": [d.num(v, 1) for v in contents["recommendations_per_ladder"]]})
    pub.table(shown, "ladder-contents", f"Risker och rekommendationer per steg i de {size['ladders']} "
              "principspecifika trapporna", csv=contents.round(6))
    pub.markdown(
        f"## Fas 3: {phases[2]}\n\n"
        "Den statistiska delen hade två delar. En spridningsanalys visade hur organisationerna fördelade sig "
        f"över de fyra stegen åren {_years(m['spread_years'])}, för att ge en bild av var tyngdpunkten i svensk "
        "offentlig sektor ligger. Med samma data prövades dessutom hur tillförlitligt och giltigt DiMiOS är som "
        "mätinstrument.\n\n"
        "## Expertgrupp\n\n"
        "Utöver forskargruppen har oberoende forskare och praktiker med fördjupad kunskap inom enskilda områden "
        "läst och kommenterat arbetet, för att kvalitetssäkra resultaten och fånga aspekter som annars kunde ha "
        f"missats. Bland dem fanns {d.join_sv(m['expert_group'])}. Ansvaret för innehållet, och för vilka "
        "synpunkter som togs in, ligger hos rapportens författare.\n\n"
        "## Vad den här versionen gör om\n\n"
        "Faserna 1 och 2 var kvalitativa och görs inte om här; deras resultat, trapporna, återges med egna ord. "
        "Fas 3 räknas däremot om från svarsdata varje gång rapporten byggs: spridningen per princip i kapitlen om "
        f"principerna och kvalitetsprövningen i kapitlet *{title('quality')}*, i den här versionen för "
        f"{data_years}. Skalan och poängsättningen är inte publicerade; de antaganden som görs i stället "
        f"redovisas i bilagan *{title('method')}*."
    )
