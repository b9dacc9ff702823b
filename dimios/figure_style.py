"""The report's figure style and colours (below the chapters: ``dimios.plots`` and every chapter
use them)."""

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
