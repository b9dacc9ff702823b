"""The book from the executed notebooks (Quarto, or the nbconvert edition without it), and
swapping the staged report in for the previous one, all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from dimios import quarto
from dimios.build.cache import CACHE_DIR, HTML_MEMO, QUARTO_MEMO
from dimios.build.options import BuildError, note
from dimios.sections import Section


def assemble(kind: str, secs: list[Section], staging: Path, nb_dir: Path, quarto_exe: str | None, out: Path,
             pdf: bool = True, reuse: bool = True) -> str:
    """The book from the executed notebooks: with Quarto (HTML, and the PDF when TeX is
    installed, unless ``pdf`` is False) or, without it, the nbconvert edition of the same Markdown.

    The PDF is never stale: it is rendered again with the HTML book, or left out, and then the
    previous one goes with the previous book, and a note says so."""
    from dimios.html_book import assemble_html

    quarto.add_title_cells(secs, nb_dir)
    book = staging / "_book"
    if quarto_exe:
        root = quarto.stage_project(staging, kind, secs, quarto.notebook_dir(out))
        try:
            made = quarto.assemble_quarto(quarto_exe, root, kind, book, pdf=None if pdf else False,
                                          memo=out / CACHE_DIR / QUARTO_MEMO, previous_book=out / "_book", reuse=reuse)
        except quarto.QuartoError as exc:
            raise BuildError(str(exc)) from None
        if made is not None:
            note(f"PDF edition: {out / '_book' / made.name}")
        elif not pdf:
            old = sorted((out / "_book").glob("*.pdf"))
            gone = f"; the previous one ({old[0].name}) is removed with the previous book" if old else ""
            note(f"no PDF edition (--no-pdf){gone}")
        return "quarto"
    assemble_html(secs, nb_dir, book, title=quarto.book_title(kind), memo=out / CACHE_DIR / HTML_MEMO)
    return "nbconvert"


def prepare_assembly(quarto_exe: str | None):
    """What the build does while the kernels work, so that the assembly starts at once after them:
    without Quarto, loading nbconvert, its templates and the Markdown parser (measured: 0.6 s of a
    one-chapter rebuild). Quarto is a process of its own: nothing to load here."""
    if quarto_exe:
        return None
    from dimios import html_book

    return html_book.warm


def swap_in(staging: Path, out: Path, items: list[str]) -> None:
    """Move staged items into ``out``; on any failure (or Ctrl-C) put the previous ones back.

    ``staging`` is outside ``out`` (in the build's private folder). On another file system the
    items are first copied into ``out/.incoming-*`` (removed here, or by the next build if this
    one is killed), so that the swap itself is a rename."""
    if staging.stat().st_dev != out.stat().st_dev:
        incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=out))
        try:
            for name in items:
                src = staging / name
                if src.is_dir():
                    shutil.copytree(src, incoming / name)
                elif src.exists():
                    shutil.copy2(src, incoming / name)
            _swap(incoming, out, items)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        return
    _swap(staging, out, items)


def _swap(staging: Path, out: Path, items: list[str]) -> None:
    backup = Path(tempfile.mkdtemp(prefix=".previous-", dir=out))
    moved: list[str] = []
    try:
        for name in items:
            if (out / name).exists():
                os.replace(out / name, backup / name)
            moved.append(name)
            if (staging / name).exists():
                os.replace(staging / name, out / name)
    except BaseException:
        for name in moved:
            if (out / name).exists() and (backup / name).exists():
                if (out / name).is_dir():
                    shutil.rmtree(out / name)
                else:
                    (out / name).unlink()
            if (backup / name).exists():
                os.replace(backup / name, out / name)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
