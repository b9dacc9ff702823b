"""Quarto renders only the chapters that changed (issue 22, part 1; ``dimios.quarto_incremental``).

The property: whatever changed between two builds, the book the build publishes is the book a
full render of the same notebooks gives. CI has no Quarto, so a fake one (below) renders the way
Quarto does where it matters: every page shows every chapter's title (the sidebar), resolves
``@tbl-...`` to numbers through the project's cross-reference index (``.quarto/xref``), and a
render of one file updates that page, the search index and the cross-reference index only. The
same scenarios run against the real Quarto when it is on PATH.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
from pathlib import Path

import pytest

from dimios import quarto, quarto_incremental
from tests.test_build_edit_loop import SECS, _notebooks

FAKE = r'''#!{python}
"""A small Quarto: full and one-file renders of a book project (see tests/test_quarto_incremental.py)."""
import json, os, re, shutil, sys
from pathlib import Path
import yaml

args = sys.argv[1:]
with open(os.environ["FAKE_QUARTO_LOG"], "a") as fh:
    fh.write(json.dumps(args) + "\n")
if args[:1] == ["--version"]:
    print("9.9.9"); sys.exit(0)
target, profiles = args[1], args[args.index("--profile") + 1]
out = Path(args[args.index("--output-dir") + 1])
root = Path.cwd()
config = yaml.safe_load((root / f"_quarto-{profiles.split(',')[0]}.yml").read_text(encoding="utf-8"))
inputs = config["project"]["render"]
if "pdf" in args:
    out.mkdir(parents=True, exist_ok=True)
    (out / "dimios-rapport.pdf").write_bytes(b"%PDF-1.5"); sys.exit(0)
if os.environ.get("FAKE_QUARTO_FAIL") and target != str(root):
    print("ERROR: one-file render failed", file=sys.stderr); sys.exit(1)

def text(rel):
    nb = json.loads((root / rel).read_text(encoding="utf-8"))
    title = nb["cells"][0]["source"]
    title = "".join(title) if isinstance(title, list) else title
    body = "".join("".join(o["data"]["text/markdown"]) for c in nb["cells"] for o in c.get("outputs", [])
                   if "text/markdown" in o.get("data", {}))
    return title.strip(), body

state = root / ".quarto"
index_path = state / "xref" / "INDEX"

def write_xref(rel):
    title, body = text(rel)
    labels = re.findall(r"\{#(tbl-[\w-]+)\}", body)
    (state / "xref").mkdir(parents=True, exist_ok=True)
    (state / "idx" / Path(rel).parent).mkdir(parents=True, exist_ok=True)
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    name = f"x{len(index)}-{Path(rel).stem}"
    index[rel] = {Path(rel).stem + ".html": name}
    index_path.write_text(json.dumps(index))
    entries = [{"key": k, "order": {"number": i + 1}} for i, k in enumerate(labels)]
    (state / "xref" / name).write_text(json.dumps({"entries": entries[::-1], "headings": []}))
    (state / "idx" / f"{rel}.json").write_text(json.dumps({"title": title}))

def number(label):
    index = json.loads(index_path.read_text())
    for c, rel in enumerate(inputs):
        for name in index.get(rel, {}).values():
            for e in json.loads((state / "xref" / name).read_text())["entries"]:
                if e["key"] == label:
                    return f"{c}.{e['order']['number']}"
    return "??"

def page(rel, race=False):
    titles = " | ".join(text(r)[0] for r in inputs)
    body = re.sub(r"@(tbl-[\w-]+)", lambda m: "Tabell " + number(m.group(1)), text(rel)[1])
    href = Path(rel).with_suffix(".html").as_posix()
    (out / href).parent.mkdir(parents=True, exist_ok=True)
    (out / href).write_text(f"<nav>{profiles}: {titles}</nav>\n<main>{body}</main>\n")
    # search.json as Quarto writes it: entries replaced in place or appended, others kept
    search = json.loads((out / "search.json").read_text()) if (out / "search.json").exists() else []
    if not race:  # Quarto's race: the page read empty gives no entries
        for i, part in enumerate(body.split("\n\n")):
            doc = {"objectID": f"{href}#s{i}", "href": f"{href}#s{i}", "text": part}
            at = [k for k, d in enumerate(search) if d["href"] == doc["href"]]
            if at:
                search[at[0]] = doc
            else:
                search.append(doc)
    (out / "search.json").write_text(json.dumps(search, indent=2, ensure_ascii=False))

if target == str(root):  # a full render: the output folder is made anew
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    out.mkdir(parents=True)
    for rel in inputs:
        write_xref(rel)
    race = Path(os.environ.get("FAKE_QUARTO_RACE", "/nonexistent"))
    lost = race.read_text() if race.exists() else None  # the page the race hits in a full render
    for rel in inputs:
        page(rel, race=Path(rel).stem == lost)
    if lost:
        race.unlink()  # once
else:
    write_xref(target)
    race = Path(os.environ.get("FAKE_QUARTO_RACE", "/nonexistent"))
    page(target, race=race.exists() and not race.read_text())
    if race.exists() and not race.read_text():
        race.unlink()  # once
'''

WORDS = {"index": "Start.", "p01": "Ett.", "p02": "Två. Se @tbl-p01-a."}


@pytest.fixture
def fake(tmp_path, monkeypatch):
    exe = tmp_path / "quarto"
    exe.write_text(FAKE.replace("{python}", sys.executable), encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return str(exe), log


class Builds:
    """Builds of one report folder, the way ``dimios build`` assembles them: a fresh staged
    project each time, the memo and the published book kept between builds."""

    def __init__(self, tmp_path: Path, exe: str, log: Path):
        self.tmp, self.exe, self.log, self.n = tmp_path, exe, log, 0
        self.published = tmp_path / "report" / "_book"
        self.memo = tmp_path / "report" / ".cache" / "quarto"

    def stage(self, words: dict, titles: dict | None = None) -> Path:
        self.n += 1
        staging = self.tmp / f"staging{self.n}"
        secs = [s if s.id not in (titles or {}) else type(s)(s.id, s.notebook, titles[s.id], s.part) for s in SECS]
        _notebooks(staging / "notebooks", words, secs)
        return quarto.stage_project(staging, "national", secs)

    def build(self, words: dict, titles: dict | None = None, pdf: bool = False, reuse: bool = True,
              memo: bool = True) -> list[list[str]]:
        """One build; returns Quarto's render calls of the HTML book."""
        root = self.stage(words, titles)
        self.log.unlink(missing_ok=True)
        book = root / "_book"
        quarto.assemble_quarto(self.exe, root, "national", book, pdf=pdf, memo=self.memo if memo else None,
                               previous_book=self.published, reuse=reuse)
        shutil.rmtree(self.published, ignore_errors=True)
        self.published.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(book, self.published)
        return [c for c in map(json.loads, self.log.read_text().splitlines()) if c[:1] == ["render"] and "pdf" not in c]

    def full_render(self, words: dict, titles: dict | None = None, pdf: bool = False) -> dict:
        """The book a full render of the same notebooks gives (no memo)."""
        root = self.stage(words, titles)
        book = self.tmp / f"full{self.n}"
        quarto.assemble_quarto(self.exe, root, "national", book, pdf=pdf)
        return pages(book)


