"""Figures of the overview chapter (digital maturity over time, report 2.4).

Every function takes aggregates (organisation-level scores, trend tables) and returns a
matplotlib figure; the chapter module adds caption and alt text and publishes it. Colours
are colour-blind safe (Okabe–Ito / viridis); classes are told apart by more than colour
(hatching, markers, line styles) where it matters. Labels are Swedish.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.figure_style import TREND_COLOURS, style

# Okabe–Ito colours for the four quadrant types (instrument order: low_low, high_low, low_high, high_high)
QUADRANT_COLOURS = {"low_low": "#d55e00", "high_low": "#e69f00", "low_high": "#56b4e9", "high_high": "#0072b2"}
QUADRANT_MARKERS = {"low_low": "o", "high_low": "s", "low_high": "^", "high_high": "D"}
DIRECTION_COLOURS = {"improved": TREND_COLOURS["positive"], "steady": "#999999", "declined": TREND_COLOURS["negative"]}
DIRECTION_SV = {"improved": "Förbättrad", "steady": "Oförändrad", "declined": "Försämrad"}
CLASS_LABEL = {"negative": "Negativ", "stable": "Stabil", "positive": "Positiv"}
LINE_STYLES = ["-", "--", "-.", ":"]
WIDTH = 7.5  # inches: the report's text width


def _plt():
    import matplotlib.pyplot as plt

    style()
    return plt


def year_colours(years) -> dict[int, tuple]:
    """Sequential, colour-blind-safe colour per year (viridis without its pale yellow end)."""
    import matplotlib

    years = [int(y) for y in years]
    cmap = matplotlib.colormaps["viridis"]
    pos = np.linspace(0.0, 0.78, len(years)) if len(years) > 1 else [0.35]
    return {y: cmap(p) for y, p in zip(years, pos)}


def _year_style(years) -> dict[int, dict]:
    cols = year_colours(years)
    return {y: {"color": cols[y], "ls": LINE_STYLES[i % len(LINE_STYLES)]} for i, y in enumerate(sorted(cols))}


def _limits(values, split: float | None = None, step: float = 10.0, pad: float = 2.0) -> tuple[float, float]:
    v = np.asarray(values, dtype="float64")
    v = v[~np.isnan(v)]
    lo, hi = (v.min(), v.max()) if v.size else (0.0, 100.0)
    if split is not None:
        lo, hi = min(lo, split), max(hi, split)
    lo = max(0.0, np.floor((lo - pad) / step) * step)
    hi = min(100.0, np.ceil((hi + pad) / step) * step)
    return float(lo), float(hi)


def _sv_ticks(ax, axis: str = "x", decimals: int = 0, signed: bool = False, nbins: int | str = "auto") -> None:
    """Swedish tick labels (decimal comma, true minus sign)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    if decimals == 0:
        # whole-number ticks only, so that rounding never mislabels a tick (42,5 shown as "42")
        target.set_major_locator(MaxNLocator(nbins=nbins, integer=True, steps=[1, 2, 5, 10]))
    fmt = FuncFormatter(lambda v, _p: (d.signed(v, decimals) if signed and v != 0 else d.num(v, decimals)))
    target.set_major_formatter(fmt)


