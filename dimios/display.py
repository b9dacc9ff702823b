"""Publishing helpers for the notebooks: Swedish numbers, tables, figures, prose.

Every piece of report output is one display bundle whose content is Quarto Markdown
(``text/markdown``, with a ``text/plain`` stand-in): prose, callouts, pipe tables with
caption and label (``: Caption {#tbl-...}``) and images with caption, label and alt text
(``![Caption](data:image/png;base64,...){#fig-... fig-alt="..."}``). Quarto renders that
Markdown (it would prefer a ``text/html`` version if there were one, so there is none);
the nbconvert fallback (``dimios.html_book``) renders the same Markdown with the same
numbering. Tables are also written as CSV to the section's output folder, figures as PNG
(200 dpi), without timestamps, so rebuilds of the same data give identical files.
"""

from __future__ import annotations

import base64
import io
import math
from decimal import ROUND_HALF_UP, Decimal
import re
from pathlib import Path

import pandas as pd

NBSP = "\u00a0"
THIN = "\u202f"  # narrow no-break space: Swedish thousands separator


# ---------------------------------------------------------------- numbers
def num(value, decimals: int = 0) -> str:
    """Swedish number: decimal comma, narrow space between thousands (1 234,5).

    Rounded half up on the shortest decimal form of the value (62,5 -> 63, as in the
    spread tables; Python's own formatting would give 62). A value that rounds to zero
    is written without a sign (``0,0``, never ``−0,0``)."""
    if value is None or value is pd.NA:
        return "–"
    x = float(value)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if q == 0:
        q = abs(q)
    text = f"{q:,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", THIN)
    return text.replace("-", "−")


def given(value) -> str:
    """A number as it was given (a parameter's value): every decimal it has, none added or rounded
    away (3.5 -> '3,5', 2 -> '2', 0.25 -> '0,25')."""
    if value is None or value is pd.NA:
        return "–"
    x = float(value)
    if not math.isfinite(x):
        return num(x)
    exponent = Decimal(repr(x)).normalize().as_tuple().exponent
    return num(x, max(0, -int(exponent)))


def pct(value, decimals: int = 0) -> str:
    """Percent in Swedish style: '47 %' (no-break space)."""
    return f"{num(value, decimals)}{NBSP}%"


def signed(value, decimals: int = 1, unit: str = "") -> str:
    """'+2,3' / '−1,0' with an optional unit (e.g. ' procentenheter').

    A value that rounds to zero at the shown precision has no sign: '0,0' (not '+0,0' or '−0,0')."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = num(value, decimals)
    sign = "+" if float(value) > 0 and text.strip("0,") != "" else ""
    return f"{sign}{text}{unit}"


def count(value) -> str:
    return num(value, 0)


def plural(n, singular: str, plural_form: str) -> str:
    """'1 princip' / '3 principer' (Swedish number agreement; the count written with ``count``)."""
    return f"{count(n)} {singular if n == 1 else plural_form}"


def quote(text) -> str:
    """Swedish quotation marks: ”vet ej” (the same mark on both sides)."""
    return f"\u201d{text}\u201d"


def join_sv(items) -> str:
    """'a, b och c'."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " och " + items[-1]


# ---------------------------------------------------------------- output folder
FIGURE_DPI = 200          # print quality in the PDF edition
CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")
_NUMERIC_CELL = re.compile(r"^[−+\-]?[\d\u202f\u00a0 ]*[\d](?:,\d+)?(?:\u00a0?%| pe)?$|^[–—]$")


class Publisher:
    """Writes a section's tables/figures to ``output_dir`` and displays them as Quarto Markdown."""

    def __init__(self, output_dir: str | Path | None, section: str):
        self.section = section
        self.dir = Path(output_dir) / section if output_dir else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)

    def _anchor(self, kind: str, label: str) -> str:
        return _anchor_for(kind, self.section, label)

    def ref(self, kind: str, label: str, capital: bool = False) -> str:
        """A cross-reference in prose to this section's table (``"tbl"``) or figure (``"fig"``):
        ``@tbl-…`` reads "tabell 3.1" in both editions, ``capital=True`` gives "Tabell 3.1"
        (sentence start)."""
        anchor = self._anchor(kind, label)
        return "@" + (anchor[0].upper() + anchor[1:] if capital else anchor)

    # -- text
    def markdown(self, text: str):
        """Prose in Quarto Markdown (headings, lists, ``@tbl-…`` references, fenced divs)."""
        _show(text)

    def callout(self, text: str, title: str | None = None, kind: str = "note"):
        """A highlighted box (Quarto callout) with an optional title."""
        _show(callout_markdown(text, title, kind))

    # -- tables
    def table(self, df: pd.DataFrame, label: str, caption: str, formatters: dict | None = None,
              index: bool = False, align: str | None = None, csv: pd.DataFrame | None = None):
        """Show a numbered table and write its CSV (``csv`` or ``df``).

        Cells are Markdown (``**fet**`` is bold). ``align``: one letter per column (``l``, ``r``,
        ``c``); by default the first column (row names) and text columns are left-aligned and
        number columns right-aligned."""
        label, anchor = _label("tbl", label), self._anchor("tbl", label)
        if self.dir is not None:
            data = csv if csv is not None else df
            data.to_csv(self.dir / f"{label}.csv", index=index, lineterminator="\n")
        shown = _format_frame(df, formatters or {}, index)
        _show(_markdown_table(shown, caption, anchor, align), plain=f"[Tabell: {caption}]")

    # -- figures
    def figure(self, fig, label: str, caption: str, alt: str, width: str | None = None):
        """Show a numbered matplotlib figure with caption and alt text; write its PNG."""
        import matplotlib.pyplot as plt

        label, anchor = _label("fig", label), self._anchor("fig", label)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        png = palette_png(buf.getvalue())
        if self.dir is not None:
            (self.dir / f"{label}.png").write_bytes(png)
        b64 = base64.b64encode(png).decode("ascii")
        attrs = f'#{anchor} fig-alt="{_attr_value(alt)}"' + (f' width="{_attr_value(width)}"' if width else "")
        _show(f"![{_escape_brackets(caption)}](data:image/png;base64,{b64}){{{attrs}}}", plain=f"[Figur: {caption}]")


