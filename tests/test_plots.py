"""The overview figures: each function returns a readable figure from hand-made aggregates."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dimios import instrument, plots, scoring, trends  # noqa: E402

INST = instrument.load()
IDS = list(INST.principle_ids)
YEARS = [2020, 2021, 2022]


@pytest.fixture(scope="module")
def org():
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_tuples([(f"O{i:02d}", y) for i in range(30) for y in YEARS],
                                      names=scoring.ORG_KEYS)
    scores = np.clip(rng.normal(50, 12, (len(index), len(IDS))), 0, 100)
    out = pd.DataFrame(scores, index=index, columns=IDS)
    out.insert(0, "n_respondents", 10)
    out.insert(0, "organisation_type", "kommun")
    return out


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(fig) -> str:
    parts = []
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() + ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            parts += [t.get_text() for t in leg.get_texts()]
    for leg in fig.legends:
        parts += [t.get_text() for t in leg.get_texts()]
    return " | ".join(parts)


def test_year_colours_distinct_and_stable():
    a = plots.year_colours(YEARS)
    assert a == plots.year_colours(YEARS) and len(set(a.values())) == len(YEARS)


def test_means_over_time(org):
    fig = plots.means_over_time(trends.dimension_means(org))
    fig.canvas.draw()
    text = _texts(fig)
    assert "Digital förmåga" in text and "Total mognad" in text
    # whole-number ticks only (no rounded half-ticks)
    ticks = fig.axes[0].get_yticks()
    assert np.allclose(ticks, np.round(ticks))


def test_density_and_plane(org):
    pos = scoring.positions(org)
    fig = plots.density_by_year(pos)
    assert len(fig.axes) == 2 and "n = 30" in _texts(fig)
    assert sum(len(ax.lines) for ax in fig.axes) == 2 * len(YEARS)
    fig = plots.plane_by_year(pos, trends.quadrant_shares(pos))
    text = _texts(fig).replace("\n", " ")
    for q in INST.quadrants:
        assert q.name_sv in text
    assert sum(ax.get_visible() for ax in fig.axes) == len(YEARS)


def test_principle_boxplots_one_panel_per_principle(org):
    pids = list(INST.principles_in("digitalt_arv"))
    fig = plots.principle_boxplots(org, pids, ncols=4)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [INST.principle(p).name_sv for p in pids]


def test_change_arrows(org):
    ch = trends.organisation_changes(org, tolerance=2.0, min_respondents=5)
    fig = plots.change_arrows(ch, trends.change_shares(ch), 2.0)
    text = _texts(fig)
    assert "Till 2021 från 2020" in text and "Förbättrad" in text and "Alla" in text
    assert "−" in text and "-" not in text.replace("p.e.", "")  # Swedish minus signs on the axes


def test_trend_bars_and_composition(org):
    tt = trends.trend_table(org, threshold=2.0, reps=50, seed=1).sort_values("change")
    tt.loc[tt.index[0], "uncertain"] = True
    tt.loc[tt.index[1], "uncertain"] = False
    fig = plots.trend_bars(tt.iloc[::-1], 2.0)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(tt)
    # drawn top to bottom in the given order: the last row of the frame is the lowest bar
    hatched = {b.get_y() for b in bars if b.get_hatch()}
    assert min(b.get_y() for b in bars) in hatched
    assert "Osäker klass" in _texts(fig)
    fig = plots.composition_plot(tt.iloc[::-1], 2.0, 2020, 2022)
    assert "Samma organisationer 2020 och 2022" in _texts(fig)