# ---------------------------------------------------------------- headline
def means_over_time(means: pd.DataFrame):
    """National means per year (rows) of digital förmåga, digitalt arv and overall maturity (columns)."""
    plt = _plt()
    inst = instrument.load()
    names = {dim.id: dim.name_sv for dim in inst.dimensions} | {"overall": "Total mognad"}
    colours = ["#0072b2", "#e69f00", "#000000"]
    markers = ["o", "s", "D"]
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    years = [int(y) for y in means.index]
    for i, col in enumerate(means.columns):
        ax.plot(years, means[col], marker=markers[i % 3], color=colours[i % 3], ls=LINE_STYLES[i % 4], lw=2,
                label=names.get(col, col))
    ax.set_xticks(years, [str(y) for y in years])
    lo, hi = float(np.nanmin(means.to_numpy())), float(np.nanmax(means.to_numpy()))
    ax.set_ylim(np.floor(lo / 5) * 5 - 2.5, np.ceil(hi / 5) * 5 + 2.5)
    _sv_ticks(ax, "y")
    ax.set_ylabel("Nationellt medelvärde (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- distributions
def _kde(values: np.ndarray, grid: np.ndarray) -> np.ndarray | None:
    from scipy import stats

    v = values[~np.isnan(values)]
    if v.size < 3 or np.ptp(v) == 0:
        return None
    return stats.gaussian_kde(v)(grid)


def density_by_year(positions: pd.DataFrame):
    """Density of organisation scores per year (one curve per year) for each dimension, side by side."""
    plt = _plt()
    inst = instrument.load()
    dims = [dim for dim in inst.dimensions]
    years = sorted(int(y) for y in positions.index.get_level_values("year").unique())
    sty = _year_style(years)
    lo, hi = _limits(positions[[dim.id for dim in dims]].to_numpy().ravel(), pad=5.0)
    grid = np.linspace(lo, hi, 300)
    fig, axes = plt.subplots(1, len(dims), figsize=(WIDTH, 3.3), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, dim in zip(axes, dims):
        for y in years:
            vals = positions.xs(y, level="year")[dim.id].to_numpy(dtype="float64")
            dens = _kde(vals, grid)
            if dens is None:
                continue
            ax.plot(grid, dens * 100, lw=2, label=f"{y} (n = {d.count(np.isfinite(vals).sum())})", **sty[y])
        ax.set_title(dim.name_sv)
        ax.set_xlabel("Organisationens poäng (%)")
        ax.set_xlim(lo, hi)
        _sv_ticks(ax, "x", nbins=5)
        _sv_ticks(ax, "y", 1)
    axes[0].set_ylabel("Täthet (% per p.e.)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(years), frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plane_by_year(positions: pd.DataFrame, shares: pd.DataFrame | None = None):
    """Organisations in the förmåga x arv plane, one panel per year, quadrant types marked.

    ``positions`` as ``scoring.positions``; ``shares`` (optional) as ``trends.quadrant_shares``."""
    plt = _plt()
    inst = instrument.load()
    dim_f, dim_a = (dim.id for dim in inst.dimensions)
    split = inst.scoring.quadrant_split
    years = sorted(int(y) for y in positions.index.get_level_values("year").unique())
    ncols = 2 if len(years) > 1 else 1
    nrows = int(np.ceil(len(years) / ncols))
    lo, hi = _limits(positions[[dim_f, dim_a]].to_numpy().ravel(), split=split)
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 3.5 * nrows + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    corner = {("low", "low"): (lo, lo, "left", "bottom"), ("high", "low"): (hi, lo, "right", "bottom"),
              ("low", "high"): (lo, hi, "left", "top"), ("high", "high"): (hi, hi, "right", "top")}
    for ax, y in zip(axes.ravel(), years):
        pos = positions.xs(y, level="year")
        for q in inst.quadrants:
            sel = pos[pos["quadrant"] == q.id]
            ax.scatter(sel[dim_f], sel[dim_a], s=16, alpha=0.75, color=QUADRANT_COLOURS[q.id],
                       marker=QUADRANT_MARKERS[q.id], edgecolor="white", linewidth=0.3, label=q.name_sv)
            x, yy, ha, va = corner[(q.formaga, q.arv)]
            dx = 1.0 if ha == "left" else -1.0
            dy = 1.0 if va == "bottom" else -1.0
            text = textwrap.fill(q.name_sv, 14)
            if shares is not None and y in shares.index:
                text += f"\n{d.pct(shares.loc[y, q.id])}"
            ax.text(x + dx, yy + dy, text, ha=ha, va=va, fontsize=7.5, color="#333333",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
        ax.axvline(split, color="black", lw=0.8)
        ax.axhline(split, color="black", lw=0.8)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_title(f"{y} (n = {d.count(len(pos))})", fontsize=10)
        _sv_ticks(ax, "x")
        _sv_ticks(ax, "y")
    for ax in axes.ravel()[len(years):]:
        ax.set_visible(False)
    for ax in axes[-1, :]:
        ax.set_xlabel("Digital förmåga (%)")
    for ax in axes[:, 0]:
        ax.set_ylabel("Digitalt arv (%)")
    fig.tight_layout()
    return fig


def principle_boxplots(org_scores: pd.DataFrame, principle_ids, ncols: int = 3):
    """Small multiples: per principle, one box per year of the organisation scores; the diamond is the mean."""
    plt = _plt()
    inst = instrument.load()
    pids = list(principle_ids)
    years = sorted(int(y) for y in org_scores.index.get_level_values("year").unique())
    cols = year_colours(years)
    nrows = int(np.ceil(len(pids) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 1.75 * nrows + 0.7), sharex=True, sharey=True,
                             squeeze=False)
    x = np.arange(len(years))
    for ax, pid in zip(axes.ravel(), pids):
        data = [org_scores.xs(y, level="year")[pid].dropna().to_numpy() for y in years]
        keep = [i for i, v in enumerate(data) if v.size]
        if keep:
            bp = ax.boxplot([data[i] for i in keep], positions=x[keep], widths=0.6, patch_artist=True,
                            showfliers=True, medianprops={"color": "black", "lw": 1.2},
                            flierprops={"marker": ".", "markersize": 3, "markerfacecolor": "#555555",
                                        "markeredgecolor": "none", "alpha": 0.6},
                            whiskerprops={"lw": 0.8}, capprops={"lw": 0.8})
            for patch, i in zip(bp["boxes"], keep):
                patch.set_facecolor(cols[years[i]])
                patch.set_alpha(0.85)
                patch.set_edgecolor("black")
                patch.set_linewidth(0.6)
            means = [data[i].mean() for i in keep]
            ax.plot(x[keep], means, ls="none", marker="D", ms=3.5, mfc="white", mec="black", mew=0.7)
        ax.set_title(inst.principle(pid).name_sv, fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.set_xticks(x, [str(y) for y in years], fontsize=7.5)
        ax.tick_params(axis="y", labelsize=7.5)
        ax.grid(axis="x", visible=False)
    for ax in axes.ravel()[len(pids):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Poäng (%)", fontsize=8)
    fig.tight_layout(h_pad=0.6, w_pad=0.6)
    return fig


# ---------------------------------------------------------------- change per organisation
def change_arrows(changes: pd.DataFrame, shares: pd.DataFrame, tolerance: float):
    """Each organisation's move between consecutive measurements as an arrow from the centre (no change).

    One panel per year of the later measurement (``to_year``); a circle of radius
    ``tolerance`` marks "oförändrad". A last panel shows the shares per period
    (``shares`` as ``trends.change_shares(changes)``)."""
    plt = _plt()
    periods = sorted(int(y) for y in changes["to_year"].unique())
    npanel = len(periods) + 1
    ncols = 2
    nrows = int(np.ceil(npanel / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 3.5 * nrows + 0.5), squeeze=False)
    lim = float(np.nanmax(np.abs(changes[["d_formaga", "d_arv"]].to_numpy()))) if len(changes) else tolerance
    lim = np.ceil((lim + 1) / 5) * 5
    flat = axes.ravel()
    for ax, y in zip(flat, periods):
        sel = changes[changes["to_year"] == y]
        for key in ("steady", "declined", "improved"):
            part = sel[sel["direction"] == key]
            if part.empty:
                continue
            ax.quiver(np.zeros(len(part)), np.zeros(len(part)), part["d_formaga"], part["d_arv"],
                      angles="xy", scale_units="xy", scale=1, color=DIRECTION_COLOURS[key], alpha=0.55,
                      width=0.006, headwidth=3.5, headlength=4, label=DIRECTION_SV[key])
            ax.scatter(part["d_formaga"], part["d_arv"], s=6, color=DIRECTION_COLOURS[key], zorder=3)
        circle = plt.Circle((0, 0), tolerance, fill=False, ls="--", lw=1, color="black")
        ax.add_patch(circle)
        ax.plot([-lim, lim], [lim, -lim], color="#777777", lw=0.6, ls=":")
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        froms = sorted(int(f) for f in sel["from_year"].unique())
        ax.set_title(f"Till {y} från {d.join_sv([str(f) for f in froms])} (n = {d.count(len(sel))})", fontsize=9)
        ax.set_xlabel("Förändring digital förmåga (p.e.)", fontsize=8.5)
        ax.set_ylabel("Förändring digitalt arv (p.e.)", fontsize=8.5)
        _sv_ticks(ax, "x", signed=True)
        _sv_ticks(ax, "y", signed=True)
        ax.tick_params(labelsize=8)
    # shares per period
    ax = flat[len(periods)]
    rows = [str(r) for r in shares.index]
    labels = [("Alla" if r == "total" else f"Till {r}") for r in rows]
    left = np.zeros(len(rows))
    ypos = np.arange(len(rows))[::-1]
    hatches = {"improved": "", "steady": "..", "declined": "//"}
    for key in ("improved", "steady", "declined"):
        vals = shares[key].to_numpy(dtype="float64")
        ax.barh(ypos, vals, left=left, color=DIRECTION_COLOURS[key], hatch=hatches[key], edgecolor="white",
                label=DIRECTION_SV[key])
        for yy, l, v in zip(ypos, left, vals):
            if v >= 8:
                ax.text(l + v / 2, yy, d.num(v), ha="center", va="center", fontsize=8,
                        color="white" if key != "steady" else "black")
        left += vals
    ax.set_yticks(ypos, labels, fontsize=8.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av organisationerna (%)", fontsize=8.5)
    ax.set_title("Andel per riktning", fontsize=9)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False, fontsize=8)
    ax.grid(axis="y", visible=False)
    for extra in flat[npanel:]:
        extra.set_visible(False)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- trend per principle
def trend_bars(table: pd.DataFrame, threshold: float):
    """Sorted horizontal bars of each principle's change, coloured by trend class.

    ``table`` as ``trends.trend_table`` (sorted as it should be drawn, top to bottom).
    Error bars: bootstrap interval; hatching: the interval reaches another class."""
    plt = _plt()
    from matplotlib.patches import Patch

    inst = instrument.load()
    names = [inst.principle(p).name_sv for p in table.index]
    y = np.arange(len(table))[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(table) + 1.6))
    unc = table["uncertain"].to_numpy(dtype=bool) if "uncertain" in table else np.zeros(len(table), bool)
    ax.barh(y, table["change"], color=[TREND_COLOURS.get(c, "#dddddd") for c in table["trend"]],
            hatch=["///" if u else "" for u in unc], edgecolor="white", linewidth=0.5, height=0.72)
    ax.plot(table["change"], y, ls="none", marker="o", ms=3.5, color="black", zorder=3)
    if {"ci_low", "ci_high"} <= set(table.columns):
        err = np.vstack([table["change"] - table["ci_low"], table["ci_high"] - table["change"]])
        ax.errorbar(table["change"], y, xerr=err, fmt="none", ecolor="black", elinewidth=0.9, capsize=2.5)
    for x in (-threshold, threshold):
        ax.axvline(x, color="black", lw=0.8, ls="--")
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(y, names, fontsize=9)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Förändring av medelvärdet (procentenheter)")
    _sv_ticks(ax, "x", signed=True)
    handles = [Patch(color=TREND_COLOURS[c], label=CLASS_LABEL[c]) for c in ("negative", "stable", "positive")]
    handles.append(Patch(facecolor="#bbbbbb", hatch="///", edgecolor="white", label="Osäker klass"))
    ax.legend(handles=handles, loc="lower right", fontsize=8.5, frameon=True, framealpha=0.9)
    fig.tight_layout()
    return fig


def composition_plot(table: pd.DataFrame, threshold: float, first: int, last: int):
    """Change per principle for all organisations versus only those measured in both years, with intervals."""
    plt = _plt()
    inst = instrument.load()
    names = [inst.principle(p).name_sv for p in table.index]
    y = np.arange(len(table))[::-1].astype(float)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(table) + 1.8))
    ax.axvspan(-threshold, threshold, color="#eeeeee", zorder=0)
    n_same = int(table["n_same"].iloc[0]) if "n_same" in table else 0
    series = [("change", "ci_low", "ci_high", "o", "#0072b2", "Alla organisationer", 0.17),
              ("same_change", "same_ci_low", "same_ci_high", "^", "#e69f00",
               f"Samma organisationer {first} och {last} (n = {d.count(n_same)})", -0.17)]
    for col, lo, hi, marker, colour, label, off in series:
        ax.hlines(y + off, table[lo], table[hi], color=colour, lw=1.6)
        ax.plot(table[col], y + off, ls="none", marker=marker, ms=6, color=colour, mec="black", mew=0.5,
                label=label)
    for x in (-threshold, threshold):
        ax.axvline(x, color="black", lw=0.8, ls="--")
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(y, names, fontsize=9)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"Förändring {first}–{last} (procentenheter)")
    _sv_ticks(ax, "x", signed=True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8.5)
    fig.tight_layout()
    return fig
