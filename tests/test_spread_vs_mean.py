"""Level shares against the mean, and the published section 2.4 against the data (issue 13, item 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from dimios import instrument, reference, scoring, trends

from .conftest import make_responses


def test_years_in_swedish():
    assert trends.years_sv([2023]) == "2023"
    assert trends.years_sv([2020, 2021, 2022, 2023]) == "2020–2023"
    assert trends.years_sv([2023, 2021]) == "2021 och 2023"
    assert trends.years_sv([2020, 2021, 2023]) == "2020–2023 (utom 2022)"
    assert trends.missing_years([2020, 2023]) == [2021, 2022] and trends.missing_years([2022, 2023]) == []


def _panel(first_answers: dict, last_answers: dict, n_org: int = 4) -> pd.DataFrame:
    rows = []
    for year, spec in ((2022, first_answers), (2023, last_answers)):
        for o in range(n_org):
            rows.append((f"O{o}", year, {pid: spec[pid][o] for pid in spec}))
    return scoring.organisation_scores(make_responses(rows), min_valid=1)


def test_disagreement_rules():
    pids = list(instrument.load().principle_ids)
    a, b, c = pids[:3]
    # a: mean falls (one organisation drops far), share at levels 3-4 rises (two cross 50 %)
    # b: both rise; c: mean stable, share jumps (organisations move across the cut point both ways)
    first = {a: [3, 3, 7, 7], b: [2, 2, 2, 2], c: [3, 3, 5, 5]}
    last = {a: [5, 5, 7, 1], b: [5, 5, 5, 5], c: [5, 5, 5, 1]}
    sv = trends.spread_vs_mean(_panel(first, last))
    assert sv.loc[a, "trend"] == "negative" and sv.loc[a, "share_direction"] == "up" and sv.loc[a, "disagree"]
    assert sv.loc[b, "trend"] == "positive" and sv.loc[b, "share_direction"] == "up" and not sv.loc[b, "disagree"]
    assert sv.loc[c, "trend"] == "stable" and sv.loc[c, "high_first"] == 50 and sv.loc[c, "high_last"] == 75
    assert sv.loc[c, "disagree"]
    assert sv.loc[a, "n_first"] == sv.loc[a, "n_last"] == sv.loc[a, "n_same"] == 4


def test_a_share_change_exactly_at_the_threshold_is_no_move():
    pids = list(instrument.load().principle_ids)
    sv = trends.spread_vs_mean(_panel({pids[0]: [5, 5, 2, 2]}, {pids[0]: [5, 5, 5, 2]}),
                               share_threshold=25.0)
    assert sv.loc[pids[0], "high_change"] == pytest.approx(25.0)
    assert sv.loc[pids[0], "share_direction"] == "flat"


def test_published_statements_are_data_and_match_the_figure():
    pub = trends.published_overview()
    assert list(pub.index) == list(instrument.load().principle_ids)
    for pid in pub.index:  # the figure column is the classification the synthetic panel is calibrated to
        assert pub.loc[pid, "figure_class"] == reference.trend_class(pid)
    named = pub[pub["prose_class"].notna()]
    assert len(named) == 19 and named["prose_says"].notna().all()
    disagree = set(named.index[named["prose_class"] != named["figure_class"]])
    assert disagree == {"innovationskultur", "infosak_integritet", "nyttorealisering", "kostnadskontroll", "styrning",
                        "teknisk_skuld", "portfoljstyrning", "anvandarinvolvering", "kompetens"}


def test_published_tables_against_published_figure():
    pub = trends.published_spread_vs_figure()
    # the published report's own tension: e.g. Projektstyrning negative while levels 3-4 went 56 -> 63 %
    assert pub.loc["projektstyrning", ["high_first", "high_last"]].tolist() == [56, 63]
    assert set(pub.index[pub["disagree"]]) == {"projektstyrning", "ekonomiska_ramar", "oppna_data",
                                               "oppen_utveckling", "prioritering", "kompetens", "infrastruktur"}


def test_published_vs_data_flags(default_panel):
    org = scoring.organisation_scores(default_panel.responses)
    cmp = trends.published_vs_data(org)
    assert not cmp["figure_vs_data"].any()  # the synthetic panel is calibrated to the figure
    assert cmp["prose_vs_figure"].sum() == 9
    # Kompetens: the prose speaks of levels (they rise), the figure of the mean (stable): data support both
    assert cmp.loc["kompetens", "data_class"] == "positive" and not cmp.loc["kompetens", "prose_vs_data"]
    assert cmp.loc["portfoljstyrning", "prose_vs_data"]
