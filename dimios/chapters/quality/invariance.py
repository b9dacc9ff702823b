"""Measurement invariance of the category model across years."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import trends
from dimios import instrument
from dimios.chapters.quality.common import (
    MIN_GROUP_COMPLETE, STEP_NAMES, _ci, _f, _fit_ok, _items, _round, _signed, _single_thread, _verdict,
)
from dimios.chapters.quality.reasons import _as_reason, _na_paragraph, why_sv
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable


@_single_thread
def invariance_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Configural, metric and scalar invariance of the category model across years."""
    from dimios.quality import invariance

    inst = instrument.load()
    items = _items()
    resp = ctx.responses
    complete = resp[items].notna().all(axis=1)
    # every year of the data, also one without a single complete answer (a principle nobody answered)
    n_year = resp[complete].groupby("year").size().reindex(ctx.years, fill_value=0)
    used = [int(y) for y, n in n_year.items() if n >= MIN_GROUP_COMPLETE]
    dropped = [int(y) for y in n_year.index if int(y) not in used]
    # a year whose correlation matrix is singular (or has an item without variation) cannot enter either
    unusable = {}
    for y in used:
        try:
            feasibility.check_factorable(resp.loc[resp["year"] == y, items], min_n=MIN_GROUP_COMPLETE)
        except NotComputable as exc:
            unusable[y] = exc.as_dict()
    used = [y for y in used if y not in unusable]
    pub.markdown("## Mätinvarians mellan år")
    if len(used) < 2:
        pub.markdown(f"Invarians mellan år kan inte prövas: färre än två år har minst {MIN_GROUP_COMPLETE} "
                     "fullständiga svar"
                     + (" och en korrelationsmatris som går att invertera ("
                        + d.join_sv(f"{y}: {why_sv(r)}" for y, r in unusable.items()) + ")" if unusable else "")
                     + ".")
        return {"table": None, "unusable_years": unusable, "verdicts": []}
    data = resp[resp["year"].isin(used)]
    try:
        mi = invariance.measurement_invariance(data, inst.category_items(), group="year")
    except np.linalg.LinAlgError as exc:
        pub.markdown(_na_paragraph("Mätinvariansen", _as_reason(exc)))
        return {"table": None, "not_computable": _as_reason(exc).as_dict(), "verdicts": []}
    t = mi.table.set_index("step")
    metric_ok = t.loc["metric", "verdict"] == "invariant"
    scalar_ok = metric_ok and t.loc["scalar", "verdict"] == "invariant"
    conf = t.loc["configural"]
    conf_ok = _fit_ok(conf["rmsea"], 0.0) and conf["cfi"] >= 0.95
    span = trends.years_phrase_sv(used)  # the years every conclusion below rests on
    if scalar_ok and ctx.default_panel:
        level, meaning = "skalär", (
            "Panelen är dragen med samma laddningar och utgångsnivåer alla år, så testet återfinner här den "
            f"invarians som lades in ({span}). Det visar att testet fungerar, inte att DiMiOS mäter likadant varje "
            "år; om skillnader mellan åren går att tolka som förändring i mognad kan bara verkliga svar visa.")
    elif scalar_ok:
        level, meaning = "skalär", (
            f"Principerna mäter alltså samma sak på samma sätt {span}: både laddningarna och utgångsnivåerna är "
            "desamma. Skillnader i medelvärden mellan åren kan därför tolkas som verklig förändring i mognad och "
            "inte som att respondenterna har börjat förstå påståendena på ett annat sätt.")
    elif metric_ok:
        level, meaning = "metrisk", (
            f"Laddningarna är desamma {span}, men utgångsnivåerna skiljer sig. Samband kan jämföras mellan åren, "
            "men **skillnader i medelvärden mellan åren kan delvis bero på att påståendena uppfattas olika och ska "
            "tolkas med försiktighet.**")
    else:
        level, meaning = "konfigural", (
            f"Bara strukturen (vilka principer som hör till vilken kategori) är densamma {span}; **varken "
            "samband eller medelvärden kan jämföras mellan åren utan vidare.**")
    text = (
        "En jämförelse av medelvärden mellan år förutsätter att instrumentet mäter likadant varje år. Det prövas "
        f"stegvis med kategorimodellen (b) skattad för {span} samtidigt: konfigural (samma struktur), metrisk "
        "(samma laddningar) och skalär (samma laddningar och utgångsnivåer, intercept). Ett steg godtas när CFI "
        "försämras med högst 0,010 och RMSEA ökar med högst 0,015 jämfört med föregående steg (Chen, 2007); "
        "χ²-differenstestet redovisas men är överkänsligt vid så här många svar. Underlaget är de fullständiga "
        "svaren: " + d.join_sv(f"{d.count(n)} ({y})" for y, n in zip(mi.groups["year"], mi.groups["n"])) + "."
        + (f" År med färre än {MIN_GROUP_COMPLETE} fullständiga svar ({d.join_sv(str(y) for y in dropped)}) ingår inte."
           if dropped else "")
        + (" Inte heller " + d.join_sv(f"{y} ({why_sv(r)})" for y, r in unusable.items()) + " ingår."
           if unusable else "")
        + f"\n\nDen konfigurala modellen har CFI {_f(conf['cfi'])} och RMSEA {_f(conf['rmsea'])}"
        + (". " if conf_ok else f" – **strukturen passar inte väl {span}, vilket försvagar de följande stegen.** ")
        + f"Den metriska modellen ändrar CFI med {_signed(t.loc['metric', 'delta_cfi'])} och RMSEA med "
          f"{_signed(t.loc['metric', 'delta_rmsea'])}, den skalära med {_signed(t.loc['scalar', 'delta_cfi'])} "
          f"och {_signed(t.loc['scalar', 'delta_rmsea'])}. Den högsta nivån som håller är **{level} invarians**. "
        + meaning
    )
    if not t["converged"].all():
        text += " **Skattningen konvergerade inte för alla steg; resultatet är osäkert.**"
    pub.markdown(text)
    verdict_sv = {"invariant": "invariant", "not invariant": "**inte invariant**", "": "–"}
    table = pd.DataFrame({
        "Steg": [STEP_NAMES[s] for s in t.index],
        "χ²": [d.num(v, 1) for v in t["chi2"]],
        "df": [d.count(v) for v in t["df"]],
        "CFI": [_f(v) for v in t["cfi"]],
        "RMSEA [90 % KI]": [f"{_f(r.rmsea)} {_ci(r.rmsea_ci_low, r.rmsea_ci_high)}" for r in t.itertuples()],
        "Δχ² (Δdf)": ["–" if np.isnan(r.delta_chi2) else f"{d.num(r.delta_chi2, 1)} ({d.count(r.delta_df)})"
                      for r in t.itertuples()],
        "ΔCFI": [_signed(v) for v in t["delta_cfi"]],
        "ΔRMSEA": [_signed(v) for v in t["delta_rmsea"]],
        "Bedömning": [("**bygger på ett metriskt steg som inte håller**" if s == "scalar" and not metric_ok
                       else verdict_sv[v]) for s, v in zip(t.index, t["verdict"])],
    })
    csv = mi.table.copy()
    csv["n_groups"] = len(mi.groups)
    csv["years"] = " ".join(str(y) for y in mi.groups["year"])
    pub.table(table, "quality-invariance", f"Mätinvarians mellan åren {d.join_sv(str(y) for y in used)} "
              f"(kategorimodellen, n = {d.count(int(conf['n']))}); gränser ΔCFI ≥ −0,010 och ΔRMSEA ≤ 0,015",
              csv=_round(csv), align="lrrrrrrrl")
    res = (f"{level} invarians (ΔCFI {_signed(t.loc['scalar', 'delta_cfi'])}, "
           f"ΔRMSEA {_signed(t.loc['scalar', 'delta_rmsea'])} för det skalära steget)")
    return {"table": mi.table, "groups": mi.groups, "level": level, "unusable_years": unusable, "metric_ok": metric_ok, "scalar_ok": scalar_ok,
            "verdicts": [_verdict(f"Medelvärden kan jämföras mellan {span} (prövas inte i den publicerade rapporten).",
                                  res, "ok" if scalar_ok else "partly" if metric_ok else "no")]}
