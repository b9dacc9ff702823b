"""National means per principle and year, and the trend class of their change."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dimios import instrument

CLASS_SV = {"negative": "negativ", "stable": "stabil", "positive": "positiv"}


def national_means(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Mean organisation score (percent) per year (rows) and principle (columns).

    Every organisation weighs the same (the unit of the spread tables)."""
    ids = list(instrument.load().principle_ids)
    return org_scores[ids].groupby(level="year").mean()


def classify(change, threshold: float | None = None):
    """'negative' below -threshold, 'positive' above +threshold, otherwise 'stable'.

    A change exactly at the threshold is stable (the class needs *more than* two points)."""
    thr = instrument.load().scoring.trend_threshold if threshold is None else float(threshold)
    c = np.asarray(change, dtype="float64")
    out = np.where(c < -thr, "negative", np.where(c > thr, "positive", "stable"))
    out = np.where(np.isnan(c), None, out)
    return out if out.ndim else out.item()


def principle_trends(org_scores: pd.DataFrame, first: int | None = None, last: int | None = None,
                     threshold: float | None = None) -> pd.DataFrame:
    """Per principle: mean in the first and last year, change (points) and class.

    first/last default to the earliest and latest year in which the principle has scores."""
    means = national_means(org_scores)
    rows = []
    for pid in means.columns:
        s = means[pid].dropna()
        if s.empty:
            rows.append((pid, None, None, np.nan, np.nan, np.nan, None))
            continue
        y0 = first if first is not None else int(s.index.min())
        y1 = last if last is not None else int(s.index.max())
        m0 = s.get(y0, np.nan)
        m1 = s.get(y1, np.nan)
        change = m1 - m0
        rows.append((pid, y0, y1, m0, m1, change, classify(change, threshold)))
    return pd.DataFrame(rows, columns=["principle", "first_year", "last_year", "first_mean", "last_mean",
                                       "change", "trend"]).set_index("principle")


# ---------------------------------------------------------------- headline means
def dimension_means(org_scores: pd.DataFrame) -> pd.DataFrame:
    """National mean (percent) per year of the dimension scores and overall maturity.

    Rows: years; columns: the dimension ids (instrument order) and ``overall``. Each
    organisation weighs the same; its dimension score is the mean of its available
    principle scores in the dimension (``scoring.group_scores``)."""
    from dimios import scoring

    cols = [dim.id for dim in instrument.load().dimensions] + ["overall"]
    return scoring.group_scores(org_scores)[cols].groupby(level="year").mean()


