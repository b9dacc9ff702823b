"""The nbconvert fallback: executed notebooks -> a navigable HTML book.

Used when Quarto is not on PATH. nbconvert renders each executed notebook's outputs
(code hidden, papermill's parameter cells removed) with its ``basic`` template; this
module wraps them in one page layout with a table of contents (parts as in
``_quarto.yml``), previous/next links and a shared stylesheet. Written here because
nbconvert converts single notebooks and has no book/navigation layer.
"""

from __future__ import annotations

import html
from pathlib import Path

import nbformat

from dimios.sections import Section

CSS = """
:root { --ink:#1d2733; --muted:#5b6775; --accent:#005a8c; --line:#d9dee4; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink);
       line-height:1.55; display:flex; min-height:100vh; }
nav.toc { width:290px; flex:none; background:var(--bg); border-right:1px solid var(--line); padding:1.2rem 1rem;
          position:sticky; top:0; height:100vh; overflow-y:auto; font-size:.9rem; }
nav.toc .book-title { font-weight:700; font-size:1.05rem; margin-bottom:1rem; display:block; color:var(--ink); text-decoration:none; }
nav.toc .part { margin:1rem 0 .3rem; font-weight:600; color:var(--muted); text-transform:uppercase; font-size:.75rem; letter-spacing:.04em; }
nav.toc ol { list-style:none; padding-left:0; margin:0; }
nav.toc li a { display:block; padding:.15rem .4rem; border-radius:4px; color:var(--ink); text-decoration:none; }
nav.toc li a:hover { background:#e8edf2; }
nav.toc li a.current { background:var(--accent); color:#fff; }
main { flex:1; min-width:0; max-width:980px; padding:2rem 2.5rem 4rem; }
main img { max-width:100%; height:auto; }
.dimios-table { overflow-x:auto; margin:1rem 0 1.5rem; }
table { border-collapse:collapse; font-size:.9rem; }
caption { caption-side:top; text-align:left; font-weight:600; padding-bottom:.4rem; }
th, td { border-bottom:1px solid var(--line); padding:.3rem .6rem; vertical-align:top; text-align:left; }
th { background:var(--bg); }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
figure { margin:1.5rem 0; }
figcaption { color:var(--muted); font-size:.9rem; margin-top:.4rem; }
.pager { display:flex; justify-content:space-between; gap:1rem; margin-top:3rem; border-top:1px solid var(--line); padding-top:1rem; }
.pager a { color:var(--accent); text-decoration:none; max-width:45%; }
.callout { border-left:4px solid var(--accent); background:var(--bg); padding:.6rem 1rem; margin:1rem 0; }
.anchor-link { display:none; }
.suppressed { color:var(--muted); font-style:italic; }
@media (max-width: 900px) { body { display:block; } nav.toc { position:static; width:auto; height:auto; } main { padding:1rem; } }
"""

REMOVE_TAGS = {"parameters", "injected-parameters", "remove-cell"}


def _body_html(nb_path: Path) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = [c for c in nb.cells if not (set(c.get("metadata", {}).get("tags", [])) & REMOVE_TAGS)]
    cfg = Config()
    cfg.HTMLExporter.exclude_input = True
    cfg.HTMLExporter.exclude_input_prompt = True
    cfg.HTMLExporter.exclude_output_prompt = True
    # prefer our html bundles (caption + alt text) over markdown renderings
    exporter = HTMLExporter(config=cfg, template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    return body


def _toc(secs: list[Section], current: str) -> str:
    parts: list[str] = []
    open_list = False
    last_part = object()
    for s in secs:
        part = "Bilagor" if s.appendix else s.part
        if part != last_part:
            if open_list:
                parts.append("</ol>")
            if part:
                parts.append(f'<div class="part">{html.escape(part)}</div>')
            parts.append("<ol>")
            open_list = True
            last_part = part
        cls = ' class="current" aria-current="page"' if s.id == current else ""
        parts.append(f'<li><a href="{s.id}.html"{cls}>{html.escape(s.title)}</a></li>')
    if open_list:
        parts.append("</ol>")
    return "\n".join(parts)


def assemble_html(secs: list[Section], nb_dir: Path, book_dir: Path, title: str) -> list[Path]:
    """Write ``book_dir/<id>.html`` for every section (``index.html`` first) and the CSS."""
    book_dir.mkdir(parents=True, exist_ok=True)
    (book_dir / "styles.css").write_text(CSS, encoding="utf-8")
    written = []
    for i, s in enumerate(secs):
        body = _body_html(nb_dir / s.output_name)
        prev_link = (f'<a rel="prev" href="{secs[i-1].id}.html">← {html.escape(secs[i-1].title)}</a>'
                     if i > 0 else "<span></span>")
        next_link = (f'<a rel="next" href="{secs[i+1].id}.html">{html.escape(secs[i+1].title)} →</a>'
                     if i + 1 < len(secs) else "<span></span>")
        page = f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(s.title)} – {html.escape(title)}</title>
<link rel="stylesheet" href="styles.css">
</head>
<body>
<nav class="toc" aria-label="Innehåll">
<a class="book-title" href="index.html">{html.escape(title)}</a>
{_toc(secs, s.id)}
</nav>
<main>
{body}
<nav class="pager" aria-label="Bläddra">{prev_link}{next_link}</nav>
</main>
</body>
</html>
"""
        target = book_dir / f"{s.id}.html"
        target.write_text(page, encoding="utf-8")
        written.append(target)
    return written
