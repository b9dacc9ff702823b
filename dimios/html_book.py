"""The nbconvert fallback: executed notebooks -> a navigable HTML book, without Quarto.

The notebooks' outputs are Quarto Markdown (``dimios.display``). This module renders that
same Markdown (markdown-it-py) the way Quarto's book does, so both editions read alike:

- chapters numbered in reading order (the front page unnumbered, appendices A, B, …), the
  title taken from the notebook's title cell (``dimios.quarto.add_title_cells``);
- sections (``##``, ``###``) numbered within the chapter (3.1, 3.1.1), ``{.unnumbered}``
  respected; tables and figures numbered per chapter ("Tabell 3.1", "Figur 3.1") from
  their ``{#tbl-…}`` / ``{#fig-…}`` labels, with the caption;
- cross-references ``@tbl-…``, ``@fig-…``, ``@sec-…`` (``@Tbl-…`` at a sentence start) as
  links "tabell 3.1"; an unknown label shows as ``?@tbl-…``, as in Quarto;
- callouts (``::: {.callout-note title="…"}``) as boxes.

nbconvert then writes each notebook's body (code and parameter cells hidden); this module
wraps the bodies in one page layout: table of contents with the parts of ``dimios.sections``,
an in-page table of contents, previous/next links and a shared stylesheet.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dimios.sections import Section

STYLESHEET = Path(__file__).parent / "styles" / "fallback.css"
REMOVE_TAGS = {"parameters", "injected-parameters", "remove-cell"}
APPENDIX_PART = "Bilagor"
NAMES = {"tbl": ("tabell", "Tabell"), "fig": ("figur", "Figur"), "sec": ("avsnitt", "Avsnitt")}
NUMBER_DEPTH = 3  # as format.html.number-depth in _quarto.yml

_REF = re.compile(r"(?<![\w@\\])@([TtFfSs](?:bl|ig|ec))-([A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)")
_REF_MARK = re.compile("\ue000([a-z]+)-([A-Za-z0-9_-]+)\\|([01])\ue001")
_TRAILING_ATTRS = re.compile(r"\s*\{([^{}]*)\}\s*$")
_ATTR_ITEM = re.compile(r'#([\w:.-]+)|\.([\w-]+)|([\w-]+)="([^"]*)"|([\w-]+)=([^\s"]+)|(-)(?=\s|$)')
_TABLE_CAPTION = re.compile(r"^:\s+(.*?)\s*\{([^{}]*)\}\s*$", re.S)
_DIV_OPEN = re.compile(r"^(:{3,})\s*\{([^{}]*)\}\s*$")
_DIV_CLOSE = re.compile(r"^(:{3,})\s*$")


def parse_attrs(text: str) -> tuple[str, list[str], dict[str, str]]:
    """Pandoc attributes ``#id .class key="value"`` -> (id, classes, key-values)."""
    ident, classes, kv = "", [], {}
    for m in _ATTR_ITEM.finditer(text):
        if m.group(1):
            ident = m.group(1)
        elif m.group(2):
            classes.append(m.group(2))
        elif m.group(3):
            kv[m.group(3)] = m.group(4)
        elif m.group(5):
            kv[m.group(5)] = m.group(6)
        elif m.group(7):
            classes.append("unnumbered")
    return ident, classes, kv


def auto_identifier(text: str) -> str:
    """Pandoc's identifier for a heading: lower case, letters/digits/_-. kept, spaces to '-'."""
    text = unicodedata.normalize("NFC", text).lower()
    kept = "".join(ch for ch in text if ch.isalnum() or ch in "_-. ")
    kept = re.sub(r"\s+", "-", kept.strip())
    kept = re.sub(r"^[^a-z\u00c0-\uffff]+", "", kept)
    return kept or "section"


