"""Quality control of the instrument (report section 2.5, "Kvalitetskontroll av DiMiOS").

The statistics live in :mod:`dimios.quality`; this module only arranges them as Swedish
text, tables and figures. Every number in the prose is computed from the build's data,
and every verdict is written from those numbers against the published claims
(:data:`CLAIMS`): a value outside a published threshold is flagged in the text, in the
table and in the closing summary.

Each section function returns a small dict with its results and its verdicts; the
notebook passes them on to :func:`summary_section`. Missing answers ("vet ej" and
unanswered) are handled as the statistics modules do: the factor analyses,
reliability and invariance use complete cases (listwise deletion) and state ``n``;
the careless indices and the knowledge level use every respondent.

CSV outputs are deterministic: floats are rounded to 6 decimals and the only
resampling (parallel analysis) is seeded.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.chapters.common import style
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable

# ---------------------------------------------------------------- published claims (report 2.5)
ALPHA_MIN = 0.90             # Cronbach's alpha above .9 for the whole instrument and each dimension
FIT_MAX = 0.04               # RMSEA and SRMR below .04
AVE_RANGE = (0.51, 0.75)     # AVE between .51 and .75
PARALLEL_SEED = 20240601     # seed of the parallel analysis (same seed -> same table)
PARALLEL_ITER = 100
EFA_FACTORS = 6              # one factor per category
EFA_ROTATION = "oblimin"     # oblique: the categories are expected to correlate
EFA_METHOD = "minres"
THRESHOLDS = (ALPHA_MIN, FIT_MAX, *AVE_RANGE)
INVARIANCE_CUTS = (-0.010, 0.015)  # ΔCFI and ΔRMSEA cut-offs of dimios.quality.invariance (Chen, 2007)
MIN_GROUP_COMPLETE = 50      # a year needs this many complete answers to enter the invariance test
# Minimums below which a statistic is reported as not computable (declared in dimios.quality.feasibility)
MIN_FACTOR_N = feasibility.MIN_FACTOR_N
MIN_ALPHA_N = feasibility.MIN_ALPHA_N

CLAIMS = {
    "careless": "De flesta respondenter svarar omsorgsfullt (fem algoritmer, slarvigt vid minst tre flaggor).",
    "knowledge": "De flesta svarar på alla frågor, och andelen är stabil eller ökande över tid.",
    "fit": "RMSEA och SRMR under 0,04.",
    "alpha": "Cronbachs alfa över 0,9 för hela instrumentet och för dimensionerna.",
    "known_groups": "Involverade och icke involverade respondenter särskiljs.",
    "ave": "AVE mellan 0,51 och 0,75.",
}

MODEL_NAMES = {
    "a_dimensions": "(a) Två dimensioner",
    "b_categories": "(b) Sex kategorier",
    "c_second_order": "(c) Sex kategorier under två dimensioner",
}
STEP_NAMES = {"configural": "Konfigural", "metric": "Metrisk", "scalar": "Skalär"}
INDEX_NAMES = {
    "longstring": "Längsta rad (longstring)",
    "irv": "Svarsvariation (IRV)",
    "mahad": "Mahalanobis D²",
    "evenodd": "Jämn–udda-konsistens",
    "psychsyn": "Psykometriska synonymer",
}
INDEX_PROSE = {
    "longstring": "längsta rad",
    "irv": "svarsvariationen",
    "mahad": "Mahalanobis D²",
    "evenodd": "jämn–udda-konsistensen",
    "psychsyn": "psykometriska synonymer",
}
_WORDS = {1: "en", 2: "två", 3: "tre", 4: "fyra", 5: "fem"}
OK_COLOUR, FLAG_COLOUR = "#0072b2", "#d55e00"   # Okabe–Ito blue / vermilion


# ---------------------------------------------------------------- small helpers
def _single_thread(func):
    """Run with single-threaded BLAS/OpenMP (threadpoolctl, a dependency of scikit-learn).

    The matrices here are small (26 x 26 and respondents x 26); threaded BLAS gains
    nothing and, when the build runs several notebooks in parallel, its spinning threads
    made the CFA and the invariance fits ten times slower.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


