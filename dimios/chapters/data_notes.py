"""Appendix "Om data": what the report is built on.

On the synthetic default panel (``ReportData.default_panel``) the appendix
explains how the panel was made and where it falls short; every figure comes from
``dimios/synthetic.yml``, the published reference or the data. On other data it
describes the data the build read.
"""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, reconcile, reference, synthetic, trends
from dimios.chapters.common import DATA_APPENDIX, chapter_link, heading, title
from dimios.context import ReportData

CLASS_SV = {"negative": "negativ", "stable": "stabil", "positive": "positiv"}


def is_synthetic(responses: pd.DataFrame) -> bool:
    """Whether the data is the synthetic default panel (:func:`dimios.context.is_default_panel`)."""
    from dimios.context import is_default_panel

    return is_default_panel(responses)


def participation(responses: pd.DataFrame) -> pd.Series:
    """Number of organisations by the number of years they took part in (index 1..number of years)."""
    years = responses.groupby("organisation_id")["year"].nunique()
    n_years = responses["year"].nunique()
    return years.value_counts().reindex(range(1, n_years + 1), fill_value=0).rename("organisations")


def data_notes(ctx: ReportData, pub: d.Publisher) -> None:
    if ctx.default_panel:
        synthetic_panel(ctx, pub)
    else:
        own_data(ctx, pub)
    if ctx.single_type_sv:
        pub.callout(ctx.single_type_sv, title="En organisationstyp vissa år", kind="warning")