def yearly_changes(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Change of each principle's national mean from one measured year to the next.

    Rows: the later year of each pair of consecutive years in the data; columns: principles."""
    return national_means(org_scores).diff().iloc[1:]


# ---------------------------------------------------------------- uncertainty
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20240601
CI_LEVEL = 0.95


def uncertain(ci_low, ci_high, threshold: float | None = None):
    """True where a confidence interval reaches into more than one trend class.

    The interval [low, high] is certain only if both ends get the same class from
    ``classify``; a NaN interval is not flagged."""
    lo, hi = classify(ci_low, threshold), classify(ci_high, threshold)
    lo, hi = np.atleast_1d(lo), np.atleast_1d(hi)
    out = np.array([a is not None and b is not None and a != b for a, b in zip(lo, hi)])
    return out if np.ndim(ci_low) else bool(out[0])


def _year_matrix(org_scores: pd.DataFrame, year: int, ids: list[str], organisations=None):
    """Score matrix (organisations x principles) of one year, optionally for given organisations."""
    block = org_scores.xs(year, level="year")[ids]
    if organisations is not None:
        block = block.reindex(list(organisations))
    return block.to_numpy(dtype="float64")


def _weighted_means(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Means of the columns of x (NaN skipped) for each row of weights (reps x n) -> (reps x k).

    Formed column by column from elementwise products and numpy's own sums, not a BLAS matrix
    product: the result is the same on every BLAS kernel (see ``dimios.draws``)."""
    valid = ~np.isnan(x)
    xz = np.where(valid, x, 0.0)
    num = np.empty((weights.shape[0], x.shape[1]))
    den = np.empty((weights.shape[0], x.shape[1]))
    for j in range(x.shape[1]):  # loop over principles, not organisations
        num[:, j] = (weights * xz[:, j]).sum(axis=1)
        den[:, j] = (weights * valid[:, j]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _resample_weights(rng: np.random.Generator, n: int, reps: int) -> np.ndarray:
    """How often each of n organisations is drawn in each of reps bootstrap samples (reps x n)."""
    if n == 0:
        return np.zeros((reps, 0))
    return rng.multinomial(n, np.full(n, 1.0 / n), size=reps).astype("float64")


def common_organisations(org_scores: pd.DataFrame, first: int, last: int) -> list[str]:
    """Organisations with a score row in both ``first`` and ``last`` (sorted ids)."""
    ids = org_scores.index.get_level_values("organisation_id")
    years = org_scores.index.get_level_values("year")
    both = set(ids[years == first]) & set(ids[years == last])
    return sorted(both)


def bootstrap_change(org_scores: pd.DataFrame, first: int | None = None, last: int | None = None,
                     reps: int = BOOTSTRAP_REPS, seed: int | None = BOOTSTRAP_SEED, level: float = CI_LEVEL,
                     paired: bool = False) -> pd.DataFrame:
    """Bootstrap percentile interval of each principle's change of national mean, first -> last year.

    ``paired=False``: organisations are resampled with replacement within each year,
    independently (all organisations of each year; the published comparison).
    ``paired=True``: only organisations measured in both years; the same resample of
    organisations is used in both years (their own change, free of composition).
    Vectorised: each replicate is a vector of draw counts per organisation, and the
    replicate means are one matrix product. The same seed gives the same interval.

    Returns, per principle: ``change`` (point estimate), ``ci_low``, ``ci_high``, ``se``
    (bootstrap standard deviation) and ``n_first``/``n_last`` (organisations with a score)."""
    ids = list(instrument.load().principle_ids)
    years = sorted(int(y) for y in org_scores.index.get_level_values("year").unique())
    first = years[0] if first is None else int(first)
    last = years[-1] if last is None else int(last)
    rng = np.random.default_rng(seed)
    if paired:
        orgs = common_organisations(org_scores, first, last)
        x0 = _year_matrix(org_scores, first, ids, orgs) if orgs else np.empty((0, len(ids)))
        x1 = _year_matrix(org_scores, last, ids, orgs) if orgs else np.empty((0, len(ids)))
        w0 = w1 = _resample_weights(rng, len(orgs), reps)
    else:
        x0 = _year_matrix(org_scores, first, ids) if first in years else np.empty((0, len(ids)))
        x1 = _year_matrix(org_scores, last, ids) if last in years else np.empty((0, len(ids)))
        w0 = _resample_weights(rng, x0.shape[0], reps)
        w1 = _resample_weights(rng, x1.shape[0], reps)
    ones0, ones1 = np.ones((1, x0.shape[0])), np.ones((1, x1.shape[0]))
    point = (_weighted_means(ones1, x1) - _weighted_means(ones0, x0))[0]
    boot = _weighted_means(w1, x1) - _weighted_means(w0, x0)
    alpha = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(boot, [alpha, 1.0 - alpha], axis=0)
        se = np.nanstd(boot, axis=0, ddof=1)
    return pd.DataFrame({"change": point, "ci_low": lo, "ci_high": hi, "se": se,
                         "n_first": (~np.isnan(x0)).sum(axis=0), "n_last": (~np.isnan(x1)).sum(axis=0)},
                        index=pd.Index(ids, name="principle"))


def trend_table(org_scores: pd.DataFrame, threshold: float | None = None, reps: int = BOOTSTRAP_REPS,
                seed: int | None = BOOTSTRAP_SEED, level: float = CI_LEVEL) -> pd.DataFrame:
    """``principle_trends`` with bootstrap intervals, and the same for organisations measured both years.

    Columns: those of ``principle_trends``; ``ci_low``/``ci_high``/``uncertain`` (all
    organisations, within-year resampling); ``same_change``/``same_trend``/
    ``same_ci_low``/``same_ci_high``/``same_uncertain`` and ``n_same`` (organisations
    measured in both the first and the last year, paired resampling)."""
    thr = instrument.load().scoring.trend_threshold if threshold is None else float(threshold)
    tr = principle_trends(org_scores, threshold=thr)
    years = sorted(int(y) for y in org_scores.index.get_level_values("year").unique())
    first, last = years[0], years[-1]
    allb = bootstrap_change(org_scores, first, last, reps=reps, seed=seed, level=level)
    same = bootstrap_change(org_scores, first, last, reps=reps, seed=seed, level=level, paired=True)
    out = tr.copy()
    out["ci_low"], out["ci_high"] = allb["ci_low"], allb["ci_high"]
    out["uncertain"] = uncertain(out["ci_low"].to_numpy(), out["ci_high"].to_numpy(), thr)
    out["same_change"] = same["change"]
    out["same_trend"] = classify(same["change"].to_numpy(), thr)
    out["same_ci_low"], out["same_ci_high"] = same["ci_low"], same["ci_high"]
    out["same_uncertain"] = uncertain(same["ci_low"].to_numpy(), same["ci_high"].to_numpy(), thr)
    out["n_same"] = len(common_organisations(org_scores, first, last))
    return out


# ---------------------------------------------------------------- change per organisation
STEADY_TOLERANCE = 2.0
DIRECTION_SV = {"improved": "förbättrad", "steady": "oförändrad", "declined": "försämrad"}


def organisation_changes(org_scores: pd.DataFrame, tolerance: float = STEADY_TOLERANCE,
                         min_respondents: int | None = None) -> pd.DataFrame:
    """Each organisation's move in the förmåga x arv plane between consecutive measurements.

    Consecutive measurements are an organisation's successive years with a score row
    (a year without measurement is skipped: 2021 -> 2023). With ``min_respondents`` a pair
    is kept only if the organisation had at least that many respondents in both years.

    Per pair: ``d_formaga``, ``d_arv`` (points), ``distance`` (Euclidean, points),
    ``angle`` (degrees, 0 = only förmåga up, 90 = only arv up) and ``direction``:
    ``steady`` when the distance is below ``tolerance``; otherwise ``improved`` when the
    move points to higher maturity (d_formaga + d_arv > 0, i.e. towards the upper right
    half-plane), ``declined`` when it points to lower (< 0); a move along the
    anti-diagonal (sum exactly 0) counts as steady."""
    from dimios import scoring

    dim_f, dim_a = (dim.id for dim in instrument.load().dimensions)
    pos = scoring.group_scores(org_scores)[[dim_f, dim_a]].copy()
    pos["n_respondents"] = org_scores["n_respondents"].to_numpy()
    pos = pos.reset_index().sort_values(["organisation_id", "year"], kind="stable")
    prev = pos.groupby("organisation_id", sort=False).shift(1)
    pairs = pd.DataFrame({
        "organisation_id": pos["organisation_id"].to_numpy(),
        "from_year": prev["year"].to_numpy(),
        "to_year": pos["year"].to_numpy(),
        "d_formaga": (pos[dim_f] - prev[dim_f]).to_numpy(),
        "d_arv": (pos[dim_a] - prev[dim_a]).to_numpy(),
        "n_from": prev["n_respondents"].to_numpy(),
        "n_to": pos["n_respondents"].to_numpy(),
    })
    pairs = pairs[pairs["from_year"].notna()]
    if min_respondents is not None:
        pairs = pairs[(pairs["n_from"] >= min_respondents) & (pairs["n_to"] >= min_respondents)]
    pairs = pairs.dropna(subset=["d_formaga", "d_arv"]).copy()
    pairs["from_year"] = pairs["from_year"].astype("int64")
    pairs["to_year"] = pairs["to_year"].astype("int64")
    pairs["distance"] = np.hypot(pairs["d_formaga"], pairs["d_arv"])
    pairs["angle"] = np.degrees(np.arctan2(pairs["d_arv"], pairs["d_formaga"]))
    total = pairs["d_formaga"] + pairs["d_arv"]
    pairs["direction"] = np.where(pairs["distance"] < tolerance, "steady",
                                  np.where(total > 0, "improved", np.where(total < 0, "declined", "steady")))
    return pairs.drop(columns=["n_from", "n_to"]).sort_values(["to_year", "from_year", "organisation_id"]) \
        .reset_index(drop=True)


def change_shares(changes: pd.DataFrame, by: str | None = "to_year") -> pd.DataFrame:
    """Number of moves and shares (percent) improved / steady / declined, per ``by`` and in total.

    Rows: the values of ``by`` and ``'total'`` (just one row if by is None); columns ``n``,
    ``improved``, ``steady``, ``declined`` (percent of n), ``median_distance`` (points)."""
    def row(g: pd.DataFrame) -> dict:
        n = len(g)
        shares = {k: (float((g["direction"] == k).mean() * 100) if n else np.nan) for k in DIRECTION_SV}
        return {"n": n, **shares, "median_distance": float(g["distance"].median()) if n else np.nan}

    rows, index = [], []
    if by is not None:
        for key, g in changes.groupby(by, sort=True):
            rows.append(row(g))
            index.append(str(key))
    rows.append(row(changes))
    index.append("total")
    return pd.DataFrame(rows, index=pd.Index(index, name=by or "group"))


def quadrant_shares(positions: pd.DataFrame) -> pd.DataFrame:
    """Share (percent) of organisations in each quadrant type per year (rows: years; columns: quadrant ids)."""
    ids = [q.id for q in instrument.load().quadrants]
    counts = positions.groupby(level="year")["quadrant"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=ids, fill_value=0)
    return counts.div(counts.sum(axis=1), axis=0) * 100


# ---------------------------------------------------------------- wording of the years
def years_sv(years) -> str:
    """The years of the data in Swedish: '2023', '2020–2023', or '2021 och 2023' /
    '2020–2023 (utom 2022)' when years are missing in between."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return "inga år"
    if len(ys) == 1:
        return str(ys[0])
    missing = [y for y in range(ys[0], ys[-1] + 1) if y not in ys]
    if not missing:
        return f"{ys[0]}–{ys[-1]}"
    if len(ys) == 2:
        return f"{ys[0]} och {ys[-1]}"
    return f"{ys[0]}–{ys[-1]} (utom {' och '.join(str(y) for y in missing)})"


def years_phrase_sv(years) -> str:
    """The years with their noun: 'år 2023' (one year), 'åren 2020–2023', 'åren 2021 och 2023'."""
    return f"{'år' if len({int(y) for y in years}) == 1 else 'åren'} {years_sv(years)}"


def missing_years(years) -> list[int]:
    """Years between the first and last year of the data that have no data."""
    ys = sorted({int(y) for y in years})
    return [y for y in range(ys[0], ys[-1] + 1) if y not in ys] if ys else []


# ---------------------------------------------------------------- level shares against the mean
# A share of organisations at a level counts as moved when it changes by more than this many
# percentage points between the first and the last year (the trend class uses 2 points on the
# mean; a share of organisations is coarser, a count over a cut point, so it needs a wider band).
LEVEL_SHARE_THRESHOLD = 5.0
SHARE_DIRECTION_SV = {"up": "steg", "down": "sjönk", "flat": "låg i stort sett still"}


def spread_vs_mean(org_scores: pd.DataFrame, threshold: float | None = None,
                   share_threshold: float = LEVEL_SHARE_THRESHOLD) -> pd.DataFrame:
    """Per principle, first to last year: the mean's trend class next to the share of
    organisations at the upper levels (3 and 4), and whether the two move differently.

    Columns: those of ``principle_trends``; ``high_first``/``high_last``/``high_change``
    (share at levels 3-4, percent / points), ``n_first``/``n_last`` (organisations with a
    score), ``n_same`` (of them, scored in both years), ``share_direction`` (up / down / flat by ``share_threshold``) and ``disagree``:
    True when the mean falls while the share rises, rises while the share falls, or is
    stable while the share moves by more than ``share_threshold`` points."""
    from dimios import scoring

    tr = principle_trends(org_scores, threshold=threshold)
    levels = scoring.principle_levels(org_scores)
    n_levels = instrument.load().scoring.n_levels
    upper = (levels >= n_levels - 1).where(levels.notna())
    by_year = upper.groupby(level="year")
    share = by_year.mean().astype("float64") * 100
    count = levels.notna().groupby(level="year").sum()
    rows = []
    for pid, r in tr.iterrows():
        if r["first_year"] is None or pd.isna(r["first_year"]):
            rows.append((np.nan, np.nan, np.nan, 0, 0, 0))
            continue
        y0, y1 = int(r["first_year"]), int(r["last_year"])
        h0, h1 = float(share.loc[y0, pid]), float(share.loc[y1, pid])
        scored = org_scores[pid].dropna()
        ids = scored.index.get_level_values("organisation_id")
        yrs = scored.index.get_level_values("year")
        same = len(set(ids[yrs == y0]) & set(ids[yrs == y1]))
        rows.append((h0, h1, h1 - h0, int(count.loc[y0, pid]), int(count.loc[y1, pid]), same))
    out = tr.copy()
    cols = ["high_first", "high_last", "high_change", "n_first", "n_last", "n_same"]
    out[cols] = pd.DataFrame(rows, index=tr.index, columns=cols)
    ch = out["high_change"].round(9)  # a change exactly at the threshold is not a move (no float noise)
    out["share_direction"] = np.where(ch > share_threshold, "up", np.where(ch < -share_threshold, "down", "flat"))
    out.loc[ch.isna(), "share_direction"] = None
    single = out["first_year"] == out["last_year"]
    out["disagree"] = ~single & (
        ((out["trend"] == "negative") & (out["share_direction"] == "up"))
        | ((out["trend"] == "positive") & (out["share_direction"] == "down"))
        | ((out["trend"] == "stable") & out["share_direction"].isin(["up", "down"])))
    return out


# ---------------------------------------------------------------- the published section 2.4
PUBLISHED_OVERVIEW = "published_overview_2_4.csv"


def published_overview() -> pd.DataFrame:
    """What the published report's section 2.4 says per principle, in its prose and its trend figure.

    ``figure_class``: the class in the report's trend figure (all principles,
    ``dimios.reference``). From ``data/reference/published_overview_2_4.csv``, for the
    principles the prose names: ``prose_class`` (what the prose implies: positive, stable or
    negative), ``prose_measure`` (``trend``: a statement about the mean's development;
    ``levels``: about organisations moving between maturity levels) and ``prose_says`` (the
    statement, paraphrased in Swedish). Index: principle id, instrument order."""
    from dimios import paths, reference

    df = pd.read_csv(paths.REFERENCE / PUBLISHED_OVERVIEW, dtype=str, keep_default_na=False)
    ids = list(instrument.load().principle_ids)
    if sorted(df["principle"]) != sorted(ids):
        raise ValueError(f"{PUBLISHED_OVERVIEW}: expected one row per principle of the instrument")
    bad = df[~df["prose_class"].isin(set(CLASS_SV) | {""}) | ~df["prose_measure"].isin({"trend", "levels", ""})
             | ((df["prose_class"] == "") != (df["prose_measure"] == ""))]
    if len(bad):
        raise ValueError(f"{PUBLISHED_OVERVIEW}: unknown class or measure in row(s) for {', '.join(bad['principle'])}")
    out = df.set_index("principle").reindex(ids).replace("", None)
    out.insert(0, "figure_class", reference.trend_classes())
    return out


def published_vs_data(org_scores: pd.DataFrame, threshold: float | None = None,
                      share_threshold: float = LEVEL_SHARE_THRESHOLD) -> pd.DataFrame:
    """The published prose and figure of section 2.4 next to the classes computed from the data.

    Per principle: the columns of ``published_overview`` and ``spread_vs_mean``, plus
    ``data_class`` (the class the data give for what the prose talks about: the trend class
    for a statement on the mean; for a statement on levels, positive / negative / stable as
    the share at levels 3-4 rises / falls / stays within ``share_threshold`` points), and the
    flags ``prose_vs_figure``, ``figure_vs_data`` and ``prose_vs_data`` (True = they disagree;
    prose flags only where the prose names the principle)."""
    pub = published_overview()
    sv = spread_vs_mean(org_scores, threshold=threshold, share_threshold=share_threshold)
    out = pub.join(sv)
    level_class = out["share_direction"].map({"up": "positive", "down": "negative", "flat": "stable"})
    out["data_class"] = np.where(out["prose_measure"] == "levels", level_class, out["trend"])
    named = out["prose_class"].notna()
    out["prose_vs_figure"] = named & (out["prose_class"] != out["figure_class"])
    out["figure_vs_data"] = out["trend"].notna() & (out["figure_class"] != out["trend"])
    out["prose_vs_data"] = named & out["data_class"].notna() & (out["prose_class"] != out["data_class"])
    return out


def published_spread_vs_figure(share_threshold: float = LEVEL_SHARE_THRESHOLD) -> pd.DataFrame:
    """The same comparison as ``spread_vs_mean`` on the published report's own numbers: its spread
    tables (share at levels 3-4, first and last year) against its trend figure's class.

    Index: principle id; columns ``first_year``, ``last_year``, ``high_first``, ``high_last``,
    ``high_change``, ``share_direction``, ``figure_class``, ``disagree``."""
    from dimios import reference

    inst = instrument.load()
    by_name = {p.name_sv: p.id for p in inst.principles}
    pub = reference.published_spread()
    n_levels = inst.scoring.n_levels
    upper = [f"level_{k}_pct" for k in (n_levels - 1, n_levels)]
    pub = pub.assign(principle=pub["principle"].map(by_name),
                     high=pub[upper].fillna(0).sum(axis=1).astype("float64"))
    rows = []
    for pid, g in pub.groupby("principle", sort=False):
        g = g.sort_values("year")
        rows.append((pid, int(g["year"].iloc[0]), int(g["year"].iloc[-1]), g["high"].iloc[0], g["high"].iloc[-1]))
    out = pd.DataFrame(rows, columns=["principle", "first_year", "last_year", "high_first", "high_last"]) \
        .set_index("principle").reindex(list(inst.principle_ids))
    out["high_change"] = out["high_last"] - out["high_first"]
    ch = out["high_change"].round(9)
    out["share_direction"] = np.where(ch > share_threshold, "up", np.where(ch < -share_threshold, "down", "flat"))
    out["figure_class"] = published_overview()["figure_class"]
    out["disagree"] = (((out["figure_class"] == "negative") & (out["share_direction"] == "up"))
                       | ((out["figure_class"] == "positive") & (out["share_direction"] == "down"))
                       | ((out["figure_class"] == "stable") & out["share_direction"].isin(["up", "down"])))
    return out
