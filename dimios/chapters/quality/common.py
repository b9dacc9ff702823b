"""Shared parts of the quality chapter: the published claims it compares with, display names,
number formats and small helpers used by every section."""

from __future__ import annotations

import functools
import math

import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.context import ReportData
from dimios.quality import feasibility
from dimios.words import COUNT_WORDS as _WORDS  # noqa: F401 - the chapter's names
from dimios.words import INDEX_PROSE  # noqa: F401

# ---------------------------------------------------------------- published claims (report 2.5)
ALPHA_MIN = 0.90             # Cronbach's alpha above .9 for the whole instrument and each dimension
FIT_MAX = 0.04               # RMSEA and SRMR below .04
AVE_RANGE = (0.51, 0.75)     # AVE observed in the published data: a range to show beside ours, not a bound
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
    "ave": "AVE låg mellan 0,51 och 0,75 i de publicerade data (det observerade spannet, ingen gräns).",
}

MODEL_NAMES = {
    "a_dimensions": "(a) Två dimensioner",
    "b_categories": "(b) Sex kategorier",
    "c_second_order": "(c) Sex kategorier under två dimensioner",
}
STEP_NAMES = {"configural": "Konfigural", "metric": "Metrisk", "scalar": "Skalär"}
INDEX_NAMES = {
    "longstring": "Längsta följd av lika svar (longstring)",
    "irv": "Svarsvariation (IRV)",
    "mahad": "Mahalanobis D²",
    "evenodd": "Jämn–udda-konsistens",
    "psychsyn": "Psykometriska synonymer",
}
# Said where omega is named: which omega it is (lavaan/semTools' default differs on unequal item variances).
OMEGA_SV = (
    "McDonalds omega (sammansatt reliabilitet) beräknas här från de standardiserade laddningarna i den "
    "bekräftande faktoranalysen och är alltså reliabiliteten för summan av standardiserade princippoäng. När "
    "principernas varianser skiljer sig åt blir den en annan än den omega för summan av råpoäng som till "
    "exempel R-paketet semTools redovisar som standard."
)
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
    """status: 'ok' (stämmer), 'partly' (delvis), 'no' (stämmer inte), 'na' (kan inte prövas) or
    'range' (a range shown beside the published observed range: a comparison, not a test)."""
    return {"claim": claim, "result": result, "status": status}


#: What the summary says of each status: on real data about the published claim, on the synthetic
#: default panel about the method (the panel was generated from the model the checks test).
STATUS_SV = {"ok": "Stämmer", "partly": "**Stämmer delvis**", "no": "**Stämmer inte**",
             "na": "**Kan inte prövas**", "range": "Jämförelse"}
STATUS_SYNTHETIC_SV = {"ok": "Återfinns i panelen", "partly": "**Återfinns delvis i panelen**",
                       "no": "**Återfinns inte i panelen**", "na": "**Kan inte prövas**", "range": "Jämförelse"}


def _agrees(ctx: ReportData, real: str, synthetic: str) -> str:
    """The clause that compares a result with the published report: on the synthetic default panel it
    speaks of the method recovering the generator's structure, on other data of the published claim."""
    return synthetic if ctx.default_panel else real


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
