"""Swedish number formatting and the dual (Quarto markdown / HTML) output of tables and figures."""

import pandas as pd

from dimios import display as d


def test_swedish_numbers():
    assert d.num(1234.5, 1) == "1\u202f234,5"
    assert d.num(-2.26, 1) == "−2,3" and d.num(0.04, 1) == "0,0"
    assert d.pct(47.04, 1) == "47,0\u00a0%"
    assert d.signed(3.5, 1) == "+3,5" and d.signed(-1.0, 1) == "−1,0" and d.signed(0.0, 1) == "0,0"
    assert d.num(float("nan")) == "–"
    assert d.join_sv(["a", "b", "c"]) == "a, b och c" and d.join_sv(["a"]) == "a"


def test_markdown_to_html_translates_quarto_syntax():
    html = d.markdown_to_html("# Titel {.unnumbered}\n\n::: {.callout}\n**Obs.** Text.\n:::\n")
    assert "<h1>Titel</h1>" in html and "{.unnumbered}" not in html
    assert '<div class="callout">' in html and ":::" not in html


def test_table_and_figure_bundles(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    pub = d.Publisher(tmp_path, "p01-x")
    pub.table(pd.DataFrame({"År": ["2020"], "Andel": [12.345]}), "spread", "Andel per år")
    md, htm = shown[-1]["text/markdown"], shown[-1]["text/html"]
    assert "| År | Andel |" in md and ": Andel per år {#tbl-p01-x-spread}" in md and "12,3" in md
    assert '<table id="tbl-p01-x-spread">' in htm and "<caption>" in htm
    assert (tmp_path / "p01-x" / "tbl-spread.csv").read_text().startswith("År,Andel")
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    pub.figure(fig, "trend", "Trend", "En linje som stiger")
    md, htm = shown[-1]["text/markdown"], shown[-1]["text/html"]
    assert '{#fig-p01-x-trend fig-alt="En linje som stiger"}' in md
    assert 'alt="En linje som stiger"' in htm and "<figcaption>" in htm
    png = (tmp_path / "p01-x" / "fig-trend.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png  # no tool/time metadata
