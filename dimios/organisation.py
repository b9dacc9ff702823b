"""The organisation report's computations: one organisation next to the national picture.

Pure functions on tables (no display), used by ``dimios.chapters.organisation`` and tested
in ``tests/test_organisation.py``:

- **which organisation**: ``select_organisation`` (the only one in the file, or one by id);
- **national reference**: from the other organisations in the same file when there are
  enough of them (``data_reference``), otherwise from the figures shipped with the project
  (``shipped_reference``): the published spread per principle and year
  (``data/reference/published_spread_2020_2023.csv``) and national means per principle and
  year computed from the default *synthetic* panel
  (``data/reference/national_means_synthetic.csv``, written by ``write_national_means_synthetic``);
- **percentile**: the organisation's place among the reference organisations (mid-rank), or,
  with only the published spread, estimated by spreading each level's share evenly over the
  level's score band;
- **privacy**: ``suppression_mask`` / ``suppress`` hide every group (organisation-year,
  business area) with fewer than k respondents, plus the smallest further groups needed so
  that the hidden groups together never have fewer than k respondents (otherwise a hidden
  value could be worked out from the organisation's total and the groups shown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from dimios import instrument, paths, scoring

NATIONAL_MEANS_FILE = paths.REFERENCE / "national_means_synthetic.csv"
NATIONAL_MEANS_COLUMNS = ["principle", "year", "mean_pct", "n_organisations", "source"]
NATIONAL_MEANS_SOURCE = "synthetic"
# the other organisations must be at least this many (each year) to be the reference (dimios/instrument.yml)
REFERENCE_MIN_ORGANISATIONS = instrument.load().scoring.reference_min_organisations
NO_AREA = "(inget verksamhetsområde angivet)"
LEVEL_PCT = ["level_1_pct", "level_2_pct", "level_3_pct", "level_4_pct"]


class OrganisationError(ValueError):
    """The organisation cannot be chosen (not in the file, or the file holds several)."""


def suppression_mark(k: int) -> str:
    """The marker of a suppressed cell, e.g. 'färre än 5 svar'."""
    return f"färre än {int(k)} svar"


# ------------------------------------------------------------------ which organisation
def organisations_in(responses: pd.DataFrame) -> list[str]:
    return sorted(str(o) for o in responses["organisation_id"].dropna().unique())


def select_organisation(responses: pd.DataFrame, organisation: str | None = None) -> str:
    """The organisation id to report on.

    Empty / None / ``auto``: the file must hold exactly one organisation. Otherwise the id
    must be in the file (compared ignoring case and surrounding spaces)."""
    orgs = organisations_in(responses)
    if not orgs:
        raise OrganisationError("the file holds no organisation")
    wanted = "" if organisation is None else str(organisation).strip()
    if wanted.lower() in ("", "auto"):
        if len(orgs) == 1:
            return orgs[0]
        raise OrganisationError(f"the file holds {len(orgs)} organisations; choose one with --organisation ID "
                                f"(one of: {known_ids(orgs)})")
    by_norm = {o.strip().casefold(): o for o in orgs}
    if wanted.casefold() in by_norm:
        return by_norm[wanted.casefold()]
    import difflib

    close = difflib.get_close_matches(wanted, orgs, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise OrganisationError(f"organisation {wanted!r} is not in the file, which holds "
                            f"{len(orgs)} organisation{'s' if len(orgs) != 1 else ''}: {known_ids(orgs)}{hint}")


def known_ids(orgs: list[str], limit: int = 10) -> str:
    """The organisation ids for a message: all of them, or the first ``limit`` and how many in all."""
    return ", ".join(orgs[:limit]) + (f", … ({len(orgs)} in all)" if len(orgs) > limit else "")


def _as_years(years) -> list[int] | None:
    """The ``years`` parameter as a list of ints (None: all years); accepts 2023, "2023", "2020,2023", [..]."""
    if years is None or years == "" or years == []:
        return None
    if isinstance(years, str):
        years = [y for y in years.replace(";", ",").replace(" ", ",").strip("[]").split(",") if y.strip()]
    elif not isinstance(years, (list, tuple, set)):
        years = [years]
    return [int(y) for y in years]


def check_reportable(responses: pd.DataFrame, organisation: str, privacy_threshold=None, years=None) -> None:
    """Raise OrganisationError when no year of the organisation has k respondents.

    Such a report would hide every figure (each cell «färre än k svar»); the build stops with
    this message instead of publishing an empty report. ``years`` and ``privacy_threshold`` are
    the build parameters (None: all years, the instrument's threshold)."""
    k = instrument.load().scoring.privacy_threshold if privacy_threshold in (None, "") else int(privacy_threshold)
    own = responses[responses["organisation_id"].astype(str) == str(organisation)]
    wanted = _as_years(years)
    if wanted is not None:
        own = own[own["year"].isin(wanted)]
    n = own.groupby("year").size()
    if len(n) and (n >= k).any():
        return
    if wanted is not None and not len(n):
        had = sorted(int(y) for y in responses.loc[responses["organisation_id"].astype(str) == str(organisation),
                                                   "year"].unique())
        from dimios import trends

        raise OrganisationError(
            f"{organisation} has no respondents in the chosen years (parameter years: {trends.years_sv(wanted)}); "
            f"its years in the file: {trends.years_sv(had) if had else 'none'}; no report was built")
    per_year = ", ".join(f"{int(y)}: {int(c)}" for y, c in n.items()) or "none in the chosen years"
    raise OrganisationError(
        f"{organisation} has fewer than {k} respondents in every year (respondents per year: {per_year}); "
        f"every figure of its report would be hidden by the privacy threshold (k = {k}, parameter "
        "privacy_threshold), so no report was built")


def safe_dirname(organisation: str) -> str:
    """A folder name for the organisation id (report/organisation/<ID>/)."""
    name = re.sub(r"[^\w.-]+", "_", str(organisation).strip(), flags=re.UNICODE).strip("._")
    return name or "organisation"


# ------------------------------------------------------------------ shipped national figures
def national_means(org_scores: pd.DataFrame) -> pd.DataFrame:
    """Long table: principle, year, mean_pct (mean over organisations), n_organisations."""
    ids = list(instrument.load().principle_ids)
    g = org_scores[ids].groupby(level="year")
    mean = g.mean().stack(future_stack=True).rename("mean_pct")
    n = g.count().stack(future_stack=True).rename("n_organisations")
    out = pd.concat([mean, n], axis=1).reset_index()
    out.columns = ["year", "principle", "mean_pct", "n_organisations"]
    order = {p: i for i, p in enumerate(ids)}
    out = out.sort_values(["principle", "year"], key=lambda s: s.map(order) if s.name == "principle" else s)
    return out[["principle", "year", "mean_pct", "n_organisations"]].reset_index(drop=True)


def national_means_synthetic(panel=None) -> pd.DataFrame:
    """National means per principle and year of the default synthetic panel (``synthetic.generate()``)."""
    from dimios import synthetic

    panel = panel if panel is not None else synthetic.generate()
    out = national_means(scoring.organisation_scores(panel.responses))
    out["mean_pct"] = out["mean_pct"].round(4)
    out["n_organisations"] = out["n_organisations"].astype("int64")
    out["source"] = NATIONAL_MEANS_SOURCE
    return out[NATIONAL_MEANS_COLUMNS]


def national_means_csv(panel=None) -> str:
    return national_means_synthetic(panel).to_csv(index=False, lineterminator="\n")


def write_national_means_synthetic(path: str | Path | None = None, panel=None) -> Path:
    """(Re)write the shipped file ``data/reference/national_means_synthetic.csv``."""
    path = Path(path) if path is not None else NATIONAL_MEANS_FILE
    path.write_bytes(national_means_csv(panel).encode("utf-8"))
    return path


def read_national_means_synthetic(path: str | Path | None = None) -> pd.DataFrame:
    path = Path(path) if path is not None else NATIONAL_MEANS_FILE
    return pd.read_csv(path, dtype={"principle": str, "year": "int64", "mean_pct": "float64",
                                    "n_organisations": "int64", "source": str})


def published_spread_long() -> pd.DataFrame:
    """The published spread with principle ids: principle, year, level_k_pct (0 for an empty cell)."""
    from dimios import spread

    inst = instrument.load()
    pub = spread.read_published(paths.PUBLISHED_SPREAD)
    by_table = {f"{p.table}.1": p.id for p in inst.principles}
    out = pd.DataFrame({"principle": pub["table"].astype(str).map(by_table), "year": pub["year"].astype("int64")})
    for c in LEVEL_PCT:
        out[c] = pd.to_numeric(pub[c]).fillna(0).astype("float64").to_numpy()
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ percentiles
def percentile_rank(score: float, others) -> float:
    """Share (%) of ``others`` below ``score``, ties counted half (mid-rank). NaN without data."""
    vals = np.asarray(others, dtype="float64")
    vals = vals[~np.isnan(vals)]
    if np.isnan(score) or not len(vals):
        return float("nan")
    s = np.round(score, 9)
    v = np.round(vals, 9)
    return float(100.0 * ((v < s).sum() + 0.5 * (v == s).sum()) / len(v))


def percentile_from_spread(score: float, level_pcts) -> float:
    """Estimated percentile from a spread row (shares at levels 1–4, in %).

    Organisations below the score's level count fully; within its level the share is
    taken as spread evenly over the level's score band (shares normalised to sum 100)."""
    shares = np.asarray(level_pcts, dtype="float64")
    if np.isnan(score) or np.isnan(shares).all() or np.nansum(shares) <= 0:
        return float("nan")
    shares = np.nan_to_num(shares) / np.nansum(shares) * 100
    cuts = list(instrument.load().scoring.cut_points)
    bounds = [0.0, *map(float, cuts), 100.0]
    level = int(scoring.to_levels(np.array([score]))[0])
    lo, hi = bounds[level - 1], bounds[level]
    within = min(max((score - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 0.5
    return float(shares[: level - 1].sum() + within * shares[level - 1])


# ------------------------------------------------------------------ the reference
@dataclass
class Reference:
    """The national figures the organisation is compared with."""

    kind: str                       # "data": other organisations in the file; "shipped": shipped figures
    label_sv: str                   # one sentence for the report saying what the reference is
    means: pd.DataFrame             # principle, year, mean_pct, n_organisations
    spread: pd.DataFrame            # principle, year, level_1_pct .. level_4_pct
    scores: pd.DataFrame | None = None   # reference organisations' principle scores (data), index (org, year)
    reason_sv: str = ""             # why this reference was chosen

    @cached_property
    def _means(self) -> pd.Series:
        return self.means.set_index(["principle", "year"])["mean_pct"]

    @cached_property
    def _spread(self) -> pd.DataFrame:
        return self.spread.set_index(["principle", "year"])[LEVEL_PCT]

    @property
    def years(self) -> list[int]:
        return sorted(set(int(y) for y in self.means["year"]) | set(int(y) for y in self.spread["year"]))

    def mean(self, principle: str, year: int) -> float:
        return float(self._means.get((principle, int(year)), np.nan))

    def shares(self, principle: str, year: int) -> np.ndarray:
        key = (principle, int(year))
        if key in self._spread.index:
            return self._spread.loc[key].to_numpy(dtype="float64")
        return np.full(len(LEVEL_PCT), np.nan)

    def n_organisations(self, principle: str, year: int) -> float:
        row = self.means[(self.means["principle"] == principle) & (self.means["year"] == int(year))]
        return float(row["n_organisations"].iloc[0]) if len(row) and "n_organisations" in row else float("nan")

    def percentile(self, principle: str, year: int, score: float) -> float:
        if self.scores is not None:
            try:
                others = self.scores.xs(int(year), level="year")[principle]
            except KeyError:
                return float("nan")
            return percentile_rank(score, others)
        return percentile_from_spread(score, self.shares(principle, year))

    @property
    def percentile_kind_sv(self) -> str:
        return ("andel av de jämförda organisationerna med lägre värde (lika värden räknas till hälften)"
                if self.scores is not None else
                "uppskattad ur den publicerade spridningen: organisationer på lägre nivåer plus en jämnt fördelad "
                "del av den egna nivån")


def spread_from_scores(org_scores: pd.DataFrame) -> pd.DataFrame:
    """principle, year, level_k_pct (unrounded shares) of organisation scores."""
    ids = list(instrument.load().principle_ids)
    levels = scoring.principle_levels(org_scores)
    long = levels.reset_index().melt(id_vars=scoring.ORG_KEYS, value_vars=ids, var_name="principle",
                                     value_name="level").dropna(subset=["level"])
    counts = long.groupby(["principle", "year", "level"], observed=True).size().unstack("level", fill_value=0)
    counts = counts.reindex(columns=range(1, len(LEVEL_PCT) + 1), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0) * 100
    shares.columns = LEVEL_PCT
    out = shares.reset_index()
    order = {p: i for i, p in enumerate(ids)}
    return out.sort_values(["principle", "year"], key=lambda s: s.map(order) if s.name == "principle" else s
                           ).reset_index(drop=True)


def data_reference(other_scores: pd.DataFrame, n_organisations: int, k: int) -> Reference:
    """Reference from the other organisations of the file (each organisation-year with >= k respondents)."""
    return Reference(
        kind="data",
        label_sv=(f"de övriga {n_organisations} organisationerna i samma datafil (de organisationsår som har minst "
                  f"{k} svar), beräknat när rapporten byggdes"),
        means=national_means(other_scores),
        spread=spread_from_scores(other_scores),
        scores=other_scores[list(instrument.load().principle_ids)],
    )


def shipped_reference() -> Reference:
    """Reference from the figures shipped with the project (published spread, synthetic means)."""
    from dimios import trends

    spread = published_spread_long()
    return Reference(
        kind="shipped",
        label_sv=("de nationella siffror som följer med projektet: fördelningen över mognadsnivåerna är den "
                  f"publicerade rapportens spridningstabeller ({trends.years_sv(spread['year'])}), och de nationella "
                  "medelvärdena är beräknade ur projektets syntetiska standardpanel (inte verkliga organisationer)"),
        means=read_national_means_synthetic(),
        spread=spread,
        scores=None,
    )


def choose_reference(org_scores: pd.DataFrame, organisation: str, k: int, mode: str = "auto",
                     min_organisations: int = REFERENCE_MIN_ORGANISATIONS) -> Reference:
    """``auto``: the other organisations in the file when there are at least ``min_organisations``
    of them (with >= k respondents) in every year of the organisation; otherwise the shipped figures.
    ``data`` / ``shipped`` force one (``data`` falls back when there are too few organisations)."""
    mode = (mode or "auto").strip().lower()
    if mode not in ("auto", "data", "shipped"):
        raise OrganisationError(f"reference {mode!r}: expected auto, data or shipped")
    ids = org_scores.index.get_level_values("organisation_id")
    own_years = sorted(set(int(y) for y in org_scores[ids == organisation].index.get_level_values("year")))
    others = org_scores[(ids != organisation) & (org_scores["n_respondents"] >= k)]
    per_year = others.groupby(level="year").size()
    enough = bool(own_years) and all(per_year.get(y, 0) >= min_organisations for y in own_years)
    n_other = int(others.index.get_level_values("organisation_id").nunique())
    if mode == "shipped":
        ref = shipped_reference()
        ref.reason_sv = "Den medföljande referensen valdes uttryckligen (parametern `reference=shipped`)."
        return ref
    if enough:
        ref = data_reference(others, n_other, k)
        ref.reason_sv = (f"Datafilen innehåller minst {min_organisations} andra organisationer med minst {k} svar "
                         "varje år som organisationen har mätt, så de används som jämförelse.")
        return ref
    ref = shipped_reference()
    ref.reason_sv = (
        "Datafilen innehåller bara organisationens egna svar." if n_other == 0 else
        f"Datafilen innehåller för få andra organisationer (färre än {min_organisations} med minst {k} svar "
        "något år) för att jämföra med dem utan att röja enskilda organisationer."
    ) + " Därför används de medföljande nationella siffrorna."
    return ref


# ------------------------------------------------------------------ privacy
def suppression_mask(n, k: int, groups=None) -> np.ndarray:
    """True for cells to hide: groups with 0 < n < k (primary), plus, within each of ``groups``
    (e.g. the year), the smallest further groups until the hidden ones together have at least
    k respondents or everything is hidden (secondary suppression)."""
    n = np.asarray(n, dtype="float64")
    hide = (n < k) & (n > 0)
    hide |= np.isnan(n)
    groups = np.zeros(len(n)) if groups is None else np.asarray(groups)
    for g in pd.unique(groups):
        idx = np.flatnonzero(groups == g)
        if not hide[idx].any():
            continue
        order = idx[np.argsort(np.nan_to_num(n[idx], nan=0.0), kind="stable")]
        while True:
            total = np.nansum(n[idx][hide[idx]])
            shown = [i for i in order if not hide[i]]
            if total >= k or not shown or total == 0:
                break
            hide[shown[0]] = True
    return hide


def suppress(df: pd.DataFrame, n_col: str, value_cols, k: int, by: str | None = None) -> pd.DataFrame:
    """Copy of ``df`` with ``value_cols`` and ``n_col`` set to NaN where suppressed and a bool column ``suppressed``."""
    out = df.copy()
    mask = suppression_mask(out[n_col].to_numpy(), k, out[by].to_numpy() if by else None)
    cols = [c for c in value_cols if c in out.columns] + [n_col]
    for c in cols:
        out[c] = out[c].astype("float64")
        out.loc[mask, c] = np.nan
    out["suppressed"] = mask
    return out


# ------------------------------------------------------------------ the organisation report
@dataclass
class OrganisationReport:
    """Everything the organisation chapters show, computed once per notebook."""

    organisation: str
    ctx: object                      # dimios.context.ReportData of the whole file
    reference: Reference

    @property
    def k(self) -> int:
        return int(self.ctx.privacy_threshold)

    @property
    def mark(self) -> str:
        return suppression_mark(self.k)

    @cached_property
    def own_responses(self) -> pd.DataFrame:
        r = self.ctx.responses
        return r[r["organisation_id"] == self.organisation]

    @cached_property
    def own_scores(self) -> pd.DataFrame:
        """The organisation's rows of the organisation scores, indexed by year."""
        s = self.ctx.org_scores
        own = s[s.index.get_level_values("organisation_id") == self.organisation]
        return own.droplevel("organisation_id")

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.own_scores.index)

    @cached_property
    def shown_years(self) -> list[int]:
        """Years with at least k respondents (the others are suppressed)."""
        n = self.own_scores["n_respondents"]
        return [int(y) for y in n.index if n.loc[y] >= self.k]

    @property
    def hidden_years(self) -> list[int]:
        return [y for y in self.years if y not in self.shown_years]

    @property
    def latest(self) -> int | None:
        return self.shown_years[-1] if self.shown_years else None

    @property
    def previous(self) -> int | None:
        return self.shown_years[-2] if len(self.shown_years) >= 2 else None

    @property
    def organisation_type(self) -> str:
        return str(self.own_scores["organisation_type"].iloc[0]) if len(self.own_scores) else ""

    def n_respondents(self, year: int) -> int:
        return int(self.own_scores.loc[year, "n_respondents"])

    @cached_property
    def results(self) -> pd.DataFrame:
        """Long table per principle and year: own score, level, reference mean, percentile and spread.

        Years with fewer than k respondents are kept with NaN values and ``suppressed``."""
        inst = instrument.load()
        rows = []
        for y in self.years:
            hidden = y not in self.shown_years
            for p in inst.principles:
                score = np.nan if hidden else float(self.own_scores.loc[y, p.id])
                level = np.nan if np.isnan(score) else float(scoring.to_levels(np.array([score]))[0])
                shares = self.reference.shares(p.id, y)
                rows.append({
                    "principle": p.id, "year": y,
                    "n_respondents": np.nan if hidden else float(self.n_respondents(y)),
                    "score_pct": score, "level": level,
                    "reference_mean_pct": self.reference.mean(p.id, y),
                    "difference_pct": score - self.reference.mean(p.id, y),
                    "percentile": self.reference.percentile(p.id, y, score) if not np.isnan(score) else np.nan,
                    **{c: shares[i] for i, c in enumerate(LEVEL_PCT)},
                    "suppressed": hidden,
                })
        return pd.DataFrame(rows)

    def principle_results(self, principle: str) -> pd.DataFrame:
        r = self.results
        return r[r["principle"] == principle].reset_index(drop=True)

    @cached_property
    def positions(self) -> pd.DataFrame:
        """Dimension and overall scores per shown year, with the quadrant type; reference means alongside."""
        inst = instrument.load()
        own = self.own_scores.loc[self.shown_years]
        groups = scoring.group_scores(own)
        out = pd.DataFrame(index=pd.Index(self.shown_years, name="year"))
        for dim in inst.dimensions:
            out[dim.id] = groups[dim.id].to_numpy()
        out["overall"] = groups["overall"].to_numpy()
        dims = [dim.id for dim in inst.dimensions]
        out["quadrant"] = scoring.quadrant_of(out[dims[0]], out[dims[1]])
        means = self.reference.means.pivot(index="year", columns="principle", values="mean_pct")
        for dim in inst.dimensions:
            cols = [p for p in inst.principles_in(dim.id) if p in means.columns]
            ref = means[cols].mean(axis=1) if cols else pd.Series(dtype="float64")
            out[f"reference_{dim.id}"] = [ref.get(y, np.nan) for y in out.index]
        cols = [p for p in inst.principle_ids if p in means.columns]
        ref = means[cols].mean(axis=1)
        out["reference_overall"] = [ref.get(y, np.nan) for y in out.index]
        return out

    @cached_property
    def peers(self):
        """The comparison with organisations of the same type / peer group (``dimios.peers``)."""
        from dimios import peers

        return peers.for_report(self)

    # -- business areas
    @property
    def has_areas(self) -> bool:
        return bool(self.own_responses["business_area"].notna().any())

    @cached_property
    def area_results(self) -> pd.DataFrame:
        """Per year and business area: respondents, principle, dimension and overall scores (suppressed)."""
        inst = instrument.load()
        r = self.own_responses.copy()
        r["business_area"] = r["business_area"].astype("object").where(r["business_area"].notna(), NO_AREA)
        r["organisation_id"] = r["business_area"]          # score areas like organisations
        sc = scoring.organisation_scores(r)
        sc.index.names = ["business_area", "year"]
        groups = scoring.group_scores(sc)
        out = sc[["n_respondents", *inst.principle_ids]].join(
            groups[[*(dim.id for dim in inst.dimensions), "overall"]]).reset_index()
        out = out[out["year"].isin(self.shown_years)]
        out = out.sort_values(["year", "business_area"], key=lambda s: s.map(lambda v: (v == NO_AREA, v))
                              if s.name == "business_area" else s).reset_index(drop=True)
        values = [*inst.principle_ids, *(dim.id for dim in inst.dimensions), "overall"]
        return suppress(out, "n_respondents", values, self.k, by="year")

    # -- change
    @cached_property
    def change(self) -> pd.DataFrame:
        """Per principle: previous and latest shown year, scores, levels and changes (own and reference)."""
        inst = instrument.load()
        if self.previous is None:
            return pd.DataFrame()
        y0, y1 = self.previous, self.latest
        rows = []
        for p in inst.principles:
            s0 = float(self.own_scores.loc[y0, p.id])
            s1 = float(self.own_scores.loc[y1, p.id])
            lv = scoring.to_levels(np.array([s0, s1]))
            rows.append({
                "principle": p.id, "previous_year": y0, "latest_year": y1,
                "previous_pct": s0, "latest_pct": s1, "change_pct": s1 - s0,
                "previous_level": float(lv[0]) if lv[0] > 0 else np.nan,
                "latest_level": float(lv[1]) if lv[1] > 0 else np.nan,
                "reference_change_pct": self.reference.mean(p.id, y1) - self.reference.mean(p.id, y0),
            })
        return pd.DataFrame(rows)

    # -- own quality control
    @cached_property
    def careless_share(self) -> pd.DataFrame:
        """Careless respondents per shown year: own share and (data reference) the other organisations' share.

        Counted over all responses, also when the report is built without the careless ones."""
        # all responses (also those left out with exclude_careless) where the context keeps them
        flags = getattr(self.ctx, "careless_all", None)
        r = getattr(self.ctx, "responses_all", None)
        if flags is None or r is None:
            flags, r = self.ctx.careless, self.ctx.responses
        if flags is None:
            return pd.DataFrame()
        own = (r["organisation_id"] == self.organisation).to_numpy()
        rows = []
        for y in self.years:
            in_year = (r["year"] == y).to_numpy()
            sel = own & in_year
            n = int(sel.sum())
            shown = y in self.shown_years
            others = (~own) & in_year
            rows.append({
                "year": y, "n_respondents": float(n) if shown else np.nan,
                "n_careless": float(flags["careless"].to_numpy()[sel].sum()) if shown else np.nan,
                "share_careless": float(flags["careless"].to_numpy()[sel].mean()) if shown and n else np.nan,
                "reference_share_careless": (float(flags["careless"].to_numpy()[others].mean())
                                             if self.reference.kind == "data" and others.any() else np.nan),
                "suppressed": not shown,
            })
        return pd.DataFrame(rows)

    @cached_property
    def knowledge(self) -> pd.DataFrame:
        """Share of 'vet ej'/unanswered per principle and shown year (own; other organisations when data reference)."""
        from dimios.quality import knowledge

        inst = instrument.load()
        ids = list(inst.principle_ids)
        r = self.ctx.responses
        own = r[r["organisation_id"] == self.organisation]
        ms = knowledge.missing_share(own, ids, by="year", split=None)
        ms = ms[ms["year"].isin(self.shown_years)].rename(columns={"item": "principle"})
        if self.reference.kind == "data":
            rest = r[(r["organisation_id"] != self.organisation) & r["year"].isin(self.shown_years)]
            ref = knowledge.missing_share(rest, ids, by="year", split=None).rename(
                columns={"item": "principle", "share_missing": "reference_share_missing"})
            ms = ms.merge(ref[["year", "principle", "reference_share_missing"]], on=["year", "principle"], how="left")
        else:
            ms["reference_share_missing"] = np.nan
        return ms[["year", "principle", "n", "n_missing", "share_missing", "reference_share_missing"]].reset_index(
            drop=True)


def load(data, organisation: str = "", years=None, exclude_careless: bool = False, privacy_threshold=None,
         reference: str = "auto", mapping=None, trend_threshold=None) -> OrganisationReport:
    """Read the data (as the national chapters do) and set up the organisation report."""
    from dimios import context

    ctx = context.load(data, years=years, exclude_careless=exclude_careless, privacy_threshold=privacy_threshold,
                       mapping=mapping, trend_threshold=trend_threshold)
    org = select_organisation(ctx.responses, organisation)
    ref = choose_reference(ctx.org_scores, org, ctx.privacy_threshold, mode=reference)
    return OrganisationReport(organisation=org, ctx=ctx, reference=ref)
