"""The edit loop (issue 22, part 1), tested without Quarto: after one edit the nbconvert edition
converts only the chapters that changed, a rebuild on the default data does not import the
panel's generator, and the PDF edition is never stale (``--no-pdf`` leaves it out and says so;
a fake ``quarto`` on PATH records what the build asks of it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dimios import html_book, paths, quarto
from dimios.sections import Section
from tests.test_build_cache import _small_data
from tests.test_build_trust import _build, executed, fake_quarto  # noqa: F401 - fixture

SECS = [Section("index", "front.ipynb", "Framsida"), Section("p01", "principle.ipynb", "Ett", part="Del"),
        Section("p02", "principle.ipynb", "Två", part="Del")]


def _notebooks(folder: Path, words: dict[str, str], secs: list[Section] = SECS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for s in secs:
        cell = nbformat.v4.new_code_cell("x")
        cell["id"] = "x"
        text = f"# {s.title}{' {.unnumbered}' if s.id == 'index' else ''}\n\n{words[s.id]}\n\n## Del\n\nSe @tbl-{s.id}-a.\n\n" \
               f"| a |\n|:--|\n| 1 |\n\n: Tabell {{#tbl-{s.id}-a}}"
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text, "text/plain": ""})]
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / f"{s.id}.ipynb")
    quarto.add_title_cells(secs, folder)
    return folder


def _assemble(tmp_path: Path, name: str, words: dict[str, str], memo: Path | None, monkeypatch) -> tuple[dict, list]:
    converted = []
    real = html_book._body_html
    monkeypatch.setattr(html_book, "_body_html", lambda nb: converted.append(nb) or real(nb))
    nb = _notebooks(tmp_path / name / "notebooks", words)
    html_book.assemble_html(SECS, nb, tmp_path / name / "_book", title="Bok", memo=memo)
    pages = {p.name: p.read_bytes() for p in (tmp_path / name / "_book").iterdir()}
    return pages, converted


def test_a_rebuild_converts_only_the_changed_chapter_and_gives_the_same_book(tmp_path, monkeypatch):
    memo = tmp_path / "memo"
    words = {"index": "Start.", "p01": "Ett.", "p02": "Två."}
    first, converted = _assemble(tmp_path, "a", words, memo, monkeypatch)
    assert len(converted) == 3 and len(list(memo.iterdir())) == 3
    again, converted = _assemble(tmp_path, "b", words, memo, monkeypatch)
    assert converted == [] and again == first
    edited = dict(words, p02="Två, ändrad.")
    pages, converted = _assemble(tmp_path, "c", edited, memo, monkeypatch)
    assert len(converted) == 1 and "ändrad" in json.dumps(converted[0], ensure_ascii=False)
    without, _ = _assemble(tmp_path, "d", edited, None, monkeypatch)
    assert pages == without  # the memo changes nothing in the book
    assert len(list(memo.iterdir())) == 3  # the page before the edit is pruned


def test_a_kept_chapter_links_to_the_new_number_of_a_table_that_moved_in_an_edited_one(tmp_path, monkeypatch):
    """p01 is kept from the memo; p02 gets a table before the one p01 refers to (2.1 -> 2.2) and its
    headings move: p01's link follows, p02's in-page contents are its own, as without the memo."""
    memo = tmp_path / "memo"
    words = {"index": "Start.", "p01": "Ett, se @tbl-p02-a.", "p02": "Två."}
    _assemble(tmp_path, "a", words, memo, monkeypatch)
    edited = dict(words, p02="## Ny del\n\n| x |\n|:--|\n| 2 |\n\n: Ny tabell {#tbl-p02-ny}\n\nTvå.")
    pages, converted = _assemble(tmp_path, "b", edited, memo, monkeypatch)
    assert len(converted) == 1
    without, _ = _assemble(tmp_path, "c", edited, None, monkeypatch)
    assert pages == without
    assert "tabell\u00a02.2" in pages["p01.html"].decode() and "Ny del" in pages["p02.html"].decode()


def test_a_memo_entry_is_not_used_for_a_chapter_with_another_number(tmp_path, monkeypatch):
    memo = tmp_path / "memo"
    words = {"index": "Start.", "p01": "Ett.", "p02": "Två."}
    _assemble(tmp_path, "a", words, memo, monkeypatch)
    swapped = [SECS[0], SECS[2], SECS[1]]  # p02 now chapter 1: its tables and sections 1.x
    monkeypatch.setattr(sys.modules[__name__], "SECS", swapped)
    converted = []
    real = html_book._body_html
    monkeypatch.setattr(html_book, "_body_html", lambda nb: converted.append(nb) or real(nb))
    nb = _notebooks(tmp_path / "b" / "notebooks", words, swapped)
    html_book.assemble_html(swapped, nb, tmp_path / "b" / "_book", title="Bok", memo=memo)
    assert len(converted) == 2
    assert "Tabell\u00a01.1" in (tmp_path / "b" / "_book" / "p02.html").read_text(encoding="utf-8")


def test_an_altered_memo_is_not_used(tmp_path, monkeypatch):
    memo = tmp_path / "memo"
    words = {"index": "Start.", "p01": "Ett.", "p02": "Två."}
    first, _ = _assemble(tmp_path, "a", words, memo, monkeypatch)
    for p in memo.iterdir():
        stored = json.loads(p.read_text(encoding="utf-8"))
        stored["chapter"] = stored["chapter"].replace("Tabell", "Lögn")
        p.write_text(json.dumps(stored), encoding="utf-8")
    (memo / sorted(p.name for p in memo.iterdir())[0]).write_text("{", encoding="utf-8")
    again, converted = _assemble(tmp_path, "b", words, memo, monkeypatch)
    assert len(converted) == 3 and again == first


def test_the_book_of_a_build_keeps_the_memo_in_the_cache(tmp_path, executed):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    memo = out / ".cache" / "html"
    assert len(list(memo.glob("*.json"))) == 2
    _build(out, _small_data(tmp_path / "b.parquet", change=True))  # the prune of the section cache keeps it
    assert len(list(memo.glob("*.json"))) == 2


def test_a_current_default_panel_is_used_without_importing_its_generator():
    from dimios import synthetic

    synthetic.ensure_default_panel()  # current now (made again if its generator changed)
    code = ("import sys; from dimios.build import plan; p = plan.default_panel(); "
            "print(p == plan.DEFAULT_PANEL, 'dimios.synthetic' in sys.modules, 'scipy' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True, check=True)
    assert res.stdout.split() == ["True", "False", "False"]


# ------------------------------------------------------------------ the PDF edition
@pytest.fixture
def with_quarto(tmp_path, monkeypatch):
    """A fake quarto (calls in ``calls.jsonl``) and a TeX engine said to be installed."""
    monkeypatch.setattr(quarto, "pdf_engine", lambda: "/usr/bin/xelatex")
    exe = fake_quarto(tmp_path, tmp_path / "calls.jsonl")

    def calls() -> list[list[str]]:
        log = tmp_path / "calls.jsonl"
        found = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    return str(exe), calls


def test_no_pdf_leaves_the_pdf_out_removes_the_old_one_and_says_so(tmp_path, executed, with_quarto, capsys):
    exe, calls = with_quarto
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data, quarto=exe)
    assert any("pdf" in c for c in calls()) and list((out / "_book").glob("*.pdf"))
    capsys.readouterr()
    _build(out, data, quarto=exe, pdf=False)  # not a no-op: the PDF goes
    err = capsys.readouterr().err
    assert not any("pdf" in c for c in calls()) and not list((out / "_book").glob("*.pdf"))
    assert "note: no PDF edition (--no-pdf); the previous one (book.pdf) is removed with the previous book" in err
    _build(out, data, quarto=exe)  # and without --no-pdf it comes back: never a stale or missing PDF
    assert any("pdf" in c for c in calls()) and list((out / "_book").glob("*.pdf"))
    capsys.readouterr()
    _build(out, data, quarto=exe)
    assert calls() == [] and "report up to date" in capsys.readouterr().err


def test_every_change_renders_the_pdf_again(tmp_path, executed, with_quarto):
    exe, calls = with_quarto
    out = tmp_path / "report"
    _build(out, _small_data(tmp_path / "a.parquet"), quarto=exe)
    calls()
    _build(out, _small_data(tmp_path / "b.parquet", change=True), quarto=exe)
    made = calls()
    assert [c for c in made if "pdf" in c] and [c for c in made if "html" in c]