# ---------------------------------------------------------------- synthetic panel
def synthetic_panel(ctx: ReportData, pub: d.Publisher) -> None:
    p = synthetic.params()
    inst = instrument.load()
    rc, lat, cp = p["respondents"], p["latent"], p["careless"]
    targets = p["trend_targets"]
    careless_share = (cp["straightline"] + cp["random"] + cp["alternating"]) * 100
    counts = reconcile.panel_per_year(ctx)
    cal = reconcile.panel_calibration(ctx)
    pub.markdown(
        heading(ctx, "Om data", "{#" + DATA_APPENDIX + "}")
        + "DiMiOS svarsdata på respondentnivå är inte offentliga. För att rapporten ändå ska kunna byggas, prövas och "
        "granskas följer projektet med en syntetisk panel, skapad av ett program i projektet med ett fast frö, så "
        f"att den blir densamma varje gång ({chapter_link('method.ipynb', 'metodbilagan')} beskriver hur). "
        "Organisationerna heter "
        f"{d.join_sv(f'`{v}…`' for v in p['id_prefix'].values())} och respondenterna `SYN-år-nummer`, så att "
        "ursprunget syns i varje rad. När rapporten byggs på egna data ersätts den här bilagan av en "
        "beskrivning av de data som lästes."
    )

    pub.markdown(
        "## Så skapades panelen\n\n"
        "1. **Antal organisationer per år.** Den publicerade rapporten anger bara andelar, avrundade till hela "
        "procent. För varje år söktes det minsta antal organisationer som kan ge exakt de publicerade andelarna i "
        "alla principers tabeller samtidigt (med avrundning uppåt vid halva procent); panelen har just så många "
        f"organisationer med poäng varje år ({pub.ref('tbl', 'data-per-year')}).\n"
        "2. **Antal per steg.** För varje princip och år fördelades organisationerna på stegen med de heltal "
        "som ligger närmast de publicerade andelarna och avrundas till dem.\n"
        f"3. **Deltagande.** {d.count(p['organisations_total'])} organisationer delar på årens platser: varje år "
        "tas först in de nya organisationer som behövs för att nå det totala antalet, sedan fortsätter "
        f"organisationer från året före (sannolikhet {d.num(p['stay_probability'] * 100)} %) så långt platserna "
        f"räcker, och resten är organisationer som återkommer efter ett uppehåll. Organisationstypen dras med "
        "andelarna "
        + d.join_sv(f"{t} {d.pct(s * 100)}" for t, s in p["organisation_types"].items()) + ".\n"
        "4. **Organisationernas poäng.** Varje organisation har ett underliggande läge från en faktormodell med två "
        f"dimensioner, sex kategorier och {len(inst.principles)} principer, som följer med mellan åren "
        f"(korrelation {d.num(lat['organisation_persistence'], 2)}). Inom varje princip och år rangordnas "
        "organisationerna efter läget och placeras steg för steg i en normalfördelning som anpassats till de "
        f"publicerade andelarna, minst {d.num(p['cut_margin'], 2)} procentenheter från stegens gränser.\n"
        "5. **Trender.** Normalfördelningens medelvärde förskjuts, med antalen per steg oförändrade, tills det "
        f"nationella medelvärdet förändras med {d.signed(targets['negative'])}, {d.signed(targets['stable'])} "
        f"eller {d.signed(targets['positive'])} procentenheter från första till sista året för principer som den "
        "publicerade rapporten klassar som negativa, stabila respektive positiva.\n"
        f"6. **Respondenter.** {rc['min']}–{rc['max']} per organisation och år (log-normalfördelat, regioner "
        f"större), {d.pct(rc['involved_share'] * 100)} involverade i digitaliseringsarbete. Svaren är "
        "organisationens poäng plus en avvikelse från samma faktormodell (standardavvikelse "
        f"{d.num(lat['within_sd'], 1)} skalsteg) och effekter av involvering och verksamhetsområde, avrundade till "
        f"skalan. Av respondenterna har {d.pct(p['dont_know']['share_with_gaps'] * 100)} benägenhet att svara "
        f"{d.quote(inst.scale.dont_know)}. Omkring {d.pct(careless_share)} slarviga respondenter planteras, högst "
        f"{d.pct(cp['max_share_per_organisation'] * 100)} av en organisations respondenter ett visst år.\n"
        "7. **Justering.** Till sist flyttas noggranna respondenters svar ett skalsteg i taget, slumpvis, tills "
        "varje organisations medelvärde ligger på dess målvärde så nära som antalet svar tillåter. Därmed hamnar "
        "varje organisation på exakt det steg den skulle ha."
    )
    shown = pd.DataFrame({
        "År": counts["year"].astype(str),
        "Minsta möjliga antal organisationer": [d.count(v) if v else "–" for v in counts["minimal"]],
        "Organisationer med poäng i panelen": [d.count(v) for v in counts["organisations"]],
        "Respondenter": [d.count(v) for v in counts["respondents"]],
    })
    pub.table(shown, "data-per-year", "Syntetiska panelen: organisationer och respondenter per år, jämfört med "
              "det minsta antal organisationer som ger de publicerade andelarna", align="lrrr", csv=counts)

    tables = reference.published_spread()["table"]
    rows = [
        (f"Spridningstabellernas celler (Tabell {tables.iloc[0]}–{tables.iloc[-1]})", "exakt lika",
         f"{d.count(cal['cells_exact'])} av {d.count(cal['cells'])} lika"),
        ("Trendklass per princip (avsnitt 2.4)", "samma klass",
         "kan inte jämföras (publicerade år saknas)" if cal["trend"] is None else
         f"{cal['trend_matches']} av {len(cal['trend'])} i publicerad klass"),
        ("Organisationer (avsnitt 2.4)", f"fler än {d.count(cal['published_organisations'])}",
         f"{d.count(cal['organisations'])} ({trends.years_sv(ctx.years)})"),
        ("Respondenter (avsnitt 2.4)", f"fler än {d.count(cal['published_respondents'])}",
         f"{d.count(cal['respondents'])} ({trends.years_sv(ctx.years)})"),
    ]
    pub.markdown(f"## Vad panelen återger\n\n{pub.ref('tbl', 'data-calibration', capital=True)} visar de publicerade "
                 "uppgifter panelen är kalibrerad mot och "
                 "hur väl den träffar dem. Reliabilitet, faktorstruktur och validitet prövas i kapitlet om "
                 "kvalitetskontroll, och varje cell jämförs med den publicerade i bilagan "
                 f"*{title('reconciliation')}*.")
    pub.table(pd.DataFrame(rows, columns=["Publicerad uppgift", "Mål", "Panelen"]), "data-calibration",
              "Syntetiska panelen mot de publicerade uppgifterna", align="lll")

    shortcomings(ctx, pub, counts, cal)