def palette_png(png: bytes) -> bytes:
    """An opaque figure as a PNG of at most 256 colours (Pillow's median cut, no dithering), the
    form charts of flat colours take best: the default report's 36 figures 2.9 MB -> 1.1 MB, no
    difference to see (largest colour difference of a pixel 60 of 255, on anti-aliased edges).

    The Markdown every edition reads carries the figures as base64, and pandoc (Quarto) parses
    long base64 text slowly: the overview chapter, with 8 figures, 2.67 s -> 0.97 s of pandoc.
    A figure with transparent pixels is left as it is."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.mode not in ("RGB", "RGBA") or (image.mode == "RGBA" and image.getextrema()[3][0] < 255):
        return png
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="png", optimize=True, **({"dpi": image.info["dpi"]} if "dpi" in image.info else {}))
    return out.getvalue()


def _show(markdown: str, plain: str | None = None) -> None:
    """Display Markdown as a block of its own: Quarto places the outputs one after the other
    (``output: asis``), so each ends with a blank line."""
    from IPython.display import display

    markdown = markdown.strip("\n") + "\n\n"
    display({"text/markdown": markdown, "text/plain": plain if plain is not None else markdown.strip()}, raw=True)


def callout_markdown(text: str, title: str | None = None, kind: str = "note") -> str:
    if kind not in CALLOUT_KINDS:
        raise ValueError(f"callout kind {kind!r}: expected one of {', '.join(CALLOUT_KINDS)}")
    attrs = f".callout-{kind}" + (f' title="{_attr_value(title)}"' if title else "")
    return f"::: {{{attrs}}}\n{text.strip()}\n:::\n"


def _attr_value(text: str) -> str:
    """A value for a Markdown attribute in double quotes (no quotes or line breaks inside)."""
    return _one_line(str(text).replace('"', "'"))


def _escape_brackets(text: str) -> str:
    return str(text).replace("[", "\\[").replace("]", "\\]")


def _anchor_for(kind: str, section: str, label: str) -> str:
    """Cross-reference id, unique in the whole book: kind-section-label."""
    bare = _label(kind, label)[len(kind) + 1:]
    return _label(kind, f"{section}-{bare}")


def _label(kind: str, label: str) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", label.lower()).strip("-")
    return label if label.startswith(kind + "-") else f"{kind}-{label}"


def _format_frame(df: pd.DataFrame, formatters: dict, index: bool) -> pd.DataFrame:
    out = df.reset_index() if index else df.copy()
    for col in out.columns:
        fmt = formatters.get(col)
        if fmt is not None:
            out[col] = [fmt(v) for v in out[col]]
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = [num(v, 1) for v in out[col]]
        elif pd.api.types.is_integer_dtype(out[col]):
            out[col] = ["–" if pd.isna(v) else num(v) for v in out[col]]
        else:
            out[col] = ["" if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else str(v)
                        for v in out[col]]
    return out


_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")  # line breaks only: no-break spaces stay as they are


def _one_line(text) -> str:
    return _BREAKS.sub(" ", str(text)).strip()


def _md_cell(text: str) -> str:
    return _one_line(str(text).replace("|", "\\|"))


def _is_numeric_column(values) -> bool:
    cells = [str(v).strip() for v in values if str(v).strip()]
    return bool(cells) and all(_NUMERIC_CELL.match(c) for c in cells) and any(c[-1].isdigit() or c.endswith("%")
                                                                             for c in cells)


def _column_alignment(df: pd.DataFrame, align: str | None) -> str:
    if align is not None:
        if len(align) != len(df.columns) or set(align) - set("lrc"):
            raise ValueError(f"align={align!r}: expected one of l/r/c per column ({len(df.columns)} columns)")
        return align
    # the first column names the rows (years too): left; the others by their content
    return "l" + "".join("r" if _is_numeric_column(df[c]) else "l" for c in list(df.columns)[1:])


def _column_weight(header: str, cells: list[str]) -> int:
    """Relative width of a column: grows with the square root of its typical text length (so
    a column of long prose is wider than one of short notes, but not twenty times wider), and
    is never narrower than its longest word (TeX does not hyphenate the first word of a cell)."""
    typical = sum(len(c) for c in cells) / len(cells) if cells else 0
    longest_word = max((len(w) for text in [header, *cells] for w in text.split()), default=0)
    return max(3, round(3 * math.sqrt(max(typical, 1))), longest_word)


def _markdown_table(df: pd.DataFrame, caption: str, label: str, align: str | None) -> str:
    """A pipe table with caption and label. The dashes under each header give the column's
    share of the line width (pandoc/Quarto use them when a table is too wide to set on one
    line: wide tables wrap within the page instead of running off it)."""
    cols = [_md_cell(c) for c in df.columns]
    rows = [[_md_cell(v) for v in row] for row in df.itertuples(index=False)]
    align = _column_alignment(df, align)
    rule = []
    for j, a in enumerate(align):
        dashes = "-" * _column_weight(cols[j], [r[j] for r in rows])
        rule.append(f"{dashes}:" if a == "r" else f":{dashes}:" if a == "c" else f":{dashes}")
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    lines.append(f": {_one_line(caption)} {{#{label}}}")
    return "\n".join(lines)
