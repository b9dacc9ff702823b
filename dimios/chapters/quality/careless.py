"""Careless responding: the five indices, their flag rules, shares per year and, on synthetic
data, recovery of the planted careless respondents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dimios import display as d
from dimios.chapters.common import chapter_link, style
from dimios.chapters.quality.common import (
    CLAIMS, FLAG_COLOUR, INDEX_NAMES, INDEX_PROSE, OK_COLOUR, _WORDS, _f, _round, _single_thread, _verdict,
)
from dimios.chapters.quality.reasons import why_sv
from dimios.context import ReportData


def careless_all(ctx: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Respondent rows and careless table *before* any exclusion.

    When the report is built without careless answers, ``ctx.responses`` holds only
    the remaining rows; ``context.load`` keeps the rows and careless table from before
    the exclusion for this chapter.
    """
    return ctx.responses_all, ctx.careless_all


def _rules_rows(th: dict) -> list[dict]:
    irv_rule = (f"under {_f(th['irv_low'], 2)} eller över {_f(th['irv_high'], 2)} (median ± "
                f"{d.num(th['irv_mad_k'], 0)} robusta standardavvikelser, MAD), eller ingen variation alls"
                if np.isfinite(th["irv_low"]) and np.isfinite(th["irv_high"])
                else "ingen variation alls (spridningen mellan respondenterna är för liten för en gräns)")
    return [
        {"index": "longstring", "measures": "Längsta följd av identiska svar i rad (rak linje genom enkäten)",
         "rule": f"följden omfattar minst {d.pct(th['longstring_share'] * 100)} av de besvarade påståendena"},
        {"index": "irv", "measures": "Spridningen (standardavvikelsen) i respondentens egna svar",
         "rule": irv_rule},
        {"index": "mahad", "measures": "Hur ovanligt hela svarsmönstret är jämfört med alla svar",
         "rule": f"D² över χ²-fördelningens {d.num(th['mahad_confidence'] * 100, 0)}:e percentil "
                 "(frihetsgrader = antal besvarade påståenden)"},
        {"index": "evenodd", "measures": "Samstämmighet mellan jämna och udda påståenden inom varje kategori",
         "rule": f"konsistensen (Spearman–Brown) under {_f(th['evenodd_min_consistency'], 1)}, eller odefinierad "
                 "för att halvornas medelvärden inte varierar"},
        {"index": "psychsyn", "measures": "Samstämmighet i par av påståenden som hänger starkt ihop i hela "
                                          f"materialet ({d.count(th['n_synonym_pairs'])} par med r > "
                                          f"{_f(th['psychsyn_critval'], 2)})",
         "rule": f"korrelationen över paren under {_f(th['psychsyn_min'], 1)}, eller odefinierad för att "
                 "svaren inte varierar"},
    ]