def _f(v, decimals: int = 3) -> str:
    """Swedish number with three decimals; a value that would round onto a published threshold
    (e.g. RMSEA 0.0401 -> "0,040", alpha 0.8996 -> "0,900") is cut towards its own side of the
    threshold instead (0,041 and 0,899), so that the shown value agrees with the verdict next to
    it and all values keep the same number of decimals."""
    if v is None or pd.isna(v):
        return d.num(v, decimals)
    v = float(v)
    step = 10.0 ** -decimals
    for t in THRESHOLDS:
        if round(v, decimals) == t and v != t:
            v = t - step if v < t else t + step
            break
    return d.num(v, decimals)


def _p(p) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "p < 0,001" if p < 0.001 else f"p = {d.num(p, 3)}"


def _signed(v, decimals: int = 3) -> str:
    """Signed number, rounded first so that -0.0002 is shown as 0,000 and not −0,000."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    v = float(v)
    while decimals < 6 and any(round(v, decimals) == t and v != t for t in INVARIANCE_CUTS):
        decimals += 1  # agree with the verdict: -0.0098 is not shown as the cut-off -0,010
    r = round(v, decimals)
    return d.num(0.0, decimals) if r == 0 else d.signed(r, decimals)


def _ci(lo, hi, decimals: int = 3) -> str:
    return f"[{d.num(lo, decimals)}; {d.num(hi, decimals)}]"


def _round(df: pd.DataFrame) -> pd.DataFrame:
    """CSV form: floats rounded to 6 decimals, index dropped."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(6)
    return out


def _name(any_id: str) -> str:
    return instrument.load().name_sv(any_id)


def _category_of(pid: str) -> str:
    inst = instrument.load()
    return inst.category(inst.principle(pid).category).name_sv


def _items() -> list[str]:
    return list(instrument.load().principle_ids)


def _verdict(claim: str, result: str, status: str) -> dict:
    """status: 'ok' (stämmer), 'partly' (delvis), 'no' (stämmer inte) or 'na' (kan inte prövas)."""
    return {"claim": claim, "result": result, "status": status}


# ---------------------------------------------------------------- statistics that cannot be computed
def why_sv(reason) -> str:
    """The reason a statistic cannot be computed, as a Swedish clause (no final full stop).

    ``reason``: a :class:`~dimios.quality.feasibility.NotComputable` or its ``as_dict()``."""
    r = reason.as_dict() if isinstance(reason, NotComputable) else dict(reason)
    code = r.get("code", "failed")
    if code == "too_few":
        if r.get("unit") == "eligible":
            return (f"underlaget har {d.count(r['n'])} svar med minst hälften av de {r['what']} påståendena "
                    f"besvarade, och minst {d.count(r['required'])} behövs")
        return (f"underlaget har {_complete_answers(r['n'])} på "
                f"{'de ' + str(r['what']) + ' påståendena' if r.get('what') else 'påståendena'}, "
                f"och minst {d.count(r['required'])} behövs")
    if code == "singular":
        if "rank" in r:
            return (f"korrelationsmatrisen för de {r['p']} påståendena är singulär (rang {r['rank']}): i dessa svar "
                    "är några principer helt bestämda av andra, så matrisen kan inte inverteras")
        return "en matris i beräkningen är singulär och kan inte inverteras"
    if code == "constant":
        names = d.join_sv(_name(i) for i in r["items"])
        return (f"{names} har samma svar i alla {d.count(r['n'])} fullständiga svar, så korrelationerna med "
                f"{'den' if len(r['items']) == 1 else 'dem'} är inte definierade")
    if code == "one_item":
        n_ans = len(r.get("answered", []))
        return (f"{'ingen' if n_ans == 0 else 'bara en'} av gruppens {r['k']} principer har svar, och alfa "
                "kräver minst två")
    if code == "no_variance":
        return f"summan av svaren varierar inte mellan de {d.count(r['n'])} fullständiga svaren"
    if code == "small_group":
        return (f"gruppen {r['group']} har {d.count(r['n'])} svar, och minst {d.count(r['required'])} behövs "
                "(och en grupp med färre svar än integritetsgränsen visas inte)")
    if code == "no_pairs":
        return f"inget par av påståenden korrelerar starkare än {_f(r['critval'], 2)} i dessa svar"
    return f"beräkningen misslyckades ({r.get('message', 'okänt fel')})"


def _complete_answers(n: int) -> str:
    return f"{d.count(n)} fullständigt svar" if n == 1 else f"{d.count(n)} fullständiga svar"


