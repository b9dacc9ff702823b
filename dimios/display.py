"""Publishing helpers for the notebooks: Swedish numbers, tables, figures, prose.

Every table and figure is emitted as a display bundle with two representations:
``text/markdown`` (pipe table / image with Quarto label, caption and alt text, for
``quarto render`` to HTML and PDF) and ``text/html`` (``<table>`` / ``<figure>`` with
caption and alt text, for the nbconvert fallback). Tables are also written as CSV to
the section's output folder, figures as PNG — without timestamps, so rebuilds of the
same data give identical files.
"""

from __future__ import annotations

import base64
import html
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
class Publisher:
    """Writes a section's tables/figures to ``output_dir`` and displays them."""

    def __init__(self, output_dir: str | Path | None, section: str):
        self.section = section
        self.dir = Path(output_dir) / section if output_dir else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)

    def _anchor(self, kind: str, label: str) -> str:
        return _anchor_for(kind, self.section, label)

    # -- text
    def markdown(self, text: str):
        """Prose: Quarto markdown for Quarto, the same rendered to HTML for nbconvert."""
        from IPython.display import display

        display({"text/markdown": text, "text/html": markdown_to_html(text), "text/plain": text}, raw=True)

    # -- tables
    def table(self, df: pd.DataFrame, label: str, caption: str, formatters: dict | None = None,
              index: bool = False, align: str | None = None, csv: pd.DataFrame | None = None):
        """Show a table (markdown + html) and write its CSV (``csv`` or ``df``)."""
        from IPython.display import display

        label, anchor = _label("tbl", label), self._anchor("tbl", label)
        if self.dir is not None:
            data = csv if csv is not None else df
            data.to_csv(self.dir / f"{label}.csv", index=index, lineterminator="\n")
        shown = _format_frame(df, formatters or {}, index)
        display({"text/markdown": _markdown_table(shown, caption, anchor, align),
                 "text/html": _html_table(shown, caption, anchor),
                 "text/plain": f"[Tabell: {caption}]"}, raw=True)

    # -- figures
    def figure(self, fig, label: str, caption: str, alt: str, width: str = "100%"):
        """Show a matplotlib figure with caption and alt text; write its PNG."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        label, anchor = _label("fig", label), self._anchor("fig", label)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        png = buf.getvalue()
        if self.dir is not None:
            (self.dir / f"{label}.png").write_bytes(png)
        b64 = base64.b64encode(png).decode("ascii")
        alt_attr = alt.replace('"', "'")
        md = f'![{caption}](data:image/png;base64,{b64}){{#{anchor} fig-alt="{alt_attr}"}}'
        htm = (f'<figure id="{anchor}" class="dimios-figure"><img src="data:image/png;base64,{b64}" '
               f'alt="{html.escape(alt)}" style="max-width:{width}"/>'
               f"<figcaption>Figur: {html.escape(caption)}</figcaption></figure>")
        display({"text/markdown": md, "text/html": htm, "text/plain": f"[Figur: {caption}]"}, raw=True)


_ATTRS = re.compile(r"\s*\{[.#][^}]*\}\s*$", re.M)
_CALLOUT = re.compile(r"^:::\s*\{\.(\w[\w-]*)\}\s*\n(.*?)\n:::\s*$", re.S | re.M)


def markdown_to_html(text: str) -> str:
    """Render report markdown to HTML, translating the Quarto-only syntax we use
    (heading attributes such as ``{.unnumbered}``, ``::: {.callout}`` blocks)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    parts = []
    pos = 0
    for m in _CALLOUT.finditer(text):
        parts.append(md.render(_ATTRS.sub("", text[pos:m.start()])))
        inner = md.render(_ATTRS.sub("", m.group(2)))
        parts.append(f'<div class="{html.escape(m.group(1))}">{inner}</div>')
        pos = m.end()
    parts.append(md.render(_ATTRS.sub("", text[pos:])))
    return "".join(parts)


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


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown_table(df: pd.DataFrame, caption: str, label: str, align: str | None) -> str:
    cols = [str(c) for c in df.columns]
    if align is None:
        align = "l" + "r" * (len(cols) - 1)
    rule = ["---:" if a == "r" else ":---:" if a == "c" else ":---" for a in align]
    lines = ["| " + " | ".join(_md_cell(c) for c in cols) + " |", "|" + "|".join(rule) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    lines.append("")
    lines.append(f": {caption} {{#{label}}}")
    return "\n".join(lines)


def _html_table(df: pd.DataFrame, caption: str, label: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    return (f'<div class="dimios-table"><table id="{label}"><caption>Tabell: {html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
