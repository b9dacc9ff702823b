"""Known-groups validity: involved vs not involved respondents per dimension."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.chapters.quality.common import CLAIMS, _agrees, _ci, _effect_label, _f, _name, _p, _round, _single_thread, _verdict
from dimios.chapters.quality.reasons import _na_paragraph, why_sv
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable


@_single_thread
def validity_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Involved vs not involved per dimension: means, difference, Hedges' g, Welch test."""
    from dimios.quality import validity

    inst = instrument.load()
    kg = validity.known_groups(ctx.responses, inst.dimension_items(), group="involved",
                               scale_min=inst.scale.min, scale_max=inst.scale.max)
    kg = kg.set_index("dimension")
    try:  # every group of every dimension needs k (privacy threshold) respondents with a score
        for g in kg.index:
            feasibility.check_groups({f"involverade ({_name(g).lower()})": int(kg.loc[g, "n_true"]),
                                      f"ej involverade ({_name(g).lower()})": int(kg.loc[g, "n_false"])},
                                     min_n=ctx.privacy_threshold)
    except NotComputable as reason:
        pub.markdown(
            "## Validitet: kända grupper\n\n"
            "Om instrumentet mäter det avsedda bör respondenter som själva arbetar med digitalisering bedöma "
            "organisationen annorlunda än respondenter som främst använder digital teknik. "
            + _na_paragraph("Jämförelsen", reason)
        )
        return {"table": None, "apart": {}, "not_computable": reason.as_dict(),
                "verdicts": [_verdict(CLAIMS["known_groups"], why_sv(reason), "na")]}
    apart = {g: bool(kg.loc[g, "p_welch"] < 0.05 and (kg.loc[g, "g_ci_low"] > 0 or kg.loc[g, "g_ci_high"] < 0))
             for g in kg.index}
    table = pd.DataFrame({
        "Dimension": [_name(g) for g in kg.index],
        "Involverade: n": [d.count(v) for v in kg["n_true"]],
        "Involverade: medel (%)": [d.num(v, 1) for v in kg["mean_true"]],
        "Ej involverade: n": [d.count(v) for v in kg["n_false"]],
        "Ej involverade: medel (%)": [d.num(v, 1) for v in kg["mean_false"]],
        "Skillnad (procentenheter)": [d.signed(v, 1) for v in kg["difference"]],
        "Hedges g [95 % KI]": [f"{_f(r.hedges_g, 2)} {_ci(r.g_ci_low, r.g_ci_high, 2)}" for r in kg.itertuples()],
        "Welch t (df)": [f"{d.num(r.t_welch, 1)} ({d.num(r.df_welch, 0)})" for r in kg.itertuples()],
        "p": [_p(v) for v in kg["p_welch"]],
    })
    parts = []
    for g in kg.index:
        r = kg.loc[g]
        higher = "högre" if r["difference"] > 0 else "lägre"
        parts.append(f"{_name(g).lower()} {d.num(abs(r['difference']), 1)} procentenheter {higher} "
                     f"(g = {_f(r['hedges_g'], 2)}, {_effect_label(r['hedges_g'])} effekt, {_p(r['p_welch'])})")
    all_apart = all(apart.values())
    g_max = float(kg["hedges_g"].abs().max())
    size = _effect_label(g_max)  # försumbar, liten, medelstor or stor: the largest difference's size
    mixed_sign = bool((kg["difference"] > 0).any() and (kg["difference"] < 0).any())
    pub.markdown(
        "## Validitet: kända grupper\n\n"
        "Om instrumentet mäter det avsedda bör respondenter som själva arbetar med digitalisering bedöma "
        "organisationen annorlunda än respondenter som främst använder digital teknik. Respondentens poäng per "
        "dimension är medelvärdet av de besvarade påståendena i procent (minst hälften besvarade). Involverade "
        f"respondenter bedömer {d.join_sv(parts)}. "
        + (f"Grupperna skiljer sig alltså åt i {'båda dimensionerna' if len(kg) == 2 else 'alla dimensioner'} "
           "(Welch-test, och konfidensintervallet för g innehåller inte noll), "
           + _agrees(ctx, "i linje med den publicerade rapporten",
                     "vilket i panelen följer av att involvering är en av de effekter den är dragen med")
           + f"; även den största skillnaden är dock {size} (|g| = {_f(g_max, 2)})."
           if all_apart else
           "**Grupperna skiljer sig inte säkert åt i " + d.join_sv(_name(g).lower() for g in kg.index if not apart[g])
           + ".**")
        + (" Att skillnaden har olika tecken i dimensionerna tyder på att involverade ser organisationens förmåga "
           "och arv på olika sätt, inte bara genomgående mer eller mindre positivt." if mixed_sign else "")
    )
    pub.table(table, "quality-known-groups", "Kända grupper: involverade och ej involverade respondenters poäng per "
              "dimension, skillnad, Hedges g och Welch-test", csv=_round(kg.reset_index()), align="lrrrrrrrr")
    res = "; ".join(f"{_name(g).lower()} g = {_f(kg.loc[g, 'hedges_g'], 2)} {_ci(kg.loc[g, 'g_ci_low'], kg.loc[g, 'g_ci_high'], 2)}"
                    for g in kg.index)
    status = "ok" if all_apart else "partly" if any(apart.values()) else "no"
    return {"table": kg, "apart": apart,
            "verdicts": [_verdict(CLAIMS["known_groups"], res + (f" (den största effekten {size})" if all_apart else ""),
                                  status)]}