def _na_list(groups: list[str], na: dict, label) -> str:
    """'a, b och c (6, 10 och 9 fullständiga svar; minst 10 behövs) och d (bara en av …)': reasons
    'too_few' are told once for all groups with that reason."""
    few = [g for g in groups if na[g].get("code") == "too_few"]
    other = [g for g in groups if g not in few]
    parts = []
    if few:
        parts.append(d.join_sv(label(g) for g in few)
                     + f" ({d.join_sv(d.count(na[g]['n']) for g in few)} fullständiga svar; minst "
                     + f"{d.count(na[few[0]]['required'])} behövs)")
    parts += [f"{label(g)} ({why_sv(na[g])})" for g in other]
    return d.join_sv(parts)


def _na_paragraph(what: str, reason) -> str:
    """One paragraph: '**<what> kan inte beräknas på dessa data:** <reason>.'"""
    return f"**{what} kan inte beräknas på dessa data:** {why_sv(reason)}."


def _as_reason(exc: BaseException) -> NotComputable:
    return feasibility.from_error(exc)


def _fit_ok(rmsea: float, srmr: float) -> bool:
    return rmsea < FIT_MAX and srmr < FIT_MAX


def _ave_ok(ave: float) -> bool:
    return AVE_RANGE[0] <= ave <= AVE_RANGE[1]


def _effect_label(g: float) -> str:
    a = abs(round(g, 2))  # judged on the value shown
    return "försumbar" if a < 0.2 else "liten" if a < 0.5 else "medelstor" if a < 0.8 else "stor"


def _kmo_label(k: float) -> str:
    # Kaiser (1974): marvelous, meritorious, middling, mediocre, miserable, unacceptable
    for cut, label in ((0.9, "utmärkt"), (0.8, "mycket god"), (0.7, "god"), (0.6, "medelmåttig"), (0.5, "svag")):
        if k >= cut:
            return label
    return "otillräcklig"


def _complete_n(ctx: ReportData) -> tuple[int, int]:
    x = ctx.responses[_items()]
    return int(x.notna().all(axis=1).sum()), len(x)


# ---------------------------------------------------------------- 0. introduction
@_single_thread
def introduction(ctx: ReportData, pub: d.Publisher) -> dict:
    """Title, build mode and which data the chapter analyses."""
    n = len(ctx.responses)
    n_complete, _ = _complete_n(ctx)
    years = ctx.years
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    text = (
        "# Kvalitetskontroll av DiMiOS\n\n"
        "Kapitlet prövar DiMiOS som mätinstrument: hur omsorgsfullt respondenterna svarar, var kunskapen om "
        "principerna brister, om principerna grupperar sig i de kategorier och dimensioner modellen anger, hur "
        "tillförlitligt (reliabilitet) och hur giltigt (validitet) instrumentet mäter, och om mätningen fungerar "
        "likadant alla år. Varje avsnitt jämför resultatet med det den publicerade rapporten anger; ett värde "
        "utanför de publicerade gränserna markeras med **fetstil**.\n\n"
        f"{ctx.mode_sv} "
    )
    if ctx.exclude_careless:
        text += (f"Kapitlet analyserar de återstående {d.count(n)} svaren ({span}); "
                 "avsnittet om slarviga svar beskriver bedömningen av alla svar innan de togs bort.")
    else:
        text += f"Kapitlet analyserar alla {d.count(n)} svar ({span})."
    text += (f" Faktoranalyserna och invarianstestet använder bara svar på alla {len(_items())} påståenden "
             f"(fullständiga svar, så kallad listvis borttagning): {d.count(n_complete)} svar "
             f"({d.pct(n_complete / n * 100 if n else float('nan'), 1)}); reliabiliteten för en grupp av principer "
             "använder svaren som är fullständiga för just den gruppen.")
    factor_min = max(MIN_FACTOR_N, len(_items()) + 1)
    if n_complete < factor_min:
        text += "\n\n" + d.callout_markdown(
            f"Faktoranalyserna kräver minst {d.count(factor_min)} "
            f"fullständiga svar och Cronbachs alfa minst {d.count(MIN_ALPHA_N)} för en grupp av principer. "
            "Med färre svar blir skattningarna inte bara osäkra utan ofta omöjliga (korrelationsmatrisen blir "
            "singulär). Ett mått som inte kan beräknas redovisas därför som ej beräkningsbart, med skälet, i "
            "stället för med ett tal.", title="Litet underlag")
    pub.markdown(text)
    return {"n": n, "n_complete": n_complete, "mode": ctx.mode_sv}