# ---------------------------------------------------------------- numbering
@dataclass
class Chapter:
    section: Section
    title: str
    number: str | None        # "3", "A" or None (unnumbered)
    notebook: nbformat.NotebookNode

    @property
    def page(self) -> str:
        return f"{self.section.id}.html"

    @property
    def heading(self) -> str:
        """The chapter's heading as Quarto writes it ("3 Titel", "Bilaga A — Titel")."""
        if self.number is None:
            return self.title
        if self.section.appendix:
            return f"Bilaga {self.number} — {self.title}"
        return f"{self.number}\u00a0 {self.title}"


@dataclass
class Target:
    kind: str       # tbl, fig, sec
    number: str
    page: str
    anchor: str     # "" for a whole chapter (the link goes to its page)
    name: tuple[str, str] | None = None  # (in a sentence, at its start); None: NAMES[kind]


@dataclass
class Page:
    """Numbering state while one chapter is rendered."""
    chapter: Chapter
    targets: dict[str, Target]
    counters: dict[str, int] = field(default_factory=lambda: {"tbl": 0, "fig": 0})
    sections: list[int] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    toc: list[tuple[int, str, str]] = field(default_factory=list)  # (level, number + text, id)

    def unique_id(self, ident: str) -> str:
        base, n = ident, 0
        while ident in self.ids:
            n += 1
            ident = f"{base}-{n}"
        self.ids.add(ident)
        return ident

    def float_number(self, kind: str, label: str) -> str:
        self.counters[kind] += 1
        k = self.counters[kind]
        number = f"{self.chapter.number}.{k}" if self.chapter.number else str(k)
        self._register(kind, label, number)
        return number

    def heading_number(self, level: int, unnumbered: bool) -> str | None:
        if unnumbered or self.chapter.number is None or level < 2 or level > NUMBER_DEPTH:
            return None
        depth = level - 1
        self.sections = (self.sections + [0] * depth)[:depth]
        self.sections[-1] += 1
        return ".".join([self.chapter.number, *map(str, self.sections)])

    def _register(self, kind: str, label: str, number: str, anchor: str | None = None) -> None:
        if label in self.targets:
            raise ValueError(f"cross-reference label {label!r} occurs twice in the book")
        self.targets[label] = Target(kind, number, self.chapter.page, label if anchor is None else anchor)


def number_chapters(secs: list[Section], nb_dir: Path) -> list[Chapter]:
    """Chapters in reading order with Quarto's book numbering."""
    from dimios.quarto import chapter_title

    chapters, n, appendix = [], 0, 0
    for s in secs:
        nb = nbformat.read(nb_dir / s.output_name, as_version=4)
        title, numbered = chapter_title(nb)
        if s.appendix:
            appendix += 1
            number = chr(ord("A") + appendix - 1)
        elif numbered:
            n += 1
            number = str(n)
        else:
            number = None
        chapters.append(Chapter(s, title, number, nb))
    return chapters


# ---------------------------------------------------------------- markdown
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("dimios_quarto", _quarto_rule)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    return md


_MD = None


def _md():
    global _MD
    if _MD is None:
        _MD = _markdown()
    return _MD


def _split_trailing_attrs(inline) -> str:
    """Remove a trailing ``{…}`` from an inline token (and its last text child); return it."""
    m = _TRAILING_ATTRS.search(inline.content)
    if not m or not inline.children or inline.children[-1].type != "text":
        return ""
    last = inline.children[-1]
    mm = _TRAILING_ATTRS.search(last.content)
    if not mm:
        return ""
    last.content = last.content[:mm.start()]
    inline.content = inline.content[:m.start()]
    return m.group(1)


def _plain(inline) -> str:
    return "".join(c.content for c in (inline.children or []) if c.type in ("text", "code_inline"))