def _read_truth(path: str | Path, responses: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """Planted careless respondents aligned with ``responses``: (bool Series, type Series)."""
    if not path:
        return None
    p = Path(path)
    if not p.exists():
        return None
    truth = pd.read_csv(p, dtype={"respondent_id": str})
    if "respondent_id" not in truth.columns:
        return None
    keys = ["respondent_id"] + (["year"] if "year" in truth.columns else [])
    truth = truth.drop_duplicates(keys)
    left = responses[keys].astype({"respondent_id": str})
    merged = left.merge(truth, on=keys, how="left", indicator=True)
    planted = pd.Series((merged["_merge"] == "both").to_numpy(), index=responses.index)
    kind = (merged["careless_type"] if "careless_type" in merged.columns else pd.Series("", index=merged.index))
    kind = pd.Series(kind.fillna("").astype(str).to_numpy(), index=responses.index)
    return planted, kind


def _careless_figure(share: pd.DataFrame, n_flags: pd.Series, min_flags: int):
    import matplotlib.pyplot as plt

    style()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.0), gridspec_kw={"width_ratios": [1, 1.1]})
    years = [str(y) for y in share["year"]]
    vals = share["share_careless"].to_numpy() * 100
    bars = ax1.bar(years, vals, color=FLAG_COLOUR, width=0.6)
    for b, v in zip(bars, vals):
        ax1.annotate(d.pct(v, 1), (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=8,
                     xytext=(0, 2), textcoords="offset points")
    ax1.set_ylabel("Andel slarviga svar (%)")
    ax1.set_ylim(0, max(vals.max() * 1.3 if len(vals) else 1, 1))
    ax1.set_title("Slarviga svar per år", fontsize=10)
    counts = n_flags.value_counts().reindex(range(6), fill_value=0)
    pct = counts / counts.sum() * 100
    colours = [FLAG_COLOUR if k >= min_flags else OK_COLOUR for k in counts.index]
    hatches = ["//" if k >= min_flags else "" for k in counts.index]
    bars = ax2.bar([str(k) for k in counts.index], pct.to_numpy(), color=colours, hatch=hatches,
                   edgecolor="white", width=0.7)
    for b, v in zip(bars, pct.to_numpy()):
        ax2.annotate(d.pct(v, 1), (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=8,
                     xytext=(0, 2), textcoords="offset points")
    ax2.set_xlabel("Antal algoritmer som flaggar svaret")
    ax2.set_ylabel("Andel av svaren (%)")
    ax2.set_ylim(0, pct.max() * 1.15)
    ax2.set_title(f"Omsorgsfulla (0–{min_flags - 1}) och slarviga ({min_flags}–5)", fontsize=10)
    fig.tight_layout()
    return fig, pct


@_single_thread
def careless_section(ctx: ReportData, pub: d.Publisher, truth: str | Path = "") -> dict:
    """Five indices, their flag rules, careless share per year (figure 7), recovery on synthetic data."""
    from dimios.quality import careless

    resp, flags = careless_all(ctx)
    th = flags.attrs.get("thresholds") or {}
    min_flags = int(th.get("min_flags", 3))
    share = careless.careless_share_by(resp, flags, by="year")
    n_all = len(flags)
    n_careless = int(flags["careless"].sum())
    total = n_careless / n_all * 100 if n_all else float("nan")
    flag_cols = [f"flag_{i}" for i in careless.INDICES]
    flag_share = flags[flag_cols].mean() * 100
    none_share = (flags["n_flags"] == 0).mean() * 100
    years = [int(y) for y in share["year"]]

    pub.markdown(
        "## Slarviga svar\n\n"
        "En respondent som inte läser påståendena – som svarar samma sak på allt, slumpar eller följer ett mönster – "
        "kan göra att organisationens mognad ser högre eller lägre ut än den är. Fem algoritmer bedömer därför "
        f"varje svar, var och en från sin sida ({pub.ref('tbl', 'quality-careless-rules')}). Ett svar räknas som "
        "slarvigt när minst "
        f"{min_flags} av de {len(careless.INDICES)} flaggar det; en enskild flagga räcker inte, eftersom varje algoritm för sig "
        "också flaggar en del omsorgsfulla svar. Flaggor sätts bara för svar med minst "
        f"{d.count(th.get('min_answered', 0))} besvarade påståenden; gränserna nedan är de som användes när "
        "rapporten byggdes."
    )
    rows = _rules_rows(th)
    na = th.get("not_computable") or {}   # indices that cannot be computed on these data
    for r in rows:
        if r["index"] in na:
            r["rule"] = f"kan inte beräknas: {why_sv(na[r['index']])}"
    rules = pd.DataFrame({
        "Algoritm": [INDEX_NAMES[r["index"]] for r in rows],
        "Mäter": [r["measures"] for r in rows],
        "Flaggar när": [r["rule"] for r in rows],
        "Flaggade (%)": ["–" if r["index"] in na else d.num(flag_share[f"flag_{r['index']}"], 1) for r in rows],
    })
    rules_csv = pd.DataFrame({"index": [r["index"] for r in rows], "rule": [r["rule"] for r in rows],
                              "share_flagged": [np.nan if r["index"] in na else flag_share[f"flag_{r['index']}"] / 100
                                                for r in rows],
                              "not_computable": [na.get(r["index"], {}).get("code", "") for r in rows]})
    for key in ("longstring_share", "irv_mad_k", "irv_low", "irv_high", "mahad_confidence",
                "evenodd_min_consistency", "psychsyn_min", "psychsyn_critval", "n_synonym_pairs", "min_answered",
                "min_flags"):
        rules_csv[key] = th.get(key, np.nan)
    pub.table(rules, "quality-careless-rules",
              f"De fem algoritmerna för slarviga svar, deras flaggregler och andelen svar som varje algoritm "
              f"flaggar (alla {d.count(n_all)} svar)", csv=_round(rules_csv), align="lllr")

    computed = flag_share.drop([f"flag_{i}" for i in na])
    most, least = computed.idxmax(), computed.idxmin()
    lo_y = share.loc[share["share_careless"].idxmin()]
    hi_y = share.loc[share["share_careless"].idxmax()]
    text = (
        f"Av alla {d.count(n_all)} svar bedömdes {d.count(n_careless)} ({d.pct(total, 1)}) som slarviga, alltså "
        f"{d.pct(100 - total, 1)} som omsorgsfulla; {d.pct(none_share, 1)} flaggades inte av någon algoritm. "
    )
    if len(years) > 1 and lo_y["share_careless"] == hi_y["share_careless"]:
        text += "Andelen slarviga var densamma alla år. "
    elif len(years) > 1:
        text += (f"Andelen slarviga varierade mellan {d.pct(lo_y['share_careless'] * 100, 1)} ({int(lo_y['year'])}) "
                 f"och {d.pct(hi_y['share_careless'] * 100, 1)} ({int(hi_y['year'])}). ")
    if flag_share[most] == flag_share[least]:
        text += f"Varje algoritm flaggar lika många svar ({d.pct(flag_share[most], 1)}). "
    else:
        text += (f"Flest svar flaggas av {INDEX_PROSE[most.removeprefix('flag_')]} "
                 f"({d.pct(flag_share[most], 1)}), minst av {INDEX_PROSE[least.removeprefix('flag_')]} "
                 f"({d.pct(flag_share[least], 1)}). ")
    if na:
        names = d.join_sv(INDEX_PROSE[i] for i in na)
        rest = len(careless.INDICES) - len(na)
        text += ("**" + names[:1].upper() + names[1:]
                 + f" kan inte beräknas på dessa data** ({'; '.join(why_sv(na[i]) for i in na)}); "
                 f"{'den algoritmen' if len(na) == 1 else 'de algoritmerna'} flaggar därför inget svar, och "
                 f"omröstningen räknar bara de övriga {_WORDS.get(rest, str(rest))} – ett svar är fortfarande "
                 f"slarvigt först vid minst {min_flags} flaggor. ")
    if ctx.exclude_careless:
        text += (f"I den här rapporten är de {d.count(ctx.n_careless_excluded)} slarviga svaren borttagna; resten av "
                 f"kapitlet analyserar de återstående {d.count(len(ctx.responses))} svaren.")
    else:
        text += ("De slarviga svaren ingår i resten av kapitlet och i rapportens övriga resultat; rapporten kan byggas "
                 f"också utan dem ({chapter_link('method.ipynb', 'metodbilagan')} beskriver hur).")
    pub.markdown(text)

    table = pd.DataFrame({
        "År": [str(y) for y in years],
        "Svar": [d.count(v) for v in share["n"]],
        "Slarviga": [d.count(v) for v in share["n_careless"]],
        "Andel slarviga (%)": [d.num(v * 100, 1) for v in share["share_careless"]],
    })
    for i in careless.INDICES:
        table[f"{INDEX_NAMES[i]} (%)"] = ["–" if i in na else d.num(v * 100, 1) for v in share[f"share_flag_{i}"]]
    pub.table(table, "quality-careless", f"Slarviga svar per år (minst {min_flags} av 5 algoritmer) och andel "
              "svar som varje algoritm flaggar", csv=_round(share))

    fig, pct_flags = _careless_figure(share, flags["n_flags"], min_flags)
    alt = ("Två stapeldiagram. Till vänster andelen slarviga svar per år: "
           + "; ".join(f"{y}: {d.pct(v * 100, 1)}" for y, v in zip(years, share["share_careless"]))
           + ". Till höger andelen svar efter antal algoritmer som flaggar dem, 0 till 5: "
           + "; ".join(f"{k}: {d.pct(v, 1)}" for k, v in pct_flags.items())
           + f". Svar med {min_flags} eller fler flaggor räknas som slarviga.")
    pub.figure(fig, "quality-careless", "Översikt av slarviga svar: andel per år och fördelningen av antal flaggor "
               "(jfr figur 7 i den publicerade rapporten)", alt)

    result = {"n": n_all, "n_careless": n_careless, "share": total / 100, "by_year": share,
              "flag_share": flag_share / 100, "recovery": None}

    aligned = _read_truth(truth, resp)
    if aligned is not None and aligned[0].any():
        planted, kind = aligned
        rec = careless.recovery(flags[flag_cols + ["careless"]], planted)
        vote = rec.loc["careless"]
        single_f1 = rec.loc[flag_cols, "f1"]
        by_type = (pd.DataFrame({"kind": kind[planted], "hit": flags.loc[planted, "careless"]})
                   .groupby("kind")["hit"].agg(["size", "mean"]))
        type_sv = {"straightline": "raka linjer", "random": "slumpsvar", "alternating": "växlande mönster"}
        pub.markdown(
            "### Kontroll av metoden på syntetiska data\n\n"
            "Underlaget är syntetiskt, och i det finns respondenter som med avsikt svarar slarvigt. Det gör det "
            "möjligt att pröva själva metoden: hur många av de inplanterade slarviga svaren hittar omröstningen "
            "(täckning), och hur stor andel av de flaggade svaren är verkligen inplanterade "
            "(*precision*)? Resultatet gäller metoden på dessa data, inte slarvigheten bland verkliga respondenter. "
            f"Av {d.count(int(planted.sum()))} inplanterade slarviga svar hittade omröstningen "
            f"{d.count(int(vote['tp']))} (täckning {_f(vote['recall'])}); av de {d.count(int(vote['tp'] + vote['fp']))} "
            f"flaggade svaren var {d.count(int(vote['tp']))} inplanterade (precision {_f(vote['precision'])}, "
            f"F1 {_f(vote['f1'])}). "
            + ("Täckningen per typ: " + d.join_sv(f"{type_sv.get(k, k)} {d.pct(r['mean'] * 100, 0)} "
                                                   f"av {d.count(r['size'])}" for k, r in by_type.iterrows() if k)
               + ". " if (by_type.index != "").any() else "")
            + (f"Omröstningen väger samman precision och täckning bättre än varje algoritm för sig (F1 "
               f"{_f(vote['f1'])} mot högst {_f(single_f1.max())} för "
               f"{INDEX_PROSE[single_f1.idxmax().removeprefix('flag_')]}); det är skälet till att flera flaggor krävs."
               if vote["f1"] > single_f1.max() else
               f"**En enskild algoritm, {INDEX_PROSE[single_f1.idxmax().removeprefix('flag_')]}, har högre F1 "
               f"({_f(single_f1.max())}) än omröstningen på dessa data.**")
        )
        shown = rec.reset_index()
        rt = pd.DataFrame({
            "Flagga": [INDEX_NAMES.get(f.removeprefix("flag_"), f"Omröstning (minst {min_flags} av 5)")
                       for f in shown["flag"]],
            "Rätt flaggade": [d.count(v) for v in shown["tp"]],
            "Felaktigt flaggade": [d.count(v) for v in shown["fp"]],
            "Missade": [d.count(v) for v in shown["fn"]],
            "Precision": [_f(v) for v in shown["precision"]],
            "Täckning": [_f(v) for v in shown["recall"]],
            "F1": [_f(v) for v in shown["f1"]],
        })
        pub.table(rt, "quality-careless-recovery", "Kontroll på syntetiska data: algoritmernas och omröstningens "
                  "precision och täckning mot de inplanterade slarviga svaren", csv=_round(shown))
        result["recovery"] = rec
        result["recovery_by_type"] = by_type

    diligent = 1 - total / 100
    result["verdicts"] = [_verdict(
        CLAIMS["careless"],
        f"{d.pct(diligent * 100, 1)} av svaren bedöms omsorgsfulla ({d.pct(total, 1)} slarviga)"
        + (f"; på de syntetiska data hittar omröstningen {_f(result['recovery'].loc['careless', 'recall'])} av de "
           f"inplanterade slarviga svaren med precision {_f(result['recovery'].loc['careless', 'precision'])}"
           if result["recovery"] is not None else ""),
        "ok" if diligent > 0.5 else "no")]
    return result
