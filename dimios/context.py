"""What every section notebook starts from: the data, the mode and the scores.

``load(...)`` reads the respondent data the build prepared (or any file in the data
contract), applies the report parameters (years, careless exclusion, privacy
threshold) and computes the organisation-level scores once. Notebooks only see
aggregates from here; respondent rows never reach a displayed output.

Data prepared once per build: ``dimios build`` validates the input once, applies the
build's parameters and computes the organisation scores, and saves the result beside its
private working copy (``save_prepared``). ``load`` of that working copy with the same
parameters then reads the prepared result instead of validating and scoring again in every
notebook; anything else (another file, other parameters, a changed file) takes the normal
path.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from dimios import instrument, scoring


@dataclass
class ReportData:
    responses: pd.DataFrame          # respondent rows (never displayed)
    exclude_careless: bool
    n_careless_excluded: int
    privacy_threshold: int
    source: str
    responses_all: pd.DataFrame      # before careless exclusion (never displayed)
    careless_all_rows: pd.DataFrame | None = None  # careless table of ``responses_all`` (computed on demand)
    trend_threshold_given: float | None = None     # ``-P trend_threshold`` (None: the instrument's)

    @property
    def trend_threshold(self) -> float:
        """Percentage points that make a trend positive or negative in this report (every chapter
        that classifies or states a trend uses this one value)."""
        given = self.trend_threshold_given
        return instrument.load().scoring.trend_threshold if given is None else float(given)

    @property
    def privacy_threshold_lowered(self) -> bool:
        """The smallest group shown is below the instrument's (``-P privacy_threshold``)."""
        return self.privacy_threshold < instrument.load().scoring.privacy_threshold

    @property
    def careless_all(self) -> pd.DataFrame | None:
        """Careless table (five indices, flags, vote) of all rows before any exclusion."""
        if self.careless_all_rows is None and len(self.responses_all):
            self.careless_all_rows = careless_flags(self.responses_all)
        return self.careless_all_rows

    @cached_property
    def careless(self) -> pd.DataFrame | None:
        """Careless table of the rows in ``responses``."""
        flags = self.careless_all
        if flags is None or not self.exclude_careless:
            return flags
        return flags[~flags["careless"].to_numpy()].reset_index(drop=True)

    @cached_property
    def org_scores(self) -> pd.DataFrame:
        """Organisation-year principle scores (all organisations with a score)."""
        return scoring.organisation_scores(self.responses)

    @cached_property
    def org_public(self) -> pd.DataFrame:
        """Organisation-years that may be shown individually (>= privacy threshold respondents)."""
        return self.org_scores[self.org_scores["n_respondents"] >= self.privacy_threshold]

    @cached_property
    def positions(self) -> pd.DataFrame:
        return scoring.positions(self.org_scores)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.responses["year"].unique())

    @cached_property
    def default_panel(self) -> bool:
        """Whether the report is built on the project's synthetic default panel.

        The one flag every chapter reads to decide between "the panel" (with the synthetic-data
        marker under each chapter title) and the user's own data. Decided on all rows read
        (before careless exclusion)."""
        return is_default_panel(self.responses_all)

    @property
    def mode_sv(self) -> str:
        if self.exclude_careless:
            return (f"Rapporten är byggd utan slarviga svar: {self.n_careless_excluded:,} svar som minst tre av "
                    "fem kontrollalgoritmer flaggade är borttagna.").replace(",", "\u202f")
        return "Rapporten är byggd på alla svar (slarviga svar är inte borttagna)."

    @property
    def privacy_lowered_sv(self) -> str:
        """Says that the privacy threshold was lowered, and to what (empty when it was not)."""
        if not self.privacy_threshold_lowered:
            return ""
        k, default = self.privacy_threshold, instrument.load().scoring.privacy_threshold
        shown = (f"{k} till {default - 1} respondenter" if k < default - 1
                 else f"{k} {'respondent' if k == 1 else 'respondenter'}")
        return (f"Integritetsgränsen är sänkt från instrumentets {default} till {k} respondenter (parametern "
                f"`privacy_threshold`): rapporten visar grupper med {shown}, som annars hade döljts.")

    def single_type_years(self) -> dict[int, str]:
        """Years in which every responding organisation is of one type although the data holds several
        types (``{year: type}``): national figures of such a year describe that type only."""
        types = self.responses.groupby("year")["organisation_type"].unique()
        if self.responses["organisation_type"].nunique() < 2:
            return {}
        return {int(y): str(t[0]) for y, t in types.items() if len(t) == 1}

    @property
    def single_type_sv(self) -> str:
        """Says which years have one organisation type only (empty when none has)."""
        single = self.single_type_years()
        if not single:
            return ""
        from dimios import display as d

        plural = {"kommun": "kommuner", "region": "regioner", "myndighet": "myndigheter"}
        items = d.join_sv(f"år {y} bara {plural.get(t, t)}" for y, t in single.items())
        return (f"Alla organisationstyper finns inte med alla år: i underlaget svarade {items}. Nationella siffror för "
                f"{'det året' if len(single) == 1 else 'de åren'} gäller alltså bara den typen, och förändringar "
                "över tid blandar förändring i mognad med en ändrad sammansättning.")

    def respondents_per_year(self) -> pd.Series:
        return self.responses.groupby("year").size()

    def organisations_per_year(self) -> pd.Series:
        return self.responses.groupby("year")["organisation_id"].nunique()


