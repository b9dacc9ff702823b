"""Reliability: alpha per level, alpha if item deleted, omega and AVE."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.chapters.quality.common import (
    ALPHA_MIN, AVE_RANGE, CLAIMS, MIN_ALPHA_N, OMEGA_SV, _agrees, _ave_ok, _category_of, _ci, _f, _items, _name,
    _round, _single_thread, _verdict,
)
from dimios.chapters.quality.reasons import _as_reason, _na_list, _na_paragraph, why_sv
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable


@_single_thread
def reliability_section(ctx: ReportData, pub: d.Publisher, cfa: dict | None = None) -> dict:
    """Alpha (95 % CI) per level, alpha if item deleted, omega and AVE per dimension and category.

    A group's alpha needs ``MIN_ALPHA_N`` complete answers and two answered items; omega and
    AVE need the CFA. What cannot be computed is shown as such, with the reason.
    """
    from dimios.quality import reliability

    inst = instrument.load()
    items = _items()
    x = ctx.responses[items]
    if cfa is None:
        from dimios.quality import factor

        dim_cats = {dim.id: list(inst.categories_in(dim.id)) for dim in inst.dimensions}
        models = factor.instrument_models(inst.category_items(), inst.dimension_items(), dim_cats)
        try:
            feasibility.check_factorable(x)
            results = {m: factor.cfa(x, models[m], name=m) for m in ("a_dimensions", "b_categories")}
            cfa_reason = None
        except (NotComputable, np.linalg.LinAlgError) as exc:
            results, cfa_reason = None, _as_reason(exc).as_dict()
    else:
        results, cfa_reason = cfa.get("results"), cfa.get("not_computable")
    loadings = (pd.concat([results["a_dimensions"].loadings, results["b_categories"].loadings], ignore_index=True)
                if results else None)
    groups, levels = reliability.instrument_groups(inst.category_items(), inst.dimension_items())
    rel = reliability.reliability_table(x, groups, levels, loadings)
    na = rel.attrs.get("not_computable", {})
    level_sv = {"instrument": "Instrument", "dimension": "Dimension", "category": "Kategori"}

    def label(g: str) -> str:
        return "hela instrumentet" if g == "instrument" else _name(g).lower()

    def judge(r):
        if r.group in na:
            return f"kan inte beräknas: {why_sv(na[r.group])}"
        notes = []
        if r.level in ("instrument", "dimension"):
            notes.append("α > 0,9" if r.alpha > ALPHA_MIN else "**α ≤ 0,9**")
        return "; ".join(notes)

    table = pd.DataFrame({
        "Grupp": ["Hela instrumentet" if r.level == "instrument" else _name(r.group) for r in rel.itertuples()],
        "Nivå": [level_sv[v] for v in rel["level"]],
        "Principer": [d.count(v) for v in rel["k"]],
        "n": [d.count(v) for v in rel["n"]],
        "α [95 % KI]": ["–" if r.group in na else f"{_f(r.alpha)} {_ci(r.ci_low, r.ci_high)}"
                        for r in rel.itertuples()],
        "ω": [_f(v) for v in rel["omega"]],
        "AVE": [_f(v) for v in rel["ave"]],
        "Bedömning": [judge(r) for r in rel.itertuples()],
    })
    top = rel[rel["level"].isin(["instrument", "dimension"])].set_index("group")
    top_ok = top[~top.index.isin(list(na))]
    top_na = [g for g in top.index if g in na]
    alpha_ok = bool(len(top_ok)) and bool((top_ok["alpha"] > ALPHA_MIN).all())
    cats = rel[rel["level"] == "category"].set_index("group")
    cats_ok = cats[~cats.index.isin(list(na))]
    cats_na = [g for g in cats.index if g in na]
    aves = rel[rel["level"].isin(["dimension", "category"])].set_index("group")
    aves = aves[aves["ave"].notna()]
    ave_bad = [g for g in aves.index if not _ave_ok(aves.loc[g, "ave"])]
    dims = [dim.id for dim in inst.dimensions]
    two_items = [c for c in cats_ok.index if cats.loc[c, "k"] == 2]

    text = (
        "## Reliabilitet\n\n"
        "Reliabiliteten anger hur samstämmigt principerna i en grupp mäter samma sak. Cronbachs alfa beräknas på de "
        "svar som är fullständiga för gruppen, med 95 % konfidensintervall (Feldt), när gruppen har minst "
        f"{d.count(MIN_ALPHA_N)} sådana svar. "
    )
    shown = [g for g in ["instrument", *dims] if g in top_ok.index]
    if shown:
        first = shown[0]
        text += (f"För {label(first)} är alfa {_f(top.loc[first, 'alpha'])} "
                 f"{_ci(top.loc[first, 'ci_low'], top.loc[first, 'ci_high'])}"
                 + (", för " + d.join_sv(f"{label(g)} {_f(top.loc[g, 'alpha'])}" for g in shown[1:])
                    if shown[1:] else "") + ". ")
    if top_na:
        text += "Alfa kan inte beräknas för " + _na_list(top_na, na, label) + ". "
    if shown:
        text += ("Alla tre ligger över 0,9, " + _agrees(ctx, "i linje med den publicerade rapporten. ",
                                                         "vilket i panelen följer av de laddningar den är dragen "
                                                         "med. ") if alpha_ok and not top_na else
                 "De värden som kan beräknas ligger över 0,9. " if alpha_ok else
                 "**Minst ett av värdena ligger inte över den publicerade nivån 0,9** ("
                 + d.join_sv(label(g) for g in top_ok.index if top_ok.loc[g, "alpha"] <= ALPHA_MIN) + "). ")
    if len(cats_ok):
        lowcat = cats_ok["alpha"].idxmin()
        text += (f"Kategorierna har alfa {_f(cats_ok['alpha'].min())}–{_f(cats_ok['alpha'].max())}, lägst för "
                 f"{_name(lowcat).lower()}"
                 + (f"; {d.join_sv(_name(c).lower() for c in two_items)} har bara två principer var, och för två "
                    "principer är alfa i praktiken en uppskalad korrelation mellan dem" if two_items else "") + ". ")
    if cats_na:
        text += ("Alfa kan inte beräknas för kategori" + ("n " if len(cats_na) == 1 else "erna ")
                 + _na_list(cats_na, na, label) + ".")
    text += "\n\n"
    if len(aves):
        text += (
            OMEGA_SV + " Average Variance Extracted (AVE, den andel av principernas variation som faktorn fångar) "
            "beräknas från samma laddningar: dimensionerna från modell (a), kategorierna från modell (b).\n\n"
            f"AVE ligger här mellan {_f(aves['ave'].min())} och {_f(aves['ave'].max())}. I den publicerade "
            f"rapporten låg AVE mellan {_f(AVE_RANGE[0], 2)} och {_f(AVE_RANGE[1], 2)}; det är det spann som "
            "observerades där och ingen gräns som ett värde ska hålla sig inom, så de två spannen redovisas bredvid "
            "varandra utan omdöme. "
            + ("Alla värden här ligger inom det publicerade spannet." if not ave_bad else
               "Utanför det publicerade spannet ligger " + d.join_sv(
                   f"{_name(g).lower()} ({_f(aves.loc[g, 'ave'])})" for g in ave_bad) + ".")
            + _agrees(ctx, "", " I panelen följer AVE av de laddningar den är dragen med.")
        )
    else:
        text += (OMEGA_SV + " Average Variance Extracted (AVE) beräknas från samma laddningar. "
                 + (_na_paragraph("Den", cfa_reason) if cfa_reason else
                    "**Laddningarna saknas, så omega och AVE kan inte beräknas.**"))
    pub.markdown(text)
    pub.table(table, "quality-reliability", "Reliabilitet per nivå: Cronbachs alfa med 95 % konfidensintervall, "
              "omega (standardiserad) och AVE (n = fullständiga svar för gruppen); publicerad gräns: alfa över 0,9 för "
              "instrumentet och dimensionerna; publicerat observerat spann för AVE: 0,51–0,75", csv=_round(rel),
              align="llrrrrrl")

    result = {"table": rel, "alpha_ok": alpha_ok, "ave_bad": ave_bad, "not_computable": na}
    # alpha if item deleted: in the whole instrument and within the principle's dimension
    if "instrument" in na:
        pub.markdown("Hur alfa ändras om en princip tas bort kan inte visas, eftersom alfa för hela instrumentet "
                     f"inte kan beräknas ({why_sv(na['instrument'])}).")
        result["alpha_if_deleted"] = None
    else:
        inst_row = top.loc["instrument"]
        aid = reliability.alpha_if_deleted(x)
        within = pd.concat([reliability.alpha_if_deleted(x[list(cols)]) if dim not in na else
                            pd.DataFrame({"alpha_if_deleted": np.nan, "item_rest_r": np.nan}, index=list(cols))
                            for dim, cols in inst.dimension_items().items()])
        within = within.reindex(items)
        dim_alpha = {p: top.loc[inst.principle(p).dimension, "alpha"] for p in items}
        raise_inst = [p for p in items if aid.loc[p, "alpha_if_deleted"] > inst_row["alpha"]]
        raise_dim = [p for p in items if within.loc[p, "alpha_if_deleted"] > dim_alpha[p]]
        weakest = aid["item_rest_r"].idxmin()
        pub.markdown(
            f"{pub.ref('tbl', 'quality-alpha-if-deleted', capital=True)} visar vad alfa blir om en princip tas "
            "bort, för hela instrumentet och inom principens "
            "dimension, och principens korrelation med summan av övriga principer. "
            + ("Ingen princip höjer alfa om den tas bort, vare sig för instrumentet eller för dimensionen"
               if not raise_inst and not raise_dim else
               "Alfa skulle öka om "
               + d.join_sv(_name(p) for p in sorted(set(raise_inst) | set(raise_dim), key=items.index))
               + " togs bort")
            + f"; lägst korrelation med övriga principer har {_name(weakest)} "
              f"({_f(aid.loc[weakest, 'item_rest_r'], 2)})."
            + (" Inom " + d.join_sv(label(g) for g in top_na if g != "instrument")
               + " kan alfa inte beräknas, så den kolumnen är tom för dess principer."
               if [g for g in top_na if g != "instrument"] else "")
        )
        at = pd.DataFrame({
            "Princip": [_name(p) for p in items],
            "Kategori": [_category_of(p) for p in items],
            "r (övriga)": [_f(v, 2) for v in aid.loc[items, "item_rest_r"]],
            "α utan principen (instrumentet)": [_f(v) for v in aid.loc[items, "alpha_if_deleted"]],
            "α utan principen (dimensionen)": [_f(v) for v in within["alpha_if_deleted"]],
        })
        csv = pd.DataFrame({
            "item": items,
            "dimension": [inst.principle(p).dimension for p in items],
            "item_rest_r": aid.loc[items, "item_rest_r"].to_numpy(),
            "alpha_if_deleted_instrument": aid.loc[items, "alpha_if_deleted"].to_numpy(),
            "alpha_instrument": inst_row["alpha"],
            "item_rest_r_dimension": within["item_rest_r"].to_numpy(),
            "alpha_if_deleted_dimension": within["alpha_if_deleted"].to_numpy(),
            "alpha_dimension": [dim_alpha[p] for p in items],
        })
        pub.table(at, "quality-alpha-if-deleted", f"Alfa om principen tas bort (instrumentet: α = {_f(inst_row['alpha'])}; "
                  + ", ".join(f"{_name(g).lower()}: α = {_f(top.loc[g, 'alpha'])}" for g in dims)
                  + ") och korrelationen mellan principen och summan av övriga principer", csv=_round(csv),
                  align="llrrr")
        result["alpha_if_deleted"] = csv

    if not len(top_ok):
        alpha_verdict = _verdict(CLAIMS["alpha"], why_sv(na["instrument"]), "na")
    else:
        notes = ([] if alpha_ok else ["**minst ett värde ≤ 0,9**"]) + (
            [f"kan inte beräknas för {d.join_sv(label(g) for g in top_na)}"] if top_na else [])
        alpha_verdict = _verdict(
            CLAIMS["alpha"], d.join_sv(f"{label(g)} {_f(top_ok.loc[g, 'alpha'])}" for g in top_ok.index)
            + (f" ({'; '.join(notes)})" if notes else ""), "ok" if alpha_ok else "no")
    if not len(aves):
        ave_verdict = _verdict(CLAIMS["ave"], why_sv(cfa_reason) if cfa_reason else "laddningarna saknas", "na")
    else:
        ave_verdict = _verdict(
            CLAIMS["ave"], f"{_f(aves['ave'].min())}–{_f(aves['ave'].max())} för dimensioner och kategorier"
            + ("" if not ave_bad else " (utanför det publicerade spannet: "
               + d.join_sv(_name(g).lower() for g in ave_bad) + ")"), "range")
    result["verdicts"] = [alpha_verdict, ave_verdict]
    return result