def shortcomings(ctx: ReportData, pub: d.Publisher, counts: pd.DataFrame, cal: dict) -> None:
    p = synthetic.params()
    inst = instrument.load()
    first_year = int(counts["year"].iloc[0])
    n_first = int(counts["organisations"].iloc[0])
    part = participation(ctx.responses)
    n_years = len(part)
    items = []
    if n_first:
        items.append(
            f"**Få organisationer per år.** Med de minsta möjliga antalen motsvarar en enda organisation "
            f"{d.num(100 / n_first, 1)} procentenheter år {first_year}. Hur många organisationer som faktiskt ligger "
            "bakom de publicerade tabellerna är okänt, och i verkliga data varierar antalet med poäng mellan "
            "principerna (organisationer med för få giltiga svar på en princip saknar poäng där). I panelen är "
            "antalet detsamma för alla principer ett visst år.")
    items.append(
        f"**Deltagandet är glest.** För att nå över {d.count(cal['published_organisations'])} organisationer "
        f"med de minsta årliga antalen deltar de flesta bara enstaka år: "
        + d.join_sv(f"{d.plural(n, 'organisation', 'organisationer')} {_years_sv(k, n_years)}"
                    for k, n in part.items() if n)
        + ". Den publicerade rapportens totaler gäller alla år verktyget har använts, inte bara åren i "
        "tabellerna, så verkliga organisationer deltar sannolikt mer regelbundet. Förändringar för enskilda "
        "organisationer mellan åren och avstånden mellan dem i planet av förmåga och arv är rimliga men inte "
        "kalibrerade mot något publicerat.")
    targets = p["trend_targets"]
    tc = cal["trend"]
    if tc is not None:
        by_class = []
        for cls in ("negative", "stable", "positive"):
            ch = tc.loc[tc["published"] == cls, "change"].dropna()
            if len(ch):
                by_class.append(f"{CLASS_SV[cls]}a {d.signed(ch.min())} till {d.signed(ch.max())}")
        items.append(
            "**Trenderna är konstruerade.** Förändringarna är styrda mot "
            f"{d.signed(targets['negative'])}, {d.signed(targets['stable'])} och {d.signed(targets['positive'])} "
            "procentenheter, en bit innanför klassgränserna, och hamnar därför nära dem: "
            + d.join_sv(by_class) + " procentenheter. Verkliga förändringar är knappast så jämna.")
    items.append(
        "**Justeringen styr organisationernas medelvärden.** Svaren flyttas i efterhand så att varje organisation "
        "hamnar på sitt steg. Fördelningen av svar inom en organisation är därför delvis konstgjord, och "
        "kvalitetsmåtten (reliabilitet, faktorstruktur) beskriver den modell panelen skapades med, inte DiMiOS.")
    same = reference.identical_tables()
    if same:
        names = {f"{p.table}.1": p for p in inst.principles}
        groups = []
        for tables in same:
            members = [names[t] for t in tables if t in names]
            classes = {reference.trend_class(m.id) for m in members}
            verdict = ("men olika publicerade trendklasser ("
                       + d.join_sv(f"{m.name_sv} {CLASS_SV[reference.trend_class(m.id)]}" for m in members) + ")"
                       if len(classes) > 1 else "och samma publicerade trendklass")
            groups.append(f"Den publicerade rapportens tabell {d.join_sv(tables)} ({d.join_sv(m.name_sv for m in members)}) "
                          f"är lika i varje "
                          f"cell {verdict}")
        items.append(
            "**Identiska publicerade tabeller.** " + "; ".join(groups) + ". Panelen återger båda, men eftersom "
            "andelarna per steg är desamma kan skillnaden i trend bara ligga i var organisationerna befinner sig "
            "inom stegen. Det kan tyda på att en av tabellerna har kopierats fel i den publicerade rapporten.")
    inferred = reference.inferred_rows()
    if len(inferred):
        rows = d.join_sv(f"tabell {t} år {y}" for t, y in inferred[["table", "year"]].itertuples(index=False))
        items.append(
            f"**Tolkade kolumner.** I textversionen av den publicerade rapporten har {rows} tappat sina "
            "kolumnplaceringar: raden visar två tal utan att det framgår vilka steg de hör till. Projektet läser "
            "dem som steg 2 och 3 (anteckningen i `data/reference/published_spread_2020_2023.csv`), och panelen är "
            "kalibrerad mot den tolkningen.")
    pub.markdown("## Var panelen brister\n\n" + "\n".join(f"- {item}" for item in items))