def pages(book: Path) -> dict:
    return {p.relative_to(book).as_posix(): p.read_bytes() for p in sorted(book.rglob("*")) if p.is_file()}


def targets(calls) -> list[str]:
    return [Path(c[1]).name if not c[1].endswith(".ipynb") else c[1] for c in calls]


@pytest.fixture
def builds(tmp_path, fake):
    exe, log = fake
    return Builds(tmp_path, exe, log)


def test_one_changed_chapter_is_rendered_alone_and_the_book_is_the_full_render(builds, capsys):
    assert len(builds.build(WORDS)) == 1  # the first build renders the whole book
    edited = dict(WORDS, p02="Två, ändrad. Se @tbl-p01-a.")
    calls = builds.build(edited)
    assert targets(calls) == ["notebooks/p02.ipynb"]
    assert pages(builds.published) == builds.full_render(edited)
    assert "Quarto: 1 changed chapter rendered, 2 kept from the previous book" in capsys.readouterr().err
    assert builds.build(edited) == []  # nothing changed: nothing rendered, the same book
    assert pages(builds.published) == builds.full_render(edited)


def test_a_moved_cross_reference_target_renders_the_whole_book(builds, capsys):
    """p02 cites p01's table: when p01 gains a table before it, p02's number changes although p02
    did not, so rendering p01 alone would leave p02 wrong."""
    builds.build(WORDS)
    assert "Tabell 1.1" in (builds.published / "notebooks" / "p02.html").read_text()
    edited = dict(WORDS, p01="Ett.\n\n| b |\n|:--|\n| 2 |\n\n: Först {#tbl-p01-first}\n\nEtt.")
    calls = builds.build(edited)
    assert targets(calls) == ["notebooks/p01.ipynb", "staging2"]  # tried alone, then the whole book
    assert "Tabell 1.2" in (builds.published / "notebooks" / "p02.html").read_text()
    assert pages(builds.published) == builds.full_render(edited)
    assert "p01: cross-reference targets or title changed: rendering the whole book" in capsys.readouterr().err


