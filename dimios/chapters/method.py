"""Appendix: method and reproducibility, stated from the instrument and the build parameters."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, sections
from dimios.context import ReportData


def method(ctx: ReportData, pub: d.Publisher) -> None:
    inst = instrument.load()
    sc = inst.scoring
    lo, hi = inst.scale.min, inst.scale.max
    cuts = sc.cut_points
    pub.markdown(
        "# Metod och reproducerbarhet\n\n"
        "## Skala och poängsättning\n\n"
        "Skalan och poängsättningen är inte publicerade i den ursprungliga rapporten. Den här rapporten bygger på "
        "följande antaganden, som alla är samlade i en konfigurationsfil (`dimios/instrument.yml`):\n\n"
        f"- Varje påstående besvaras på en instämmandeskala {lo}–{hi} eller med ”{inst.scale.dont_know}”.\n"
        f"- Ett svar räknas om till procent som (svar − {lo}) / {hi - lo} × 100.\n"
        f"- En organisations värde på en princip är medelvärdet av dess respondenters giltiga svar; värdet saknas "
        f"om färre än {sc.min_valid_answers} respondenter har svarat.\n"
        f"- Mognadsnivå 1–4 bestäms av gränserna {d.join_sv(d.num(c) for c in cuts)} procent; ett värde exakt på "
        "en gräns hör till den högre nivån.\n"
        f"- Spridningstabellernas andelar avrundas uppåt vid exakt halva procent (som i den publicerade rapporten).\n"
        f"- En princip klassas som negativ eller positiv när medelvärdet förändras med mer än "
        f"{d.num(sc.trend_threshold)} procentenheter mellan första och sista året, annars som stabil.\n"
        f"- Organisationstyp (kvadrant) bestäms av digital förmåga och digitalt arv, delade vid {d.num(sc.quadrant_split)} procent.\n"
        f"- Ingen grupp med färre än {ctx.privacy_threshold} respondenter visas.\n"
    )
    rows = [{"Nr": p.table, "Princip": p.name_sv, "Dimension": inst.dimension(p.dimension).name_sv,
             "Kategori": inst.category(p.category).name_sv} for p in inst.principles]
    pub.table(pd.DataFrame(rows), "instrument", "DiMiOS: 26 principer i sex kategorier och två dimensioner",
              align="rlll")


def reproducibility(ctx: ReportData, pub: d.Publisher) -> None:
    secs = sections.sections()
    pub.markdown(
        "## Så byggs rapporten\n\n"
        f"Rapporten består av {len(secs)} avsnitt. Varje avsnitt är en parametriserad Jupyter-anteckningsbok som "
        "körs med papermill; Quarto (eller, där Quarto saknas, nbconvert) sätter ihop de körda anteckningsböckerna "
        "till rapporten. Samma data och parametrar ger samma tabeller byte för byte. Bredvid rapporten finns "
        "`provenance.json` med kontrollsumma för indata, parametrarna för varje avsnitt, programversioner och "
        "git-version, och i mappen `tables/` varje tabell som CSV.\n\n"
        "Kommandot `make report` bygger rapporten på standarddata; `dimios build --data FIL` bygger den på egna data."
    )
