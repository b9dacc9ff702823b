"""The synthetic default panel, calibrated to the published report.

Method (explained for readers in data/README.md):

1. **Counts.** For each principle and year, level counts ``c_1..c_4`` whose half-up
   rounded percentages equal the published spread row, for the year's organisation
   count (``organisations_per_year``; re-checked here for feasibility).
2. **Organisation targets.** A normal distribution is fitted to the published
   cumulative shares of each row; organisations are ranked by a latent position
   (second-order factor model, persistent over years) and the ``c_k`` organisations
   of level ``k`` are placed at the normal's conditional quantiles inside the level's
   band (kept ``cut_margin`` points from the cut points). The normal's mean is shifted
   (counts fixed) until the 2020 -> 2023 change of the national mean lies in the
   published trend class.
3. **Respondents.** Answers = organisation target + a within-organisation deviation
   from the same factor model + effects of involvement and business area, rounded to
   the scale; "vet ej" is drawn with per-principle and per-respondent propensities;
   careless respondents (straight-lining, random, alternating) are planted.
4. **Repair.** Diligent respondents' answers are moved by single steps, at random,
   until each organisation's mean equals its target to the precision the respondent
   count allows; so every organisation lands in its target level exactly.

Written by hand (no library generates calibrated survey panels); vectorised with numpy.

One concern per module: ``calibration`` (the parameters, steps 1 and 2), ``draw`` (step 3 and
``generate``), ``careless`` (the careless respondents of step 3), ``repair`` (step 4), ``files``
(writing a panel, the default panel on disk) and ``fingerprint`` (recognising the default panel by
its content). The names below are the ones used outside the package (CLI, build, chapters, tests).
"""

# The names are loaded when first used (PEP 562): recognising the panel (``fingerprint``, needed by
# every build) does not import the generator and its scipy.optimize (measured: 0.9 s of a build).
_WHERE = {
    "level_counts_for": "calibration", "minimal_organisation_counts": "calibration", "params": "calibration",
    "published_spread": "calibration", "published_trend_class": "calibration", "generate": "draw",
    "ensure_default_panel": "files", "truth_path_for": "files", "write_panel": "files",
    "default_panel_fingerprints": "fingerprint", "is_default_panel": "fingerprint",
    "panel_fingerprint": "fingerprint", "panel_year_fingerprints": "fingerprint",
    "write_default_panel_fingerprints": "fingerprint",
}


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dimios.synthetic' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"dimios.synthetic.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "default_panel_fingerprints", "ensure_default_panel", "generate", "is_default_panel", "level_counts_for",
    "minimal_organisation_counts", "panel_fingerprint", "panel_year_fingerprints", "params", "published_spread",
    "published_trend_class", "truth_path_for", "write_default_panel_fingerprints", "write_panel",
]