@pytest.mark.parametrize("change", ["title", "pdf", "no_cache", "most_chapters", "no_memo_before"])
def test_what_every_page_shows_changed_renders_the_whole_book(builds, change):
    builds.build(WORDS, memo=change != "no_memo_before")
    edited = dict(WORDS, p02="Två, ändrad. Se @tbl-p01-a.")
    options = {"title": {"titles": {"p01": "Ett nytt namn"}}, "pdf": {"pdf": True},  # a download link on every page
               "no_cache": {"reuse": False}, "most_chapters": {}, "no_memo_before": {}}[change]
    if change == "most_chapters":  # 2 of 3: a full render is about as fast
        edited["p01"] = "Ett, ändrad."
    calls = builds.build(edited, **options)
    assert len(calls) == 1 and not calls[0][1].endswith(".ipynb")
    assert pages(builds.published) == builds.full_render(edited, options.get("titles"), change == "pdf")


@pytest.mark.parametrize("damage", ["book_edited", "book_file_added", "state_truncated", "state_gone",
                                    "quarto_state_gone"])
def test_a_previous_book_or_memo_that_does_not_match_is_not_built_upon(builds, damage, capsys):
    builds.build(WORDS)
    if damage == "book_edited":
        page = builds.published / "notebooks" / "p01.html"
        page.write_text(page.read_text().replace("Ett.", "Lögn."))
    elif damage == "book_file_added":
        (builds.published / "extra.html").write_text("<p>kvar</p>")
    elif damage == "state_truncated":
        (builds.memo / "state.json").write_text("{")
    elif damage == "state_gone":
        (builds.memo / "state.json").unlink()
    else:
        shutil.rmtree(builds.memo / ".quarto")
    edited = dict(WORDS, p02="Två, ändrad. Se @tbl-p01-a.")
    calls = builds.build(edited)
    assert len(calls) == 1 and not calls[0][1].endswith(".ipynb")
    assert pages(builds.published) == builds.full_render(edited)
    err = capsys.readouterr().err
    assert ("changed by hand" in err) == damage.startswith("book")


def test_a_page_quarto_left_out_of_the_search_index_is_rendered_again(builds, tmp_path, monkeypatch):
    """Quarto 1.7 sometimes reads a page for its search index while it is still rewriting it, and
    keeps the page's old entries (the fake does it once, on the next one-page render)."""
    builds.build(WORDS)
    monkeypatch.setenv("FAKE_QUARTO_RACE", str(tmp_path / "race"))
    (tmp_path / "race").write_text("")
    edited = dict(WORDS, p02="Två, ändrad.\n\nEtt nytt stycke. Se @tbl-p01-a.")
    assert targets(builds.build(edited)) == ["notebooks/p02.ipynb", "notebooks/p02.ipynb"]
    assert pages(builds.published) == builds.full_render(edited)