def _quarto_rule(state) -> None:
    from markdown_it.token import Token

    page: Page = state.env["page"]
    md = state.md
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "heading_open":
            inline = tokens[i + 1]
            ident, classes, _ = parse_attrs(_split_trailing_attrs(inline))
            level = int(t.tag[1])
            number = page.heading_number(level, "unnumbered" in classes)
            anchor = page.unique_id(ident or auto_identifier(_plain(inline)))
            t.attrSet("id", anchor)
            if number:
                t.attrSet("data-number", number)
                inline.children.insert(0, Token("html_inline", "", 0,
                                                content=f'<span class="header-section-number">{number}</span> '))
                if ident.startswith("sec-"):
                    page._register("sec", ident, number)
            if level in (2, 3):
                page.toc.append((level, ((number + " ") if number else "") + _plain(inline).strip(), anchor))
        elif t.type == "table_open":
            j = i
            while tokens[j].type != "table_close":
                j += 1
            nxt = tokens[j + 1:j + 4]
            if (len(nxt) == 3 and nxt[0].type == "paragraph_open" and nxt[1].type == "inline"
                    and (m := _TABLE_CAPTION.match(nxt[1].content))):
                ident, _, _ = parse_attrs(m.group(2))
                if ident.startswith("tbl-"):
                    number = page.float_number("tbl", ident)
                    caption = md.renderInline(m.group(1), state.env)
                    t.meta = {"id": ident, "caption": f"{NAMES['tbl'][1]}\u00a0{number}: {caption}"}
                    del tokens[j + 1:j + 4]
        elif t.type == "paragraph_open" and i + 2 < len(tokens):
            inline = tokens[i + 1]
            kids = [c for c in (inline.children or []) if not (c.type == "text" and not c.content.strip())]
            if (len(kids) == 2 and kids[0].type == "image" and kids[1].type == "text"
                    and (m := re.fullmatch(r"\s*\{([^{}]*)\}\s*", kids[1].content))):
                ident, classes, kv = parse_attrs(m.group(1))
                if ident.startswith("fig-"):
                    img = kids[0]
                    number = page.float_number("fig", ident)
                    caption = md.renderer.renderInline(img.children or [], md.options, state.env)
                    alt = kv.get("fig-alt") or _plain(img)
                    style = f' style="width:{html.escape(kv["width"])}"' if "width" in kv else ""
                    figure = Token("html_block", "", 0)
                    figure.content = (
                        f'<figure class="dimios-figure" id="{html.escape(ident)}">'
                        f'<img src="{html.escape(img.attrGet("src") or "")}" alt="{html.escape(alt)}"{style}/>'
                        f"<figcaption>{NAMES['fig'][1]}\u00a0{number}: {caption}</figcaption></figure>\n")
                    tokens[i:i + 3] = [figure]
        i += 1


def _render_table_open(self, tokens, idx, options, env):
    meta = tokens[idx].meta or {}
    if "id" in meta:
        return (f'<div class="dimios-table"><table id="{html.escape(meta["id"])}">'
                f'<caption>{meta["caption"]}</caption>\n')
    return '<div class="dimios-table"><table>\n'


def _render_table_close(self, tokens, idx, options, env):
    return "</table></div>\n"


def _mark_references(text: str) -> str:
    """``@tbl-x`` -> a marker resolved once every chapter is numbered."""
    return _REF.sub(lambda m: f"\ue000{m.group(1).lower()}-{m.group(2)}|{int(m.group(1)[0].isupper())}\ue001", text)


_DATA_URL = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]{64,}")
_DATA_URL_MARK = re.compile(r"data:image/png;base64,dimios-image-(\d+)")


def render_markdown(text: str, page: Page) -> str:
    """One display output's Markdown -> HTML (cross-references still as markers).

    Figures (base64 data: URLs of a few hundred kB) are set aside while the Markdown is parsed:
    the parser would otherwise walk and percent-encode them character by character."""
    images: list[str] = []

    def set_aside(m):
        images.append(m.group(0))
        return f"data:image/png;base64,dimios-image-{len(images) - 1}"

    html_text = _render_markdown(_DATA_URL.sub(set_aside, text), page)
    return _DATA_URL_MARK.sub(lambda m: images[int(m.group(1))], html_text)


