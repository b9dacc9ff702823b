"""Small pieces several chapters share."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

# Colour-blind-safe palettes (seaborn "colorblind" = Wong/Okabe-Ito family).
LEVEL_COLOURS = ["#d55e00", "#e69f00", "#56b4e9", "#0072b2"]   # level 1..4: warm (low) -> blue (high)
TREND_COLOURS = {"negative": "#d55e00", "stable": "#999999", "positive": "#0072b2"}


def style() -> None:
    """One plotting style for the whole report (deterministic, no timestamps)."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "font.size": 10,
                         "svg.hashsalt": "dimios", "axes.titleweight": "bold"})

# Said wherever the four organisation types (quadrants) are shown: they are not the published report's.
ORGANISATION_TYPES_NOTE = (
    "De fyra organisationstyperna, deras namn och rekommendationerna till dem är den här rapportens egna: "
    "den publicerade rapporten innehåller dem inte, och de är inte forskargruppens."
)

_NUMBER_WORDS_SV = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def number_sv(n: int, neuter: bool = False) -> str:
    """A small count as a Swedish word in running text (1-12), larger ones as digits: 'tre', '26'."""
    n = int(n)
    if 0 <= n < len(_NUMBER_WORDS_SV):
        return "ett" if (n == 1 and neuter) else _NUMBER_WORDS_SV[n]
    from dimios.display import count

    return count(n)