def _years_sv(k: int, n_years: int) -> str:
    if k == n_years:
        return "alla år"
    return {1: "ett år", 2: "två år", 3: "tre år"}.get(k, f"{k} år")


# ---------------------------------------------------------------- other data
def own_data(ctx: ReportData, pub: d.Publisher) -> None:
    years = ctx.years
    r = ctx.responses
    types = list(r["organisation_type"].cat.categories) if hasattr(r["organisation_type"], "cat") else \
        sorted(r["organisation_type"].dropna().unique())
    org_type = r.drop_duplicates(["organisation_id", "year"]).groupby(["year", "organisation_type"], observed=False) \
        .size().unstack(fill_value=0).reindex(index=years, columns=types, fill_value=0)
    resp = ctx.respondents_per_year().reindex(years, fill_value=0)
    orgs = ctx.organisations_per_year().reindex(years, fill_value=0)
    scored = ctx.org_scores.groupby(level="year").size().reindex(years, fill_value=0)
    part = participation(r)
    n_years = len(part)
    table = pd.DataFrame({"År": [str(y) for y in years],
                          "Organisationer": [d.count(v) for v in orgs],
                          **{t.capitalize(): [d.count(v) for v in org_type[t]] for t in types},
                          "Organisationer med poäng": [d.count(v) for v in scored],
                          "Respondenter": [d.count(v) for v in resp]})
    csv = pd.DataFrame({"year": years, "organisations": orgs.to_numpy(),
                        **{t: org_type[t].to_numpy() for t in types},
                        "organisations_with_score": scored.to_numpy(), "respondents": resp.to_numpy()})
    span = trends.years_sv(years)
    pub.markdown(
        heading(ctx, "Om data", "{#" + DATA_APPENDIX + "}")
        + f"Rapporten bygger på de svarsdata som angavs när den byggdes: {d.count(len(r))} svar från "
        f"{d.count(r['organisation_id'].nunique())} organisationer {span}. Uppgifterna nedan räknas fram ur "
        "dessa data. En organisation har poäng på en princip ett visst år när minst "
        f"{instrument.load().scoring.min_valid_answers} respondenter har svarat på den. Hur resultaten förhåller "
        f"sig till den publicerade rapporten visas i bilagan *{title('reconciliation')}*.\n\n"
        "Så många år har organisationerna deltagit: "
        + d.join_sv(f"{d.plural(n, 'organisation', 'organisationer')} {_years_sv(k, n_years)}"
                    for k, n in part.items() if n) + "."
    )
    pub.table(table, "data-per-year", f"Organisationer per typ och respondenter per år {span}",
              align="l" + "r" * (table.shape[1] - 1), csv=csv)
    hidden = int((ctx.org_scores["n_respondents"] < ctx.privacy_threshold).sum())
    pub.markdown(
        f"Organisationsår med färre än {ctx.privacy_threshold} respondenter ingår i de nationella andelarna och "
        f"medelvärdena men visas aldrig var för sig; i dessa data gäller det {d.count(hidden)} organisationsår.")
