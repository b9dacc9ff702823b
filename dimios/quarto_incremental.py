"""Quarto renders only the chapters that changed (the edit loop of the Quarto edition).

A full ``quarto render`` of the book costs about a second a page; one chapter rendered inside
the book project costs a few seconds in all, and Quarto then updates the book around it: the
page, its figures, the search index (``search.json``) and its cross-reference index. This is
what ``quarto preview`` does. The build does the same when it can show that the result is the
book a full render would give:

- The **frame** is unchanged: the committed Quarto files and styles, the generated profile
  (title page, chapter list), the profiles rendered (``national`` or ``national,pdf``: the
  PDF's download link is on every page), Quarto's version and every chapter's title (the
  sidebar and the previous/next links of every page show them).
- The **previous book** is the one this memo describes: every file of the published HTML book
  has the sha256 recorded when it was rendered. A book changed by hand, or a memo that does not
  match it, is never built upon.
- After rendering the changed chapters, their **cross-reference targets** (labels, numbers,
  captions, headings) and titles in Quarto's own index (``.quarto/xref``, ``.quarto/idx``) are
  what they were. If not, another page may cite a number that moved, and the whole book is
  rendered.
- Few chapters changed: when more than a third did, the full render is about as fast.

Otherwise the build renders the whole book, as before. The memo (``<out>/.cache/quarto/``)
holds Quarto's project state (``.quarto/``) and ``state.json``: the frame's hash, the sha256
of every rendered input and of every file of the HTML book. It is written only after a render
succeeded, and replaced as a whole. Written here because Quarto's own incremental render has
no notion of a staged project or of verifying the book it updates.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dimios.build.fingerprint import file_sha256
from dimios.build.options import note

STATE = "state.json"
PROJECT_STATE = ".quarto"        # Quarto's project state, inside the project root
FRAME_FILES = ["_quarto.yml", "_quarto-pdf.yml"]
MAX_CHANGED_SHARE = 1 / 3        # above this, a full render is about as fast
RENDER_ATTEMPTS = 3              # a page Quarto left out of the search index is rendered again (at most)
FORMAT = 1                       # version of state.json's layout


def book_hashes(book: Path) -> dict[str, str]:
    """sha256 of every file of an HTML book (the PDF edition aside: it is rendered whole)."""
    return {p.relative_to(book).as_posix(): file_sha256(p) for p in sorted(book.rglob("*"))
            if p.is_file() and p.suffix != ".pdf"}


@dataclass
class Project:
    """A staged Quarto book project about to be rendered."""
    root: Path
    profiles: str          # e.g. "national" or "national,pdf"
    inputs: list[str]      # the files Quarto renders (project.render), relative to root
    style_files: list[str]
    quarto_version: str

    def input_hashes(self) -> dict[str, str]:
        return {rel: file_sha256(self.root / rel) for rel in self.inputs}

    def frame(self, profile_file: Path) -> str:
        """Hash of everything that is on every page: the configuration, the profiles, Quarto's
        version and the chapter titles (read from each input's title cell)."""
        from dimios.quarto import chapter_title

        import nbformat

        h = hashlib.sha256(f"{FORMAT}\n{self.profiles}\n{self.quarto_version}\n".encode())
        for rel in [*FRAME_FILES, *self.style_files, profile_file.relative_to(self.root).as_posix()]:
            path = self.root / rel
            h.update(f"{rel}\n".encode() + (path.read_bytes() if path.exists() else b"-") + b"\n")
        for rel in self.inputs:
            try:
                title = chapter_title(nbformat.read(self.root / rel, as_version=4))
            except (ValueError, IndexError, AttributeError, OSError):
                title = ("?", True)
            h.update(json.dumps([rel, *title], ensure_ascii=False).encode() + b"\n")
        return h.hexdigest()


def _read_state(memo: Path) -> dict | None:
    try:
        state = json.loads((memo / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        return None
    return state


def _targets(root: Path, rel: str) -> tuple | None:
    """What other pages may take from chapter ``rel``: its cross-reference entries and headings
    (Quarto's ``.quarto/xref``) and its title (``.quarto/idx``); None when Quarto has none."""
    try:
        index = json.loads((root / PROJECT_STATE / "xref" / "INDEX").read_text(encoding="utf-8"))
        refs = []
        for output, name in sorted(index.get(rel, {}).items()):
            if output.endswith(".html"):
                stored = json.loads((root / PROJECT_STATE / "xref" / name).read_text(encoding="utf-8"))
                entries = sorted(stored.get("entries") or [], key=lambda e: json.dumps(e, sort_keys=True))
                refs.append((output, json.dumps(entries, sort_keys=True, ensure_ascii=False),
                             json.dumps(stored.get("headings"), ensure_ascii=False)))
        idx = json.loads((root / PROJECT_STATE / "idx" / f"{rel}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, AttributeError):
        return None
    if not refs:
        return None
    return tuple(refs), idx.get("title")


class Incremental:
    """Decides whether the staged ``project`` can be rendered by updating the previous book,
    does it, and remembers the result for the next build."""

    def __init__(self, project: Project, profile_file: Path, memo: Path, previous_book: Path, reuse: bool = True):
        self.project, self.memo, self.previous_book, self.reuse = project, memo, previous_book, reuse
        self.frame = project.frame(profile_file)
        self.inputs = project.input_hashes()

    def changed(self) -> list[str] | None:
        """The inputs to render again, or None (with the reason printed) when the whole book is
        to be rendered."""
        state = _read_state(self.memo) if self.reuse else None
        if state is None or not (self.memo / PROJECT_STATE).is_dir() or not self.previous_book.is_dir():
            return None  # no earlier Quarto book to build on: nothing to say
        if state.get("frame") != self.frame or sorted(state.get("inputs", {})) != sorted(self.inputs):
            return None  # the configuration, the profiles, a title or the chapter list changed
        if book_hashes(self.previous_book) != state.get("book"):
            note("the previous HTML book is not the one Quarto rendered last (changed by hand?): "
                  "rendering the whole book")
            return None
        changed = [rel for rel in self.project.inputs if state["inputs"][rel] != self.inputs[rel]]
        if len(changed) > MAX_CHANGED_SHARE * len(self.inputs):
            return None
        return changed

    def render(self, quarto: str, book: Path, run) -> bool:
        """Render only the changed chapters into ``book`` (a copy of the previous book).
        Returns False when the whole book has to be rendered instead (``book`` is then removed)."""
        changed = self.changed()
        if changed is None:
            return False
        root = self.project.root
        shutil.rmtree(root / PROJECT_STATE, ignore_errors=True)
        shutil.copytree(self.memo / PROJECT_STATE, root / PROJECT_STATE)
        shutil.copytree(self.previous_book, book, ignore=shutil.ignore_patterns("*.pdf"))
        before = {rel: _targets(root, rel) for rel in changed}
        search = SearchIndex.read(book / "search.json", self.project.inputs)
        if search is None:
            shutil.rmtree(book)
            return False
        search.drop([_href(rel) for rel in changed])  # so that no entry of the old page stays
        for rel in changed:
            render_page(quarto, self.project, rel, book, run)
        complete_search_index(quarto, self.project, book, run)
        moved = [rel for rel in changed if before[rel] is None or _targets(root, rel) != before[rel]]
        if moved:
            note(f"{Path(moved[0]).stem}: cross-reference targets or title changed: rendering the whole book")
            shutil.rmtree(book)
            return False
        kept = len(self.inputs) - len(changed)
        note(f"Quarto: {len(changed)} changed chapter{'s' if len(changed) != 1 else ''} rendered, "
              f"{kept} kept from the previous book")
        return True

    def remember(self, book: Path) -> None:
        """Keep Quarto's project state and the hashes of this render for the next build (a memo
        only: when it cannot be written, the next build renders the whole book)."""
        root = self.project.root
        if not (root / PROJECT_STATE).is_dir():
            return
        self.memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.memo.name}-new-", dir=self.memo.parent))
        try:
            shutil.copytree(root / PROJECT_STATE, tmp / PROJECT_STATE)
            state = {"format": FORMAT, "frame": self.frame, "inputs": self.inputs, "book": book_hashes(book)}
            (tmp / STATE).write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
            shutil.rmtree(self.memo, ignore_errors=True)
            tmp.replace(self.memo)
        except OSError:
            shutil.rmtree(self.memo, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def render_page(quarto: str, project: Project, rel: str, book: Path, run) -> None:
    """``quarto render <rel>`` inside the book project: that page, and the book's indexes around it."""
    res = run([quarto, "render", rel, "--profile", project.profiles, "--to", "html", "--output-dir", str(book)],
              cwd=project.root)
    if res.returncode != 0:
        from dimios.quarto import QuartoError, _error

        raise QuartoError(f"quarto render {rel} failed:\n{_error(res)}")


def complete_search_index(quarto: str, project: Project, book: Path, run) -> None:
    """After a render: every page in the search index, its entries in book order.

    Quarto 1.7 sometimes reads a page for the search index while its cross-reference step is still
    rewriting it (the write is not awaited), finds it empty and leaves the page out (or, in a
    one-page render, keeps its old entries). Such a page is rendered again alone, up to
    ``RENDER_ATTEMPTS`` times; a page still missing is named in a note."""
    search = SearchIndex.read(book / "search.json", project.inputs)
    if search is None:
        return  # no search index in Quarto's format: nothing to complete
    for _attempt in range(RENDER_ATTEMPTS):
        missing = [rel for rel in project.inputs if not search.has(_href(rel))]
        if not missing:
            break
        for rel in missing:
            render_page(quarto, project, rel, book, run)
        search = SearchIndex.read(book / "search.json", project.inputs) or search
    missing = [Path(rel).stem for rel in project.inputs if not search.has(_href(rel))]
    if missing:
        note(f"the search index has no entry for {', '.join(missing)}: the book's search will not find them")
    search.write_in_book_order()


def _href(rel: str) -> str:
    """The page Quarto writes for input ``rel`` (relative to the book)."""
    return str(Path(rel).with_suffix(".html").as_posix())


class SearchIndex:
    """The book's ``search.json``, read and written the way Quarto writes it
    (``JSON.stringify(docs, undefined, 2)``). A file that reading and writing back would change
    is not touched (``read`` gives None).

    Quarto updates the index of a one-page render in place: the page's entries are replaced or
    appended, and entries of sections the page no longer has are kept; so the pages to render are
    dropped first, and afterwards the entries are put in the order of a full render (pages in the
    book's order, each page's entries as Quarto wrote them)."""

    def __init__(self, path: Path, docs: list, inputs: list[str]):
        self.path, self.docs = path, docs
        self.order = {_href(rel): i for i, rel in enumerate(inputs)}

    @staticmethod
    def page(doc: dict) -> str:
        return str(doc.get("href", "")).split("#")[0]

    @staticmethod
    def dump(docs: list) -> str:
        return json.dumps(docs, indent=2, ensure_ascii=False)

    @classmethod
    def read(cls, path: Path, inputs: list[str]) -> SearchIndex | None:
        try:
            text = path.read_text(encoding="utf-8")
            docs = json.loads(text)
        except (OSError, ValueError):
            return None
        if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs) or cls.dump(docs) != text:
            return None
        return cls(path, docs, inputs)

    def has(self, page: str) -> bool:
        return any(self.page(doc) == page for doc in self.docs)

    def drop(self, pages: list[str]) -> None:
        self.docs = [doc for doc in self.docs if self.page(doc) not in pages]
        self.path.write_text(self.dump(self.docs), encoding="utf-8")

    def write_in_book_order(self) -> None:
        docs = sorted(self.docs, key=lambda doc: self.order.get(self.page(doc), len(self.order)))
        text = self.dump(docs)
        if text != self.path.read_text(encoding="utf-8"):
            self.path.write_text(text, encoding="utf-8")