def _render_markdown(text: str, page: Page) -> str:
    env = {"page": page}
    parts, buf, stack = [], [], []
    for line in _mark_references(text).split("\n"):
        opening = _DIV_OPEN.match(line)
        if opening:
            if not stack:
                parts.append(("md", "\n".join(buf)))
                buf = []
            else:
                buf.append(line)
            stack.append(opening)
            continue
        if stack and _DIV_CLOSE.match(line):
            opening = stack.pop()
            if not stack:
                parts.append(("div", opening.group(2), "\n".join(buf)))
                buf = []
            else:
                buf.append(line)
            continue
        buf.append(line)
    parts.append(("md", "\n".join(buf + ([] if not stack else []))))
    out = []
    for part in parts:
        if part[0] == "md":
            if part[1].strip():
                out.append(_md().render(part[1], env))
        else:
            out.append(_render_div(part[1], part[2], page))
    return "".join(out)


def _render_div(attrs: str, body: str, page: Page) -> str:
    ident, classes, kv = parse_attrs(attrs)
    inner = _render_markdown(body, page)
    callout = next((c for c in classes if c.startswith("callout")), None)
    id_attr = f' id="{html.escape(ident)}"' if ident else ""
    if callout:
        kind = callout.removeprefix("callout-") if callout != "callout" else "note"
        title = kv.get("title")
        head = (f'<div class="callout-title">{_md().renderInline(title, {"page": page})}</div>' if title else "")
        return (f'<div class="callout callout-{html.escape(kind)}"{id_attr}>{head}'
                f'<div class="callout-body">{inner}</div></div>\n')
    cls = f' class="{html.escape(" ".join(classes))}"' if classes else ""
    return f"<div{id_attr}{cls}>{inner}</div>\n"


def resolve_references(text: str, targets: dict[str, Target], page: str) -> str:
    def link(m):
        kind, label, capital = m.group(1), m.group(2), m.group(3) == "1"
        ident = f"{kind}-{label}"
        target = targets.get(ident)
        if target is None:
            return f'<strong class="unresolved">?@{html.escape(ident)}</strong>'
        name = (target.name or NAMES[kind])[1 if capital else 0]
        href = (target.page if target.page != page or not target.anchor else "") + (
            f"#{target.anchor}" if target.anchor else "")
        return f'<a class="xref" href="{html.escape(href)}">{name}\u00a0{target.number}</a>'

    return _REF_MARK.sub(link, text)


# ---------------------------------------------------------------- notebooks -> pages
def _convert_outputs(nb, page: Page) -> nbformat.NotebookNode:
    """The notebook with code and parameter cells hidden and every Markdown output rendered."""
    nb = nbformat.from_dict(nb)
    cells = []
    for c in nb.cells[1:]:  # cell 0: the title
        if set(c.get("metadata", {}).get("tags", [])) & REMOVE_TAGS or c.cell_type != "code":
            continue
        outputs = []
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                continue  # warnings stay out of the report, as in Quarto (warning: false)
            data = o.get("data", {})
            if "text/markdown" in data:
                source = data["text/markdown"]
                source = "".join(source) if isinstance(source, list) else source
                o["data"] = {"text/html": render_markdown(source, page)}
            outputs.append(o)
        c["outputs"] = outputs
        cells.append(c)
    nb.cells = cells
    return nb


_EXPORTER = None