def is_default_panel(responses: pd.DataFrame) -> bool:
    """Whether respondent rows are the synthetic default panel, decided by content: the panel's
    fingerprint (:func:`dimios.synthetic.is_default_panel`; the rows of some of its years, as
    ``-P years`` reads them, count too). A copy of the panel with any cell changed, or rows added
    or removed, is the user's own data, whatever its ids look like. Read it through
    :attr:`ReportData.default_panel`."""
    from dimios import synthetic

    if responses.empty:
        return False
    return synthetic.is_default_panel(responses, allow_year_subset=True)


def careless_flags(responses: pd.DataFrame) -> pd.DataFrame:
    """The careless table (five indices and the vote) for each respondent row."""
    from dimios.quality import careless

    inst = instrument.load()
    return careless.careless_table(responses, inst.category_items())


PREPARED_SUFFIX = ".prepared.pickle"


def _prepared_path(data: str | Path) -> Path:
    data = Path(data)
    return data.with_name(data.name + PREPARED_SUFFIX)


def _parameters_key(years, exclude_careless, privacy_threshold) -> tuple:
    return (None if not years else tuple(sorted(int(y) for y in years)), bool(exclude_careless),
            None if privacy_threshold in (None, "") else int(privacy_threshold))


def _stat(path: str | Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def save_prepared(ctx: ReportData, data: str | Path, years=None, exclude_careless: bool = False,
                  privacy_threshold=None) -> Path:
    """Save ``ctx`` (with its organisation scores) as the prepared result of ``load(data, ...)``."""
    ctx.org_scores  # noqa: B018 - computed once here, for every notebook
    ctx.default_panel  # noqa: B018 - the panel's fingerprint, likewise
    record = {"stat": _stat(data), "parameters": _parameters_key(years, exclude_careless, privacy_threshold),
              "context": ctx}
    path = _prepared_path(data)
    with open(path, "wb") as fh:
        pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _load_prepared(data, years, exclude_careless, privacy_threshold, mapping) -> ReportData | None:
    path = _prepared_path(data)
    if mapping is not None or not path.exists():
        return None
    with open(path, "rb") as fh:
        record = pickle.load(fh)  # noqa: S301 - written by this build into its private folder
    if (record["stat"] != _stat(data)
            or record["parameters"] != _parameters_key(years, exclude_careless, privacy_threshold)):
        return None
    ctx = record["context"]
    ctx.source = str(data)
    return ctx


def load(data: str | Path, years=None, exclude_careless: bool = False, privacy_threshold=None,
         mapping: str | Path | None = None, trend_threshold=None) -> ReportData:
    """Read respondent data and apply the report parameters (``trend_threshold``: None or empty for
    the instrument's)."""
    ctx = _load(data, years, exclude_careless, privacy_threshold, mapping)
    ctx.trend_threshold_given = None if trend_threshold in (None, "") else float(trend_threshold)
    return ctx


def _load(data, years, exclude_careless, privacy_threshold, mapping) -> ReportData:
    from dimios import io

    prepared = _load_prepared(data, years, exclude_careless, privacy_threshold, mapping)
    if prepared is not None:
        return prepared
    inst = instrument.load()
    responses = io.read_responses(Path(data), mapping=mapping).data
    if years:
        responses = responses[responses["year"].isin([int(y) for y in years])]
    responses = responses.reset_index(drop=True)
    threshold = inst.scoring.privacy_threshold if privacy_threshold in (None, "") else int(privacy_threshold)
    # the careless table costs a little: computed here only when rows are excluded, else on demand
    flags = careless_flags(responses) if (exclude_careless and len(responses)) else None
    responses_all, n_excluded = responses, 0
    if flags is not None:
        keep = ~flags["careless"].to_numpy()
        n_excluded = int((~keep).sum())
        responses = responses[keep].reset_index(drop=True)
    return ReportData(responses=responses, exclude_careless=bool(exclude_careless), n_careless_excluded=n_excluded,
                      privacy_threshold=threshold, source=str(data), responses_all=responses_all,
                      careless_all_rows=flags)
