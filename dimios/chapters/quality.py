"""Quality control of the instrument (section 2.5). Statistics live in dimios.quality."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.context import ReportData


def careless_section(ctx: ReportData, pub: d.Publisher) -> None:
    from dimios.quality import careless

    flags = ctx.careless
    share = careless.careless_share_by(ctx.responses, flags, by="year")
    pub.markdown("# Kvalitetskontroll av DiMiOS\n\n## Slarviga svar")
    total = flags["careless"].mean() * 100
    pub.markdown(
        "Fem algoritmer bedömer varje svar (längsta rad av samma svar, variation inom personen, Mahalanobis-avstånd, "
        "jämn–udda-konsistens och psykometriska synonymer). Ett svar räknas som slarvigt när minst tre av fem "
        f"flaggar det. Totalt bedömdes {d.pct(total, 1)} av svaren som slarviga."
        + (" Rapporten är byggd utan dessa svar, så andelen nedan avser de kvarvarande." if ctx.exclude_careless else "")
    )
    table = pd.DataFrame({"År": share["year"].astype(str), "Svar": [d.count(v) for v in share["n"]],
                          "Slarviga": [d.count(v) for v in share["n_careless"]],
                          "Andel (%)": [d.num(v * 100, 1) for v in share["share_careless"]]})
    pub.table(table, "careless", "Slarviga svar per år (minst tre av fem algoritmer)", csv=share.round(6))


def reliability_section(ctx: ReportData, pub: d.Publisher) -> None:
    from dimios.quality import reliability

    inst = instrument.load()
    items = ctx.responses[list(inst.principle_ids)]
    groups = {"instrument": list(inst.principle_ids), **inst.dimension_items(), **inst.category_items()}
    rows = []
    for gid, cols in groups.items():
        a = reliability.cronbach_alpha(items[cols])
        rows.append({"group": gid, "alpha": a["alpha"], "ci_low": a["ci_low"], "ci_high": a["ci_high"], "n": a["n"]})
    res = pd.DataFrame(rows)
    names = {"instrument": "Hela instrumentet"}
    table = pd.DataFrame({
        "Grupp": [names.get(g) or inst.name_sv(g) for g in res["group"]],
        "Cronbachs alfa": [d.num(v, 3) for v in res["alpha"]],
        "95 % KI": [f"{d.num(lo, 3)}–{d.num(hi, 3)}" for lo, hi in zip(res["ci_low"], res["ci_high"])],
        "n": [d.count(v) for v in res["n"]],
    })
    overall = res.set_index("group")["alpha"]
    dims_ok = all(overall[dim.id] > 0.9 for dim in inst.dimensions)
    pub.markdown(
        "## Reliabilitet\n\n"
        f"Cronbachs alfa för hela instrumentet är {d.num(overall['instrument'], 3)}"
        + (" och över 0,9 för båda dimensionerna, i linje med den publicerade rapporten." if dims_ok and overall["instrument"] > 0.9
           else "; **minst ett värde ligger under den publicerade nivån 0,9.**")
    )
    pub.table(table, "alpha", "Cronbachs alfa med 95 % konfidensintervall (fullständiga svar)", csv=res.round(6))
