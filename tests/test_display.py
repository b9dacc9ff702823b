"""Swedish number formatting and the Quarto Markdown output of prose, tables and figures."""

import base64
import io
import re

import pandas as pd
import pytest

from dimios import display as d


def test_swedish_numbers():
    assert d.num(1234.5, 1) == "1\u202f234,5"
    assert d.num(-2.26, 1) == "−2,3" and d.num(0.04, 1) == "0,0"
    assert d.pct(47.04, 1) == "47,0\u00a0%"
    assert d.signed(3.5, 1) == "+3,5" and d.signed(-1.0, 1) == "−1,0" and d.signed(0.0, 1) == "0,0"
    assert d.num(float("nan")) == "–"
    assert d.join_sv(["a", "b", "c"]) == "a, b och c" and d.join_sv(["a"]) == "a"


def _shown(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    return shown


def test_outputs_are_quarto_markdown_only(tmp_path, monkeypatch):
    """Quarto would take a text/html version over text/markdown: there is none."""
    shown = _shown(monkeypatch)
    pub = d.Publisher(tmp_path, "p01-x")
    pub.markdown("## Rubrik\n\nText.")
    pub.callout("Alla svar ingår.", title="Byggläge")
    pub.table(pd.DataFrame({"År": ["2020"], "Andel": [12.345]}), "spread", "Andel per år")
    for bundle in shown:
        assert set(bundle) == {"text/markdown", "text/plain"}
    # each output a block of its own (Quarto places them one after the other)
    assert shown[0]["text/markdown"] == "## Rubrik\n\nText.\n\n"
    assert shown[1]["text/markdown"] == '::: {.callout-note title="Byggläge"}\nAlla svar ingår.\n:::\n\n'
    with pytest.raises(ValueError):
        pub.callout("x", kind="info")
    assert pub.ref("tbl", "spread") == "@tbl-p01-x-spread" and pub.ref("fig", "trend", capital=True) == \
        "@Fig-p01-x-trend"


def test_table_bundle(tmp_path, monkeypatch):
    shown = _shown(monkeypatch)
    pub = d.Publisher(tmp_path, "p01-x")
    df = pd.DataFrame({"År": ["2020", "2021"], "Andel": [12.345, 1234.5], "Not": ["**fet** | rad", "–"],
                       "Ändring": ["+2,3", "−1,0"]})
    pub.table(df, "spread", "Andel per år")
    md = shown[-1]["text/markdown"]
    lines = md.splitlines()
    assert lines[0] == "| År | Andel | Not | Ändring |"
    # first column (row names) and text left, numbers right
    assert re.fullmatch(r"\|:-+\|-+:\|:-+\|-+:\|", lines[1])
    assert lines[2] == "| 2020 | 12,3 | **fet** \\| rad | +2,3 |" and "1\u202f234,5" in lines[3]
    assert lines[-3:] == ["", ": Andel per år {#tbl-p01-x-spread}", ""] and md.endswith("}\n\n")
    assert (tmp_path / "p01-x" / "tbl-spread.csv").read_text().startswith("År,Andel")
    pub.table(df, "other", "Annan", align="lllc")
    assert re.search(r"\|:-+:\|$", shown[-1]["text/markdown"].splitlines()[1])
    with pytest.raises(ValueError, match="align"):
        pub.table(df, "bad", "Fel", align="lr")


def test_wide_tables_get_relative_column_widths():
    """Dashes under the header give each column's share when a table is wider than a line
    (pandoc, and so Quarto, then wraps the cells within the page): long prose gets the most."""
    df = pd.DataFrame({"Nivå": ["1. Kort", "2. Kort"], "Kännetecken": ["ord " * 100, "ord " * 120],
                       "Risker": ["en risk; en till", "en risk"], "Antal organisationer": ["12", "1\u202f234"]})
    md = d._markdown_table(d._format_frame(df, {}, False), "Trappa", "tbl-x", None)
    widths = [len(c.strip(":")) for c in md.splitlines()[1].strip("|").split("|")]
    assert widths[1] > 2 * widths[2] > 2 * widths[0] and widths[1] < 20 * widths[0]
    assert widths[3] == len("organisationer")  # the longest word


def test_figure_bundle(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = _shown(monkeypatch)
    pub = d.Publisher(tmp_path, "p01-x")
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([1, 2])
    pub.figure(fig, "trend", "Trend [år]", 'En "linje" som stiger')
    md = shown[-1]["text/markdown"]
    assert set(shown[-1]) == {"text/markdown", "text/plain"}
    assert md.startswith("![Trend \\[år\\]](data:image/png;base64,")
    assert md.endswith('){#fig-p01-x-trend fig-alt="En \'linje\' som stiger"}\n\n')
    png = (tmp_path / "p01-x" / "fig-trend.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png  # no tool/time metadata
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:  # print quality in the PDF edition
        assert round(img.info["dpi"][0]) >= 200 and img.width >= 4 * 200 * 0.9
        assert img.mode == "P"  # a palette PNG (d.palette_png)
    assert base64.b64decode(md.split("base64,")[1].split(")")[0]) == png  # the file and the Markdown agree


def test_a_palette_png_looks_the_same_is_smaller_and_keeps_transparency():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig, ax = plt.subplots(figsize=(4, 3))
    for k in range(6):  # anti-aliased lines and text: thousands of colours
        ax.plot(np.sin(np.linspace(0, 6, 200) + k), label=f"serie {k}")
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    plt.close(fig)
    rgb = buf.getvalue()
    small = d.palette_png(rgb)
    assert small == d.palette_png(rgb) and len(small) < len(rgb) / 1.5
    with Image.open(io.BytesIO(rgb)) as a, Image.open(io.BytesIO(small)) as b:
        assert len(a.convert("RGB").getcolors(2**24)) > 256 and b.mode == "P"
        diff = np.abs(np.asarray(a.convert("RGB"), dtype=int) - np.asarray(b.convert("RGB"), dtype=int))
        assert a.size == b.size and diff.mean() < 0.5 and np.percentile(diff.max(axis=2), 99.9) < 40
    see_through = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(see_through, format="png")
    assert d.palette_png(see_through.getvalue()) == see_through.getvalue()
