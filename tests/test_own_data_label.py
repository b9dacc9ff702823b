"""Issue 20.8: whether the report is built on the synthetic default panel is decided by content
(the panel's fingerprint), not by the ``SYN-`` prefix of its ids. An edited copy of the panel is
the user's own data: no synthetic marker, no synthetic appendix and no calibration claims."""

from __future__ import annotations

import pytest

from dimios import context, io, paths
from tests.report_runner import render

DATA = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"
SYNTHETIC_PHRASES = ("projektets syntetiska panel", "syntetiska standardpanel", "standardpanelen är syntetisk",
                     "panelens kalibrering")


@pytest.fixture(scope="module")
def edited_copy(default_panel, tmp_path_factory):
    """The default panel with one answer changed (every id still starts with SYN-)."""
    df = default_panel.responses.copy()
    col = "rykte"
    row = df.index[df[col].notna()][0]
    df.loc[row, col] = 1.0 if df.loc[row, col] != 1.0 else 2.0
    assert df["respondent_id"].str.startswith("SYN-").all()
    path = tmp_path_factory.mktemp("edited") / "panel.csv"
    io.write_responses(df, path)
    return path


def test_default_panel_recognised_by_content(edited_copy):
    assert context.load(DATA).default_panel
    assert context.load(DATA, years=[2021, 2023]).default_panel        # -P years: still the panel
    assert context.load(DATA, exclude_careless=True).default_panel     # decided on all rows read
    assert not context.load(edited_copy).default_panel


@pytest.mark.slow
def test_an_edited_copy_of_the_panel_is_described_as_own_data(edited_copy, tmp_path):
    own = render(edited_copy, tmp_path / "own", only={"index", "data", "quality", "overview"})
    for sid, text in own.items():
        said = [p for p in SYNTHETIC_PHRASES if p in text.lower()]
        assert not said, (sid, said)
    assert "Rapporten bygger på de svarsdata som angavs" in own["data"]
    panel = render(DATA, tmp_path / "panel", only={"index", "data"})
    assert "projektets syntetiska panel" in panel["index"].lower() and "Så skapades panelen" in panel["data"]