# ---------------------------------------------------------------- 1. careless responding
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
                 "utan dem (parametern `exclude_careless`).")
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
            "(täckning, *recall*), och hur stor andel av de flaggade svaren är verkligen inplanterade "
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


# ---------------------------------------------------------------- 2. knowledge level
def _knowledge_figure(wide: pd.DataFrame, col_labels: list[str], names: list[str], group_labels: list[str]):
    import matplotlib.pyplot as plt

    style()
    vals = wide.to_numpy(dtype=float) * 100
    fig, ax = plt.subplots(figsize=(7.5, 0.26 * len(names) + 1.6))
    masked = np.ma.masked_invalid(vals)
    vmax = max(float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0, 1.0)
    im = ax.imshow(masked, aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            ax.text(j, i, "–" if np.isnan(v) else d.num(v, 1), ha="center", va="center", fontsize=7,
                    color="white" if (not np.isnan(v) and v > 0.6 * vmax) else "#222222")
    ax.set_xticks(range(len(col_labels)), col_labels, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.grid(False)
    per_group = len(col_labels) // len(group_labels)
    for i, label in enumerate(group_labels):
        ax.text((i + 0.5) * per_group - 0.5, -1.6, label, ha="center", va="bottom", fontsize=9, fontweight="bold")
        if i:
            ax.axvline(i * per_group - 0.5, color="black", lw=1.2)
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.set_label("Andel ”vet ej” eller obesvarat (%)", fontsize=8)
    fig.tight_layout()
    return fig


@_single_thread
def knowledge_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Share of "vet ej"/unanswered per principle and year, involved vs not (figure 8)."""
    from dimios.quality import knowledge

    inst = instrument.load()
    items = _items()
    resp = ctx.responses
    years = ctx.years
    k = ctx.privacy_threshold
    dont_know = inst.scale.dont_know
    split = knowledge.missing_share(resp, items, by="year", split="involved")
    overall = knowledge.missing_share(resp, items, by="year", split=None)
    complete = knowledge.complete_share(resp, items, by="year")
    small = split["n"] < k
    split.loc[small, ["n_missing", "share_missing"]] = np.nan

    pooled = resp[items].isna().mean()
    top = pooled.sort_values(ascending=False, kind="stable").head(3)
    low = pooled.sort_values(kind="stable").head(3)
    inv = resp["involved"]
    is_inv, is_not = (inv == True).to_numpy(), (inv == False).to_numpy()  # noqa: E712
    # a group below the privacy threshold is not shown (nor its share)
    miss_inv = resp.loc[is_inv, items].isna().to_numpy().mean() * 100 if is_inv.sum() >= k else np.nan
    miss_not = resp.loc[is_not, items].isna().to_numpy().mean() * 100 if is_not.sum() >= k else np.nan

    def _group_pct(v: float) -> str:
        return d.pct(v, 1) if not np.isnan(v) else f"redovisas inte (färre än {k} svar)"
    first, last = years[0], years[-1]
    c = complete.set_index("year")
    delta = (c.loc[last, "share_complete"] - c.loc[first, "share_complete"]) * 100
    thr = inst.scoring.trend_threshold
    direction = "ökande" if delta > thr else "minskande" if delta < -thr else "stabil"
    all_years_most = bool((complete["share_complete"] > 0.5).all())

    pub.markdown(
        "## Kunskapsnivå\n\n"
        f"En respondent kan svara ”{dont_know}” eller lämna ett påstående obesvarat, till exempel när kunskapen om "
        "principen saknas i den egna rollen. Båda räknas här som en kunskapslucka. Andelen säger inte varför "
        "kunskapen saknas, men visar var i instrumentet och hos vilka respondenter luckorna finns."
    )
    text = (
        f"Andelen respondenter som svarade på alla {len(items)} påståenden var "
        + d.join_sv(f"{d.pct(c.loc[y, 'share_complete'] * 100, 1)} ({y})" for y in years) + ". "
    )
    if len(years) > 1:
        text += (f"Från {first} till {last} ändrades andelen med {d.signed(delta, 1)} procentenheter, alltså "
                 f"{direction} (gräns ±{d.num(thr, 0)} procentenheter, samma som för principernas trender). ")
    text += (
        f"I genomsnitt besvarades {d.num(resp[items].notna().sum(axis=1).mean(), 1)} av {len(items)} påståenden. "
        + (f"Flest luckor över alla år har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in top.items())}; "
           f"minst har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in low.items())}. "
           if pooled.max() > 0 else "Inget påstående har någon lucka. ")
        + (f"Respondenter som är involverade i digitaliseringsarbetet lämnade i genomsnitt {d.pct(miss_inv, 1)} av "
           f"påståendena obesvarade, övriga {d.pct(miss_not, 1)}."
           if not (np.isnan(miss_inv) or np.isnan(miss_not)) else
           f"Andelen obesvarade påståenden för involverade och övriga respondenter redovisas bara för grupper med "
           f"minst {k} svar: involverade {_group_pct(miss_inv)}, övriga {_group_pct(miss_not)}.")
    )
    pub.markdown(text)

    ct = pd.DataFrame({
        "År": [str(y) for y in complete["year"]],
        "Svar": [d.count(v) for v in complete["n"]],
        "Svarade på alla": [d.count(v) for v in complete["n_complete"]],
        "Andel (%)": [d.num(v * 100, 1) for v in complete["share_complete"]],
        "Medel antal besvarade": [d.num(v, 1) for v in complete["mean_answered"]],
    })
    pub.table(ct, "quality-complete", f"Respondenter som svarade på alla {len(items)} påståenden, per år",
              csv=_round(complete))

    # principle x (group, year) for table and figure
    wide_all = overall.pivot(index="item", columns="year", values="share_missing").reindex(items)
    groups = [(True, "Involverade"), (False, "Ej involverade")]
    cols, labels = [], []
    for flag, label in groups:
        sub = split[split["involved"] == flag].pivot(index="item", columns="year", values="share_missing")
        sub = sub.reindex(index=items, columns=years)
        for y in years:
            cols.append(sub[y].rename((label, y)))
            labels.append(str(y))
    wide = pd.concat(cols, axis=1)
    table = pd.DataFrame({"Princip": [_name(p) for p in items]})
    for y in years:
        table[f"{y} (%)"] = [d.num(v * 100, 1) for v in wide_all[y]]
    for label, sel in (("Involverade", is_inv), ("Ej involverade", is_not)):
        share = resp.loc[sel, items].isna().mean() if sel.sum() >= k else pd.Series(np.nan, index=items)
        table[f"{label}, alla år (%)"] = [d.num(v * 100, 1) for v in share]
    csv = pd.concat([overall.assign(group="alla"),
                     split.assign(group=np.where(split["involved"], "involverade", "ej_involverade"))
                     .drop(columns="involved")], ignore_index=True)
    csv = csv[["year", "group", "item", "n", "n_missing", "share_missing"]]
    pub.table(table, "quality-knowledge", f"Andel ”{dont_know}” eller obesvarat per princip och år, och för "
              "involverade och ej involverade respondenter", csv=_round(csv))

    fig = _knowledge_figure(wide, labels, [_name(p) for p in items], [g[1] for g in groups])
    inv_means = wide.xs("Involverade", axis=1, level=0).mean(axis=1)
    hi_inv = inv_means.idxmax() if inv_means.notna().any() else None
    alt = (f"Värmekarta med en rad per princip och en kolumn per år, först för involverade och sedan för ej "
           f"involverade respondenter; mörkare blått betyder större andel ”{dont_know}” eller obesvarat. "
           f"Störst andel över alla år har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in top.items())}. "
           f"Involverade lämnar i genomsnitt {_group_pct(miss_inv)} obesvarat, ej involverade {_group_pct(miss_not)}"
           + (f"; bland involverade är andelen störst för {_name(hi_inv)}." if hi_inv is not None else "."))
    note = f" Grupper med färre än {k} svar visas inte." if small.any() else ""
    pub.figure(fig, "quality-knowledge", "Översikt av kunskapsnivå: andel ”vet ej” eller obesvarat per princip, år "
               "och involvering (jfr figur 8 i den publicerade rapporten)." + note, alt)

    status = "ok" if all_years_most and (len(years) < 2 or delta >= -thr) else "no"
    res = (f"{d.pct(c.loc[first, 'share_complete'] * 100, 1)} ({first})"
           + (f" till {d.pct(c.loc[last, 'share_complete'] * 100, 1)} ({last}) svarade på alla påståenden, "
              f"{direction} ({d.signed(delta, 1)} procentenheter)" if len(years) > 1 else " svarade på alla påståenden"))
    return {"complete": complete, "missing": csv, "top": top, "delta": delta, "direction": direction,
            "verdicts": [_verdict(CLAIMS["knowledge"], res, status)]}


# ---------------------------------------------------------------- 3. EFA
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
                 + ("under 0,04, i linje med den publicerade rapporten.\n" if ok[m] else
                    f"**{'RMSEA' if r['rmsea'] >= FIT_MAX else ''}"
                    f"{' och ' if r['rmsea'] >= FIT_MAX and r['srmr'] >= FIT_MAX else ''}"
                    f"{'SRMR' if r['srmr'] >= FIT_MAX else ''} över den publicerade gränsen 0,04.**\n"))
    if not fit["converged"].all():
        text += ("\n**Skattningen konvergerade inte för " + d.join_sv(MODEL_NAMES[m] for m in fit.index
                                                                       if not fit.loc[m, "converged"]) + ".**\n")
    if bad and good:
        text += ("\nKategorimodellerna beskriver data väl, men att föra principerna direkt till två dimensioner "
                 "utan kategorierna räcker inte. Den publicerade gränsen uppfylls alltså av modell "
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


# ---------------------------------------------------------------- 5. reliability
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
        if not np.isnan(r.ave):
            notes.append("AVE inom 0,51–0,75" if _ave_ok(r.ave) else "**AVE utanför 0,51–0,75**")
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
        text += ("Alla tre ligger över 0,9, i linje med den publicerade rapporten. " if alpha_ok and not top_na else
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
            "McDonalds omega (sammansatt reliabilitet) och Average Variance Extracted (AVE, den andel av principernas "
            "variation som faktorn fångar) beräknas från de standardiserade laddningarna: dimensionerna från modell "
            f"(a), kategorierna från modell (b). AVE ligger mellan {_f(aves['ave'].min())} och {_f(aves['ave'].max())}. "
            + ("Alla värden ligger inom det publicerade spannet 0,51–0,75." if not ave_bad else
               "**Utanför det publicerade spannet 0,51–0,75 ligger " + d.join_sv(
                   f"{_name(g).lower()} ({_f(aves.loc[g, 'ave'])})" for g in ave_bad) + ".**")
        )
    else:
        text += ("McDonalds omega (sammansatt reliabilitet) och Average Variance Extracted (AVE) beräknas från de "
                 "standardiserade laddningarna i den bekräftande faktoranalysen. "
                 + (_na_paragraph("Den", cfa_reason) if cfa_reason else
                    "**Laddningarna saknas, så omega och AVE kan inte beräknas.**"))
    pub.markdown(text)
    pub.table(table, "quality-reliability", "Reliabilitet per nivå: Cronbachs alfa med 95 % konfidensintervall, "
              "omega och AVE (n = fullständiga svar för gruppen); publicerade gränser: alfa över 0,9 för instrumentet och "
              "dimensionerna, AVE 0,51–0,75", csv=_round(rel), align="llrrrrrl")

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
            + ("" if not ave_bad else " (**utanför: " + d.join_sv(_name(g).lower() for g in ave_bad) + "**)"),
            "ok" if not ave_bad else "partly" if len(ave_bad) < len(aves) else "no")
    result["verdicts"] = [alpha_verdict, ave_verdict]
    return result


# ---------------------------------------------------------------- 6. known-groups validity
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
    size = {"försumbar": "försumbara", "liten": "små", "medelstor": "medelstora", "stor": "stora"}[_effect_label(g_max)]
    mixed_sign = bool((kg["difference"] > 0).any() and (kg["difference"] < 0).any())
    pub.markdown(
        "## Validitet: kända grupper\n\n"
        "Om instrumentet mäter det avsedda bör respondenter som själva arbetar med digitalisering bedöma "
        "organisationen annorlunda än respondenter som främst använder digital teknik. Respondentens poäng per "
        "dimension är medelvärdet av de besvarade påståendena i procent (minst hälften besvarade). Involverade "
        f"respondenter bedömer {d.join_sv(parts)}. "
        + (f"Grupperna skiljer sig alltså åt i {'båda dimensionerna' if len(kg) == 2 else 'alla dimensioner'} "
           "(Welch-test, och konfidensintervallet för g innehåller inte noll), i linje med den publicerade "
           f"rapporten; skillnaderna är dock högst {size} (största |g| = {_f(g_max, 2)})."
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
            "verdicts": [_verdict(CLAIMS["known_groups"], res + (f" (högst {size} effekter)" if all_apart else ""),
                                  status)]}


# ---------------------------------------------------------------- 7. measurement invariance
@_single_thread
def invariance_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Configural, metric and scalar invariance of the category model across years."""
    from dimios.quality import invariance

    inst = instrument.load()
    items = _items()
    resp = ctx.responses
    complete = resp[items].notna().all(axis=1)
    n_year = resp[complete].groupby("year").size()
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
    if scalar_ok:
        level, meaning = "skalär", (
            "Principerna mäter alltså samma sak på samma sätt alla år: både laddningarna och utgångsnivåerna är "
            "desamma. Skillnader i medelvärden mellan åren kan därför tolkas som verklig förändring i mognad och "
            "inte som att respondenterna har börjat förstå påståendena på ett annat sätt.")
    elif metric_ok:
        level, meaning = "metrisk", (
            "Laddningarna är desamma alla år, men utgångsnivåerna skiljer sig. Samband kan jämföras mellan åren, "
            "men **skillnader i medelvärden mellan åren kan delvis bero på att påståendena uppfattas olika och ska "
            "tolkas med försiktighet.**")
    else:
        level, meaning = "konfigural", (
            "Bara strukturen (vilka principer som hör till vilken kategori) är densamma; **varken samband eller "
            "medelvärden kan jämföras mellan åren utan vidare.**")
    text = (
        "En jämförelse av medelvärden mellan år förutsätter att instrumentet mäter likadant varje år. Det prövas "
        "stegvis med kategorimodellen (b) skattad för alla år samtidigt: konfigural (samma struktur), metrisk "
        "(samma laddningar) och skalär (samma laddningar och utgångsnivåer, intercept). Ett steg godtas när CFI "
        "försämras med högst 0,010 och RMSEA ökar med högst 0,015 jämfört med föregående steg (Chen, 2007); "
        "χ²-differenstestet redovisas men är överkänsligt vid så här många svar. Underlaget är de fullständiga "
        "svaren: " + d.join_sv(f"{d.count(n)} ({y})" for y, n in zip(mi.groups["year"], mi.groups["n"])) + "."
        + (f" År med färre än {MIN_GROUP_COMPLETE} fullständiga svar ({d.join_sv(str(y) for y in dropped)}) ingår inte."
           if dropped else "")
        + (" Inte heller " + d.join_sv(f"{y} ({why_sv(r)})" for y, r in unusable.items()) + " ingår."
           if unusable else "")
        + f"\n\nDen konfigurala modellen har CFI {_f(conf['cfi'])} och RMSEA {_f(conf['rmsea'])}"
        + (". " if conf_ok else " – **strukturen passar inte väl alla år, vilket försvagar de följande stegen.** ")
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
            "verdicts": [_verdict("Medelvärden kan jämföras mellan år (prövas inte i den publicerade rapporten).",
                                  res, "ok" if scalar_ok else "partly" if metric_ok else "no")]}


# ---------------------------------------------------------------- 8. summary
def summary_section(ctx: ReportData, pub: d.Publisher, *results: dict) -> list[dict]:
    """Closing list: each published claim with the result of this build and a verdict."""
    status_sv = {"ok": "Stämmer", "partly": "**Stämmer delvis**", "no": "**Stämmer inte**",
                 "na": "**Kan inte prövas**"}
    verdicts = [v for r in results if r for v in r.get("verdicts", [])]
    lines = [f"- {status_sv[v['status']]}: {v['claim']} Här: {v['result']}." for v in verdicts]
    n_ok = sum(v["status"] == "ok" for v in verdicts)
    n_na = sum(v["status"] == "na" for v in verdicts)
    tested = len(verdicts) - n_na
    pub.markdown(
        "## Sammanfattning\n\n"
        f"{ctx.mode_sv} Jämfört med den publicerade rapporten stämmer {n_ok} av {len(verdicts)} påståenden fullt ut"
        + (f"; {n_na} av dem kan inte prövas på dessa data, så {n_ok} av de {tested} som kan prövas stämmer"
           if n_na else "") + ":\n\n"
        + "\n".join(lines)
    )
    if pub.dir is not None:  # machine-readable verdicts beside the tables (the list above is the display)
        pd.DataFrame(verdicts, columns=["claim", "result", "status"]).to_csv(
            pub.dir / "quality-summary.csv", index=False, lineterminator="\n")
    return verdicts