def test_a_page_a_full_render_left_out_of_the_search_index_is_rendered_again(builds, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_QUARTO_RACE", str(tmp_path / "race"))
    (tmp_path / "race").write_text("p01")
    assert targets(builds.build(WORDS)) == ["staging1", "notebooks/p01.ipynb"]
    assert pages(builds.published) == builds.full_render(WORDS)  # p01's entries in their place


def test_a_section_the_page_no_longer_has_leaves_the_search_index(builds):
    builds.build(dict(WORDS, p02="Två.\n\nEtt stycke som går. Se @tbl-p01-a."))
    edited = dict(WORDS, p02="Två. Se @tbl-p01-a.")
    assert targets(builds.build(edited)) == ["notebooks/p02.ipynb"]
    assert "som går" not in (builds.published / "search.json").read_text()
    assert pages(builds.published) == builds.full_render(edited)


def test_a_failing_chapter_render_is_an_error_and_the_memo_still_fits_the_previous_book(builds, monkeypatch):
    builds.build(WORDS)
    state = (builds.memo / "state.json").read_bytes()
    monkeypatch.setenv("FAKE_QUARTO_FAIL", "1")
    with pytest.raises(quarto.QuartoError, match="one-file render failed"):
        builds.build(dict(WORDS, p02="Två, ändrad."))
    assert (builds.memo / "state.json").read_bytes() == state
    monkeypatch.delenv("FAKE_QUARTO_FAIL")
    edited = dict(WORDS, p02="Två, igen.")
    assert targets(builds.build(edited)) == ["notebooks/p02.ipynb"]
    assert pages(builds.published) == builds.full_render(edited)


def test_the_memo_records_the_book_without_the_pdf(tmp_path):
    book = tmp_path / "book"
    (book / "sub").mkdir(parents=True)
    (book / "a.html").write_text("a")
    (book / "sub" / "b.png").write_bytes(b"b")
    (book / "rapport.pdf").write_bytes(b"%PDF")
    assert sorted(quarto_incremental.book_hashes(book)) == ["a.html", "sub/b.png"]


# ------------------------------------------------------------------ the real Quarto (not in CI)
@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not installed (CI has none)")
@pytest.mark.parametrize("edit", ["body", "moved_target"])
def test_real_quarto_gives_the_full_render(tmp_path, edit, monkeypatch):
    """With the real Quarto: the book made by rendering the changed chapter is byte for byte the
    book of a full render."""
    builds = Builds(tmp_path, shutil.which("quarto"), tmp_path / "calls.jsonl")
    monkeypatch.setattr(quarto, "_run", _logged(quarto._run, builds.log))
    builds.build(WORDS)
    edited = dict(WORDS, p02="Två, ändrad. Se @tbl-p01-a.") if edit == "body" else \
        dict(WORDS, p01="Ett.\n\n| b |\n|:--|\n| 2 |\n\n: Först {#tbl-p01-first}\n\nEtt.")
    rendered = targets(builds.build(edited))
    changed = "notebooks/p02.ipynb" if edit == "body" else "notebooks/p01.ipynb"
    # a page may be rendered again when Quarto 1.7 left it out of the search index (its race, see
    # quarto_incremental.complete_search_index): only the changed page, and for a moved target
    # then one full render
    whole = [i for i, r in enumerate(rendered) if not r.endswith(".ipynb")]
    if edit == "body":
        assert set(rendered) == {changed} and not whole
    else:
        assert len(whole) == 1 and set(rendered[:whole[0]]) == {changed}
    assert pages(builds.published) == builds.full_render(edited)


def _logged(run, log: Path):
    def logged(cmd, cwd):
        with open(log, "a") as fh:
            fh.write(json.dumps(cmd[1:]) + "\n")
        return run(cmd, cwd)
    return logged
