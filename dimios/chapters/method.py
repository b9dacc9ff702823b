"""Appendix: method and reproducibility, stated from the instrument and the build parameters."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, scoring, sections, synthetic, trends
from dimios.chapters.common import ORGANISATION_TYPES_NOTE, colophon_sv, heading
from dimios.context import ReportData


def method(ctx: ReportData, pub: d.Publisher) -> None:
    inst = instrument.load()
    sc = inst.scoring
    lo, hi = inst.scale.min, inst.scale.max
    cuts = sc.cut_points
    trend_note = (f" (parametern `trend_threshold`; instrumentets värde är {d.given(sc.trend_threshold)})"
                  if ctx.trend_threshold != sc.trend_threshold else "")
    privacy_note = f" {ctx.privacy_lowered_sv}" if ctx.privacy_threshold_lowered else ""
    pub.markdown(
        heading(ctx, "Metod och reproducerbarhet")
        + "## Skala och poängsättning\n\n"
        "Skalan och poängsättningen är inte publicerade i den ursprungliga rapporten. Den här rapporten bygger på "
        "följande antaganden, som alla är samlade i en konfigurationsfil (`dimios/instrument.yml`):\n\n"
        f"- Varje påstående besvaras på en instämmandeskala {lo}–{hi} eller med ”{inst.scale.dont_know}”.\n"
        f"- Ett svar räknas om till procent som (svar − {lo}) / {hi - lo} × 100.\n"
        f"- En organisations poäng på en princip är medelvärdet av dess respondenters giltiga svar; poängen saknas "
        f"om färre än {sc.min_valid_answers} respondenter har svarat.\n"
        f"- Mognadsnivå 1–4 bestäms av gränserna {d.join_sv(d.num(c) for c in cuts)} procent; en poäng exakt på "
        "en gräns hör till den högre nivån. Gränserna är ett arbetsantagande: den publicerade rapporten anger "
        "nivåerna men inte var de går.\n"
        f"- Spridningstabellernas andelar avrundas uppåt vid exakt halva procent (som i den publicerade rapporten).\n"
        f"- En princip klassas som negativ eller positiv när medelvärdet förändras med mer än "
        f"{d.given(ctx.trend_threshold)} procentenheter mellan första och sista året, annars som stabil{trend_note}.\n"
        f"- Organisationstyp (kvadrant) bestäms av digital förmåga och digitalt arv, delade vid {d.num(sc.quadrant_split)} "
        "procent. Indelningen är rapportens egen (se nedan).\n"
        f"- Ingen grupp med färre än {ctx.privacy_threshold} respondenter visas.{privacy_note}\n"
    )
    rows = [{"Nr": p.table, "Princip": p.name_sv, "Dimension": inst.dimension(p.dimension).name_sv,
             "Kategori": inst.category(p.category).name_sv} for p in inst.principles]
    pub.table(pd.DataFrame(rows), "instrument", "DiMiOS: 26 principer i sex kategorier och två dimensioner",
              align="rlll")


def aggregation_weights() -> pd.DataFrame:
    """Each category and dimension: its principles, and its weight within its dimension and in total maturity.

    Dimension and overall scores are unweighted means of principle scores, so a group weighs
    by its number of principles (``scoring.group_scores``)."""
    inst = instrument.load()
    n_all = len(inst.principles)
    rows = []
    for dim in inst.dimensions:
        n_dim = len(inst.principles_in(dim.id))
        rows.append({"level": "dimension", "id": dim.id, "name": dim.name_sv, "dimension": dim.name_sv,
                     "n_principles": n_dim, "weight_in_dimension": 1.0, "weight_in_overall": n_dim / n_all})
        for cat in inst.categories:
            if cat.dimension == dim.id:
                n_cat = len(inst.principles_in(cat.id))
                rows.append({"level": "category", "id": cat.id, "name": cat.name_sv, "dimension": dim.name_sv,
                             "n_principles": n_cat, "weight_in_dimension": n_cat / n_dim,
                             "weight_in_overall": n_cat / n_all})
    return pd.DataFrame(rows)


def aggregation(ctx: ReportData, pub: d.Publisher) -> None:
    """How category, dimension and overall scores are formed, and what that weighting means."""
    inst = instrument.load()
    w = aggregation_weights()
    n_all = len(inst.principles)
    dims = w[w["level"] == "dimension"]
    weights = d.join_sv(f"{r.name.lower()} {r.n_principles}/{n_all} ({d.pct(r.weight_in_overall * 100)})"
                        for r in dims.itertuples())
    means = trends.dimension_means(ctx.org_scores)
    last = ctx.years[-1]
    dim_ids = [dim.id for dim in inst.dimensions]
    overall = float(means.loc[last, "overall"])
    # the national mean of each organisation's equally weighted dimension mean
    groups = scoring.group_scores(ctx.org_scores).xs(last, level="year")
    equal_org = float(groups[dim_ids].mean(axis=1).mean())
    pub.markdown(
        "## Sammanvägning till kategorier, dimensioner och total mognad\n\n"
        "Inte heller sammanvägningen är publicerad. Rapporten gör så här:\n\n"
        "- En organisations poäng på en **kategori** är det oviktade medelvärdet av dess princippoäng i "
        "kategorin.\n"
        "- Poängen på en **dimension** är det oviktade medelvärdet av princippoängen i dimensionen, inte "
        "medelvärdet av kategoripoängen. En kategori väger därför efter sitt antal principer.\n"
        f"- **Total mognad** är det oviktade medelvärdet av alla {n_all} princippoäng. Dimensionerna väger "
        f"alltså efter sina antal principer: {weights}.\n"
        "- Saknar en organisation poäng på en princip (för få svar) tas medelvärdet över de principer som har "
        "poäng.\n"
        "- I nationella medelvärden väger varje organisation lika, oavsett hur många som svarat i den.\n\n"
        f"Med lika vikt för de två dimensionerna hade den nationella totala mognaden år {last} varit "
        f"{d.pct(equal_org, 1)} i stället för {d.pct(overall, 1)}."
    )
    shown = pd.DataFrame({
        "Grupp": [("" if r.level == "dimension" else "– ") + r.name for r in w.itertuples()],
        "Nivå": ["dimension" if lv == "dimension" else "kategori" for lv in w["level"]],
        "Principer": w["n_principles"],
        "Vikt i dimensionen": [d.pct(v * 100) for v in w["weight_in_dimension"]],
        "Vikt i total mognad": [d.pct(v * 100, 1) for v in w["weight_in_overall"]],
    })
    pub.table(shown, "aggregation", "Kategoriernas och dimensionernas vikt när princippoängen vägs samman",
              align="llrrr", csv=w)


def organisation_types(ctx: ReportData, pub: d.Publisher) -> None:
    """The quadrant types: how they are formed, and that they are the project's own."""
    inst = instrument.load()
    split = d.pct(inst.scoring.quadrant_split)
    pub.markdown(
        "## Organisationstyperna är rapportens egna\n\n"
        f"{ORGANISATION_TYPES_NOTE} En organisation räknas till en typ efter sin poäng på digital förmåga och "
        f"digitalt arv, där båda axlarna delas vid {split}: "
        + d.join_sv(f"*{q.name_sv}* (förmåga {'minst' if q.formaga == 'high' else 'under'} {split}, arv "
                    f"{'minst' if q.arv == 'high' else 'under'} {split})" for q in inst.quadrants)
        + ". Gränsen är ett antagande lika mycket som namnen, och en organisation nära gränsen kan byta typ av "
        "små förändringar."
    )


def reproducibility(ctx: ReportData, pub: d.Publisher) -> None:
    secs = sections.sections()
    pub.markdown(
        "## Så byggs rapporten\n\n"
        f"Rapporten består av {len(secs)} avsnitt. Varje avsnitt är en parametriserad Jupyter-anteckningsbok som "
        "körs med papermill; Quarto (eller, där Quarto saknas, nbconvert) sätter ihop de körda anteckningsböckerna "
        "till rapporten. Samma data och parametrar ger samma tabeller byte för byte. Bredvid rapporten finns "
        "`provenance.json` med kontrollsumma för indata, parametrarna för varje avsnitt, programversioner och "
        "git-version, och i mappen `tables/` varje tabell som CSV.\n\n"
        "Kommandot `make report` bygger rapporten på standarddata; `dimios build --data FIL` bygger den på egna data. "
        "Med `dimios build -P exclude_careless=true` byggs den utan de svar som kvalitetskontrollen bedömer som "
        f"slarviga. Den syntetiska panelen skapas med `dimios synth` (frö {synthetic.params()['seed']}); alla dess "
        "parametrar och mål står i `dimios/synthetic.yml`.\n\n"
        + colophon_sv()
    )
