"""Factor structure: exploratory (KMO, Bartlett, parallel analysis, loadings) and confirmatory
(fit and loadings of the three models)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.chapters.quality.common import (
    CLAIMS, EFA_FACTORS, EFA_METHOD, EFA_ROTATION, FIT_MAX, MODEL_NAMES, PARALLEL_ITER, PARALLEL_SEED,
    _agrees, _category_of, _ci, _f, _fit_ok, _items, _kmo_label, _name, _p, _round, _single_thread, _verdict,
)
from dimios.chapters.quality.reasons import _as_reason, _na_paragraph, why_sv
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable


def _match_factors(loadings: pd.DataFrame, category_items: dict) -> dict[str, str]:
    """Assign each factor to one category (maximum total mean |loading|, Hungarian method)."""
    from scipy.optimize import linear_sum_assignment

    factors = [c for c in loadings.columns if c.startswith("F")]
    cats = list(category_items)
    score = np.array([[loadings.loc[category_items[c], f].abs().mean() for f in factors] for c in cats])
    rows, cols = linear_sum_assignment(-score)
    return {factors[j]: cats[i] for i, j in zip(rows, cols)}


@_single_thread
def efa_section(ctx: ReportData, pub: d.Publisher, seed: int = PARALLEL_SEED, n_iter: int = PARALLEL_ITER) -> dict:
    """KMO, Bartlett, seeded parallel analysis and the loadings of the 6-factor solution."""
    from dimios.quality import factor

    inst = instrument.load()
    items = _items()
    x = ctx.responses[items]
    try:
        feasibility.check_factorable(x)
        kmo = factor.kmo(x)
        bart = factor.bartlett(x)
        pa = factor.parallel_analysis(x, n_iter=n_iter, seed=int(seed))
        efa = factor.efa(x, EFA_FACTORS, rotation=EFA_ROTATION, method=EFA_METHOD)
    except (NotComputable, np.linalg.LinAlgError) as exc:
        reason = _as_reason(exc)
        pub.markdown(
            "## Utforskande faktoranalys\n\n"
            "Den utforskande faktoranalysen frågar vilka grupper principerna bildar utan att modellens kategorier "
            "anges i förväg. " + _na_paragraph("Faktoranalysen (KMO, Bartletts test, parallellanalys och "
                                                f"lösningen med {EFA_FACTORS} faktorer)", reason)
        )
        return {"not_computable": reason.as_dict(), "verdicts": []}
    cat_items = inst.category_items()
    match = _match_factors(efa.loadings, cat_items)
    fcols = [f"F{i + 1}" for i in range(EFA_FACTORS)]
    primary = efa.loadings[fcols].abs().idxmax(axis=1)
    own = {p: next(f for f, c in match.items() if c == inst.principle(p).category) for p in items}
    hits = [p for p in items if primary[p] == own[p]]
    misses = [p for p in items if primary[p] != own[p]]
    phi = efa.factor_correlations.to_numpy()
    off = phi[~np.eye(len(phi), dtype=bool)]
    kmo_all = float(kmo.loc["overall", "kmo"])
    empty = [f for f in fcols if efa.loadings[f].abs().max() < 0.30]

    pub.markdown(
        "## Utforskande faktoranalys\n\n"
        "Den utforskande faktoranalysen frågar vilka grupper principerna bildar utan att modellens kategorier anges "
        f"i förväg. Den använder de {d.count(efa.n)} fullständiga svaren (av {d.count(len(x))}). "
        f"Kaiser–Meyer–Olkins mått på hur väl data lämpar sig för faktoranalys är {_f(kmo_all)} "
        f"({_kmo_label(kmo_all)}; per princip {_f(kmo['kmo'].iloc[:-1].min())}–{_f(kmo['kmo'].iloc[:-1].max())}), "
        f"och Bartletts test visar att principerna korrelerar (χ² = {d.num(bart['chi2'], 0)}, "
        f"df = {d.count(bart['df'])}, {_p(bart['pvalue'])}).\n\n"
        f"Parallellanalys (Horn) jämför egenvärdena med {pa.n_iter} slumpdatamängder av samma storlek "
        f"({_f(pa.quantile * 100, 0)}:e percentilen, frö {pa.seed}). Den föreslår {pa.n_factors} faktorer "
        f"(faktoranalysvarianten) och {pa.n_components} komponenter (principalkomponentvarianten). "
        + ("När svaren är många behåller faktorvarianten ofta även mycket små faktorer, medan "
           "komponentvarianten är strängare; förslagen bör läsas som ett spann snarare än ett exakt antal. "
           if pa.n_factors != pa.n_components else "")
        + f"Modellen har {EFA_FACTORS} kategorier; lösningen med {EFA_FACTORS} faktorer "
          f"(extraktion {EFA_METHOD}, sned rotation {EFA_ROTATION} eftersom kategorierna väntas korrelera) "
          f"visas nedan. Varje faktor har parats med den kategori vars principer laddar starkast på den. "
          f"{d.count(len(hits))} av {len(items)} principer laddar högst på den egna kategorins faktor"
        + ("." if not misses else
           "; undantagen är " + d.join_sv(
               f"{_name(p)} ({_category_of(p).lower()}, laddar högst på faktorn för {_name(match[primary[p]]).lower()})"
               for p in misses) + ".")
        + (" " + d.join_sv(f"{f} ({_name(match[f]).lower()})" for f in empty)
           + " har ingen laddning över 0,30 och saknar alltså eget innehåll."
           if empty else "")
        + (f" Faktorerna korrelerar från {_f(off.min(), 2)} till {_f(off.max(), 2)}." if len(off) else "")
    )
    n_show = min(len(pa.table), 8)
    pt = pa.table.head(n_show)
    et = pd.DataFrame({
        "Nr": [str(v) for v in pt["number"]],
        "Observerat (PCA)": [_f(v, 2) for v in pt["observed_pca"]],
        "Slump 95 % (PCA)": [_f(v, 2) for v in pt["random_pca"]],
        "Observerat (FA)": [_f(v, 2) for v in pt["observed_fa"]],
        "Slump 95 % (FA)": [_f(v, 2) for v in pt["random_fa"]],
    })
    pub.table(et, "quality-parallel", f"Parallellanalys: observerade egenvärden och slumpdatamängdernas "
              f"{_f(pa.quantile * 100, 0)}:e percentil ({pa.n_iter} dragningar, frö {pa.seed}); de första "
              f"{n_show} av {len(pa.table)}", csv=_round(pa.table))

    lt = pd.DataFrame({"Princip": [_name(p) for p in items], "Kategori": [_category_of(p) for p in items]})
    for f in fcols:
        lt[f"{f} {_name(match[f])}"] = [_f(v, 2) for v in efa.loadings.loc[items, f]]
    lt["Kommunalitet"] = [_f(v, 2) for v in efa.loadings.loc[items, "communality"]]
    csv = efa.loadings.reset_index()
    csv.insert(1, "category", [inst.principle(p).category for p in csv["item"]])
    csv["primary_factor"] = primary.reindex(csv["item"]).to_numpy()
    csv["own_factor"] = [own[p] for p in csv["item"]]
    csv.attrs = {}
    pub.table(lt, "quality-efa", f"Mönsterladdningar i den utforskande faktoranalysen med {EFA_FACTORS} faktorer "
              f"({EFA_METHOD}, rotation {EFA_ROTATION}, n = {d.count(efa.n)}); faktorerna är namngivna efter den "
              "kategori de parats med", csv=_round(csv), align="ll" + "r" * (EFA_FACTORS + 1))
    return {"kmo": kmo_all, "bartlett": bart, "parallel": pa, "efa": efa, "match": match, "hits": hits,
            "misses": misses, "verdicts": []}


# ---------------------------------------------------------------- 4. CFA
@_single_thread
def cfa_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Fit of the three confirmatory models and their standardized loadings."""
    from dimios.quality import factor

    inst = instrument.load()
    items = _items()
    dim_cats = {dim.id: list(inst.categories_in(dim.id)) for dim in inst.dimensions}
    models = factor.instrument_models(inst.category_items(), inst.dimension_items(), dim_cats)
    try:
        feasibility.check_factorable(ctx.responses[items])
        fit, results = factor.cfa_fit_table(ctx.responses[items], models)
    except (NotComputable, np.linalg.LinAlgError) as exc:
        reason = _as_reason(exc)
        pub.markdown(
            "## Bekräftande faktoranalys\n\n"
            "Den bekräftande faktoranalysen prövar om data stämmer med modellens struktur: två dimensioner, sex "
            "kategorier och kategorierna under dimensionerna. "
            + _na_paragraph("Den bekräftande faktoranalysen", reason)
            + " Därför saknas också omega och AVE i avsnittet om reliabilitet."
        )
        return {"fit": None, "results": None, "ok": {}, "not_computable": reason.as_dict(),
                "verdicts": [_verdict(CLAIMS["fit"], why_sv(reason), "na")]}
    fit = fit.set_index("model")
    ok = {m: _fit_ok(fit.loc[m, "rmsea"], fit.loc[m, "srmr"]) for m in fit.index}

    def judge(m):
        bad = [lbl for lbl, col in (("RMSEA", "rmsea"), ("SRMR", "srmr")) if fit.loc[m, col] >= FIT_MAX]
        return "under 0,04" if not bad else f"**{' och '.join(bad)} ≥ 0,04**"

    table = pd.DataFrame({
        "Modell": [MODEL_NAMES[m] for m in fit.index],
        "n": [d.count(v) for v in fit["n"]],
        "χ²": [d.num(v, 1) for v in fit["chi2"]],
        "df": [d.count(v) for v in fit["df"]],
        "CFI": [_f(v) for v in fit["cfi"]],
        "TLI": [_f(v) for v in fit["tli"]],
        "RMSEA [90 % KI]": [f"{_f(r)} {_ci(lo, hi)}" for r, lo, hi in
                            zip(fit["rmsea"], fit["rmsea_ci_low"], fit["rmsea_ci_high"])],
        "SRMR": [_f(v) for v in fit["srmr"]],
        "Bedömning": [judge(m) for m in fit.index],
    })
    good = [m for m in fit.index if ok[m]]
    bad = [m for m in fit.index if not ok[m]]
    n = int(fit["n"].iloc[0])
    text = (
        "## Bekräftande faktoranalys\n\n"
        "Den bekräftande faktoranalysen prövar om data stämmer med modellens struktur: (a) två korrelerade "
        "dimensioner, (b) sex korrelerade kategorier och (c) de sex kategorierna som delar av de två dimensionerna "
        f"(en modell av andra ordningen). Skattningen är maximum likelihood på de {d.count(n)} fullständiga svaren. "
        "RMSEA mäter modellens avvikelse per frihetsgrad och SRMR den genomsnittliga skillnaden mellan observerade "
        "och modellens korrelationer; den publicerade rapporten anger båda under 0,04. χ²-testet förkastar alla "
        "modeller vid så här många svar och används inte för bedömningen.\n\n"
    )
    for m in fit.index:
        r = fit.loc[m]
        text += (f"- {MODEL_NAMES[m]}: RMSEA {_f(r['rmsea'])} {_ci(r['rmsea_ci_low'], r['rmsea_ci_high'])}, "
                 f"SRMR {_f(r['srmr'])}, CFI {_f(r['cfi'])} – "
                 + (_agrees(ctx, "under 0,04, i linje med den publicerade rapporten.\n",
                            "under 0,04: skattningen återfinner den struktur panelen är dragen ur.\n") if ok[m] else
                    f"**{'RMSEA' if r['rmsea'] >= FIT_MAX else ''}"
                    f"{' och ' if r['rmsea'] >= FIT_MAX and r['srmr'] >= FIT_MAX else ''}"
                    f"{'SRMR' if r['srmr'] >= FIT_MAX else ''} över den publicerade gränsen 0,04.**\n"))
    if not fit["converged"].all():
        text += ("\n**Skattningen konvergerade inte för " + d.join_sv(MODEL_NAMES[m] for m in fit.index
                                                                       if not fit.loc[m, "converged"]) + ".**\n")
    if bad and good:
        text += ("\nKategorimodellerna beskriver data väl, men en modell där principerna laddar direkt på två "
                 "dimensioner, utan kategorierna, räcker inte. Den publicerade gränsen uppfylls alltså av modell "
                 + d.join_sv(MODEL_NAMES[m][:3] for m in good) + "."
                 if set(good) >= {"b_categories"} and "a_dimensions" in bad else "")
    pub.markdown(text)
    fit_csv = fit.reset_index()
    fit_csv["meets_published"] = [ok[m] for m in fit_csv["model"]]
    pub.table(table, "quality-cfa-fit", "Anpassning för de tre bekräftande modellerna (ML, fullständiga svar); "
              "publicerad gräns: RMSEA och SRMR under 0,04", csv=_round(fit_csv), align="lrrrrrrrl")

    la = results["a_dimensions"].loadings.set_index("indicator")["std_loading"]
    lb = results["b_categories"].loadings.set_index("indicator")["std_loading"]
    lc_all = results["c_second_order"].loadings
    lc = lc_all[lc_all["level"] == "item"].set_index("indicator")["std_loading"]
    second = lc_all[lc_all["level"] == "factor"]
    lt = pd.DataFrame({
        "Princip": [_name(p) for p in items],
        "Kategori": [_category_of(p) for p in items],
        "(a) dimension": [_f(la[p], 2) for p in items],
        "(b) kategori": [_f(lb[p], 2) for p in items],
        "(c) kategori": [_f(lc[p], 2) for p in items],
    })
    lowest = lb.idxmin()
    pub.markdown(
        f"De standardiserade laddningarna i kategorimodellen (b) ligger mellan {_f(lb.min(), 2)} "
        f"({_name(lowest)}) och {_f(lb.max(), 2)} ({_name(lb.idxmax())}); i dimensionsmodellen (a) mellan "
        f"{_f(la.min(), 2)} och {_f(la.max(), 2)}. I modell (c) laddar kategorierna på sina dimensioner med "
        + d.join_sv(f"{_f(r.std_loading, 2)} ({_name(r.indicator).lower()})" for r in second.itertuples()) + "."
    )
    csv = pd.concat([r.loadings.assign(model=m) for m, r in results.items()], ignore_index=True)
    csv = csv[["model", "factor", "indicator", "level", "estimate", "std_loading", "se", "pvalue"]]
    pub.table(lt, "quality-cfa-loadings", "Standardiserade laddningar per princip i de tre modellerna "
              "(laddningarna av andra ordningen finns i CSV-filen)", csv=_round(csv), align="llrrr")

    n_ok = len(good)
    status = "ok" if n_ok == len(fit) else "partly" if n_ok else "no"
    res = "; ".join(f"{MODEL_NAMES[m]} RMSEA {_f(fit.loc[m, 'rmsea'])}, SRMR {_f(fit.loc[m, 'srmr'])}"
                    + ("" if ok[m] else " (**över gränsen**)") for m in fit.index)
    return {"fit": fit, "results": results, "ok": ok, "verdicts": [_verdict(CLAIMS["fit"], res, status)]}