def _exporter():
    """nbconvert's HTML exporter, made once per process (its templates load once)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        cfg = Config()
        cfg.HTMLExporter.exclude_input = True
        cfg.HTMLExporter.exclude_input_prompt = True
        cfg.HTMLExporter.exclude_output_prompt = True
        _EXPORTER = HTMLExporter(config=cfg, template_name="basic")
    return _EXPORTER


def warm() -> None:
    """Load what assembling a book needs (nbconvert and its templates, the Markdown parser, the
    notebook schema): the build calls this while the kernels work, so that the assembly after
    them starts at once."""
    import dimios.quarto  # noqa: F401

    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<p>x</p>", "text/plain": "x"})])
    _body_html(nbformat.v4.new_notebook(cells=[cell]))  # nbconvert compiles its filters at the first notebook
    _md().render("| a |\n|:--|\n| 1 |\n\n*x* @tbl-x\n", {"page": None})
    nbformat.validate(nbformat.v4.new_notebook())


def _body_html(nb) -> str:
    """The notebook as HTML."""
    body, _ = _exporter().from_notebook_node(nb)
    return body


class ChapterMemo:
    """Each chapter as rendered (its Markdown by this module, then nbconvert's HTML), with the
    cross-reference targets and in-page headings it defines, kept in ``folder`` between builds: a
    rebuild after one edit renders only the chapters that changed.

    The key is the sha256 of the chapter's notebook, its number and page, this module's code and
    the versions of markdown-it-py and nbconvert; each file records the sha256 of its content and is
    used only when that still holds. Cross-references are resolved after every chapter is in place,
    so an unchanged chapter still links to the new number of a table that moved elsewhere. Without
    ``folder``: no memo."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()
        self.converted = 0

    def render(self, ch: Chapter, targets: dict[str, Target]) -> tuple[Page, str]:
        """The chapter's page state (its targets registered in ``targets``) and body HTML."""
        import hashlib
        import json

        page = Page(ch, targets)
        if self.folder is None:
            return page, self._convert(ch, page)
        path = self.folder / f"{self._key(ch)}.json"
        self.used.add(path.name)
        stored = self._load(path)
        if stored is not None:
            for label, kind, number, anchor in stored["targets"]:
                page._register(kind, label, number, anchor)
            page.toc = [tuple(t) for t in stored["toc"]]
            return page, stored["html"]
        before = set(targets)
        body = self._convert(ch, page)
        record = {"html": body, "toc": page.toc,
                  "targets": [[label, t.kind, t.number, t.anchor] for label, t in targets.items()
                              if label not in before]}
        text = json.dumps(record, ensure_ascii=False, sort_keys=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.new")
            tmp.write_text(json.dumps({"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chapter": text},
                                      ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a memo only: the book is right without it
        return page, body

    @staticmethod
    def _load(path: Path) -> dict | None:
        import hashlib
        import json

        try:
            outer = json.loads(path.read_text(encoding="utf-8"))
            if hashlib.sha256(outer["chapter"].encode("utf-8")).hexdigest() != outer["sha256"]:
                return None
            stored = json.loads(outer["chapter"])
            if not (isinstance(stored["html"], str) and isinstance(stored["toc"], list)
                    and all(isinstance(t, list) and len(t) == 4 for t in stored["targets"])):
                return None
            return stored
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    @staticmethod
    def _key(ch: Chapter) -> str:
        import hashlib
        import json

        blob = json.dumps({"notebook": ch.notebook, "number": ch.number, "page": ch.page,
                           "appendix": bool(ch.section.appendix), "code": _code_version()},
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def _convert(self, ch: Chapter, page: Page) -> str:
        self.converted += 1
        return _body_html(_convert_outputs(ch.notebook, page))

    def prune(self) -> None:
        """Remove what this book did not use."""
        if self.folder is None or not self.folder.is_dir():
            return
        for p in self.folder.iterdir():
            if p.name not in self.used:
                p.unlink(missing_ok=True)


_CODE_VERSION = None


def _code_version() -> str:
    """What a rendered chapter depends on besides its notebook: this module and its two libraries."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        import hashlib
        from importlib import metadata

        _CODE_VERSION = "|".join([hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
                                  metadata.version("markdown-it-py"), metadata.version("nbconvert")])
    return _CODE_VERSION


def _nav(chapters: list[Chapter], current: Chapter) -> str:
    parts: list[str] = []
    open_list = False
    last_part = object()
    for ch in chapters:
        part = APPENDIX_PART if ch.section.appendix else ch.section.part
        if part != last_part:
            if open_list:
                parts.append("</ol>")
            if part:
                parts.append(f'<div class="part">{html.escape(part)}</div>')
            parts.append("<ol>")
            open_list = True
            last_part = part
        cls = ' class="current" aria-current="page"' if ch is current else ""
        number = f'<span class="chapter-number">{ch.number}</span>\u00a0 ' if ch.number else ""
        parts.append(f'<li><a href="{ch.page}"{cls}>{number}{_inline(ch.title)}</a></li>')
    if open_list:
        parts.append("</ol>")
    return "\n".join(parts)


def _inline(text: str) -> str:
    return _md().renderInline(text, {"page": None})


def _page_toc(page: Page) -> str:
    if not page.toc:
        return ""
    items = "".join(f'<li class="toc-level{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
                    for level, text, anchor in page.toc)
    return f'<nav class="page-toc" aria-label="På den här sidan"><h2>På den här sidan</h2><ul>{items}</ul></nav>'


def assemble_html(secs: list[Section], nb_dir: Path, book_dir: Path, title: str, memo: Path | None = None) -> list[Path]:
    """Write ``book_dir/<id>.html`` for every section (``index.html`` first) and the CSS.

    ``memo``: a folder keeping each rendered chapter between builds (``ChapterMemo``)."""
    book_dir.mkdir(parents=True, exist_ok=True)
    (book_dir / "styles.css").write_text(STYLESHEET.read_text(encoding="utf-8"), encoding="utf-8")
    from dimios.quarto import chapter_label

    chapters = number_chapters(secs, nb_dir)
    targets: dict[str, Target] = {}
    for ch in chapters:  # a chapter title with a label, ``# Om data {#sec-om-data}``: "Bilaga B", as Quarto writes it
        label = chapter_label(ch.notebook)
        if label.startswith("sec-") and ch.number:
            name = ("Bilaga", "Bilaga") if ch.section.appendix else ("Kapitel", "Kapitel")
            targets[label] = Target("sec", ch.number, ch.page, "", name)
    rendered = []
    bodies = ChapterMemo(memo)
    for ch in chapters:
        page, body = bodies.render(ch, targets)
        rendered.append((ch, page, body))
    bodies.prune()
    written = []
    for i, (ch, page, body) in enumerate(rendered):
        body = resolve_references(body, targets, ch.page)
        prev_link = (f'<a rel="prev" href="{chapters[i-1].page}">← {_inline(chapters[i-1].heading)}</a>'
                     if i > 0 else "<span></span>")
        next_link = (f'<a rel="next" href="{chapters[i+1].page}">{_inline(chapters[i+1].heading)} →</a>'
                     if i + 1 < len(chapters) else "<span></span>")
        number = f'<span class="chapter-number">{ch.number}</span>\u00a0 ' if ch.number and not ch.section.appendix \
            else ""
        h1 = f"{number}{_inline(ch.title)}" if not ch.section.appendix else _inline(ch.heading)
        page_title = html.escape(title) if ch.section.id == "index" else \
            f"{html.escape(_plain_text(ch.heading))} – {html.escape(title)}"
        doc = f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<link rel="stylesheet" href="styles.css">
</head>
<body>
<nav class="toc" aria-label="Innehåll">
<a class="book-title" href="index.html">{html.escape(title)}</a>
{_nav(chapters, ch)}
</nav>
<main>
<header><h1 class="chapter-title">{h1}</h1></header>
{_page_toc(page)}
{body}
<nav class="pager" aria-label="Bläddra">{prev_link}{next_link}</nav>
</main>
</body>
</html>
"""
        target = book_dir / ch.page
        target.write_text(doc, encoding="utf-8")
        written.append(target)
    return written


def _plain_text(markdown: str) -> str:
    return re.sub(r"<[^>]+>", "", _inline(markdown))
