"""Whole builds that must not trust what they cannot check (issue 22, part 2): an altered or
damaged cache entry, a disk that fills up while the cache is stored, staging inside the report
folder, and the project's own ``quarto render`` after a build into a folder outside the project.

Fast: the kernels are never started and papermill's execution is replaced by a stand-in that
writes what a section would (a notebook with a Markdown output, a CSV table and a PNG), so the
real build (lock, plan, cache, staging, assembly, swap-in) runs around it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from dimios import build, engine, paths, quarto, sections
from dimios.sections import Section
from tests.test_build_cache import _small_data

KIND = "test-trust"
SECTIONS = [Section("index", "front.ipynb", "Framsida"), Section("method", "method.ipynb", "Metod")]


class _Runs(list):
    """Section ids in the order they were executed."""
    out: Path | None = None   # the report folder to look into while a section runs
    seen: set

    def __init__(self):
        super().__init__()
        self.seen = set()


@pytest.fixture
def executed(monkeypatch):
    """No kernels; each execution is recorded (section ids) and writes a notebook naming the data's
    hash, ``tbl-spread.csv`` and ``fig-spread.png``. ``executed.seen`` holds the report folder's
    names while sections run."""
    runs = _Runs()

    def execute_notebook(input_path, output_path, parameters=None, **kwargs):
        parameters = parameters or {}
        section = parameters["section"]
        runs.append(section)
        if runs.out is not None:
            runs.seen.update(p.name for p in runs.out.iterdir())
        digest = build.file_sha256(paths.ROOT / parameters["data"])[:12]
        cell = nbformat.v4.new_code_cell("show()")
        cell["id"] = "show"  # fixed, as the real notebooks are deterministic
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/markdown": f"# Kapitel {section}\n\nData {digest} i {section}.\n", "text/plain": f"Data {digest}."})]
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), output_path)
        tables = paths.ROOT / parameters["output_dir"] / section
        tables.mkdir(parents=True, exist_ok=True)
        (tables / "tbl-spread.csv").write_text(f"level,share\n1,25.0\n2,75.0\n# {digest}\n", encoding="utf-8")
        (tables / "fig-spread.png").write_bytes(b"\x89PNG\r\n\x1a\n" + digest.encode() * 20)

    real_start = engine.Runner.start
    monkeypatch.setattr(engine.Runner, "start", lambda self, n, eager=True: real_start(self, n, eager=False))
    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    monkeypatch.setitem(sections.REPORTS, KIND, lambda: list(SECTIONS))
    return runs


def _build(out: Path, data: Path, **kw) -> Path:
    opts = dict(out=out, data=data, kind=KIND, quarto=None, progress=False, command_line="pytest")
    opts.update(kw)
    return build.build(build.BuildOptions(**opts))


def _published(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for name in ("notebooks", "tables")
            for p in sorted((out / name).rglob("*")) if p.is_file()}


def _entry(out: Path, section: str) -> Path:
    """The cache entry holding ``section`` (found by its notebook's text)."""
    for entry in (out / build.CACHE_DIR).iterdir():
        nb = entry / "notebook.ipynb"
        if nb.exists() and f"Kapitel {section}" in nb.read_text(encoding="utf-8"):
            return entry
    raise AssertionError(f"no cache entry of {section}")


# ------------------------------------------------------------------ altered or damaged entries
ALTERATIONS = {
    "notebook text edited": ("notebook.ipynb", lambda b: b.replace(b"Data ", b"Uppgifter ")),
    "table cell set to 99": ("tables/tbl-spread.csv", lambda b: b.replace(b"25.0", b"99.0")),
    "figure emptied": ("tables/fig-spread.png", lambda b: b""),
    "notebook {}": ("notebook.ipynb", lambda b: b"{}"),
    "notebook truncated": ("notebook.ipynb", lambda b: b[:len(b) // 2]),
    "notebook not nbformat": ("notebook.ipynb", lambda b: b'{"cells": 5, "nbformat": 4}'),
    "table removed": ("tables/tbl-spread.csv", None),
    "file added": ("tables/tbl-extra.csv", lambda b: b"x\n1\n"),
}


@pytest.mark.parametrize("what", sorted(ALTERATIONS))
def test_an_altered_or_damaged_cache_entry_is_executed_again(tmp_path, executed, capsys, what):
    """The entry is checked against the hashes recorded when it was stored: the section runs again,
    with a note naming the cache, and the report is what the data gives (no traceback)."""
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    expected = _published(out)
    rel, change = ALTERATIONS[what]
    target = _entry(out, "method") / rel
    if change is None:
        target.unlink()
    else:
        target.write_bytes(change(target.read_bytes() if target.exists() else b""))
    shutil.rmtree(out / "_book")  # as in the hostile run: the book is made again from the cache
    capsys.readouterr()
    executed.clear()
    _build(out, data)
    err = capsys.readouterr().err
    assert executed == ["method"]
    assert "cache entry of section 'method' not used" in err and "executing it again" in err
    assert "Traceback" not in err
    assert _published(out) == expected
    assert "1 executed, 1 from the cache" in err
    executed.clear()
    _build(out, data)  # the entry was stored again: now a no-op
    assert executed == [] and "report up to date" in capsys.readouterr().err


def test_a_damaged_entry_record_is_executed_again(tmp_path, executed, capsys):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    (_entry(out, "index") / "entry.json").write_text("{", encoding="utf-8")
    capsys.readouterr()
    executed.clear()
    _build(out, data)
    assert executed == ["index"]
    assert "section 'index' not used: its record entry.json is missing or damaged" in capsys.readouterr().err


# ------------------------------------------------------------------ disk full
def test_disk_full_while_storing_the_cache_is_one_line_cleans_up_and_keeps_the_report(tmp_path, executed,
                                                                                     monkeypatch):
    out = tmp_path / "report"
    _build(out, _small_data(tmp_path / "a.parquet"))
    before = _published(out) | {"_book/index.html": (out / "_book" / "index.html").read_bytes()}
    real_copytree = shutil.copytree

    def full(src, dst, *args, **kwargs):
        if Path(dst).parent.name.startswith(".new-"):  # copying a section's tables into the cache
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_copytree(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copytree", full)
    with pytest.raises(build.BuildError) as err:
        _build(out, _small_data(tmp_path / "b.parquet", change=True))
    msg = str(err.value)
    assert "\n" not in msg and "no space left on the device" in msg and "cache" in msg
    assert msg.startswith("section '")
    assert not [p for p in (out / build.CACHE_DIR).iterdir() if p.name.startswith(".")]
    after = _published(out) | {"_book/index.html": (out / "_book" / "index.html").read_bytes()}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith((".build-", ".previous-", ".incoming-"))]


def test_disk_full_reaches_the_user_as_one_line(tmp_path, executed, monkeypatch):
    """The command line: exit code 1, one line on stderr, no traceback."""
    from typer.testing import CliRunner

    from dimios import cli

    real_write_text = Path.write_text

    def full(self, *args, **kwargs):
        if self.name == "provenance.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write_text(self, *args, **kwargs)

    out = tmp_path / "report"
    monkeypatch.setitem(sections.REPORTS, "national", lambda: list(SECTIONS))
    monkeypatch.setattr(Path, "write_text", full)
    res = CliRunner().invoke(cli.app, ["build", "--data", str(_small_data(tmp_path / "a.parquet")), "--out", str(out),
                                       "--no-quarto"])
    lines = [line for line in res.stderr.splitlines() if not line.startswith(("note:", "["))]
    assert res.exit_code == 1, res.stderr
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert lines[0].startswith("build failed: no space left on the device (")
    assert lines[0].endswith("provenance.json); no report was written.")  # there was none before (issue 20)


def test_an_unfinished_cache_entry_is_removed_by_the_next_build(tmp_path, executed):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    left = out / build.CACHE_DIR / ".new-abc123"
    (left / "tables").mkdir(parents=True)
    (left / "notebook.ipynb").write_text("{", encoding="utf-8")
    _build(out, data)  # a no-op rebuild
    assert not left.exists()


# ------------------------------------------------------------------ staging
def test_the_report_is_staged_outside_the_report_folder(tmp_path, executed):
    """Nothing of an unfinished build is inside the report folder while sections run (a SIGKILL
    then leaves nothing there); the staged report is in the private working folder."""
    out = tmp_path / "report"
    out.mkdir()
    executed.out = out
    _build(out, _small_data(tmp_path / "a.parquet"))
    assert executed and not [n for n in executed.seen if n.startswith(".build-")]
    assert executed.seen <= {build.LOCK_FILE, build.CACHE_DIR}
    assert not [p for p in out.iterdir() if p.name.startswith((".build-", ".incoming-"))]


def test_a_staging_folder_left_by_an_older_version_is_removed(tmp_path, executed, capsys):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    (out / ".build-old" / "notebooks").mkdir(parents=True)
    (out / ".incoming-old").mkdir()
    _build(out, data)
    assert not (out / ".build-old").exists() and not (out / ".incoming-old").exists()
    assert "removed 2 unfinished build folder(s)" in capsys.readouterr().err


def test_swap_in_across_file_systems_copies_then_renames(tmp_path, monkeypatch):
    """Staged on another file system (st_dev differs): the items are copied into the report folder
    first, the previous report is replaced, and nothing is left behind."""
    staging, out = tmp_path / "staging", tmp_path / "out"
    (staging / "_book").mkdir(parents=True)
    (staging / "_book" / "index.html").write_text("new", encoding="utf-8")
    (staging / "provenance.json").write_text("{}", encoding="utf-8")
    (out / "_book").mkdir(parents=True)
    (out / "_book" / "index.html").write_text("old", encoding="utf-8")
    (out / "_book" / "stale.html").write_text("old", encoding="utf-8")
    real_stat = Path.stat

    def other_device(self, *args, **kwargs):
        st = real_stat(self, *args, **kwargs)
        if self == staging:
            return os.stat_result((st.st_mode, st.st_ino, st.st_dev + 1, *tuple(st)[3:]))
        return st

    monkeypatch.setattr(Path, "stat", other_device)
    build.publish.swap_in(staging, out, build.PUBLISHED_ITEMS)
    assert (out / "_book" / "index.html").read_text() == "new" and not (out / "_book" / "stale.html").exists()
    assert (out / "provenance.json").exists()
    assert sorted(p.name for p in out.iterdir()) == ["_book", "provenance.json"]


# ------------------------------------------------------------------ quarto render from the project
def fake_quarto(folder: Path, log: Path) -> Path:
    """A ``quarto`` that records its arguments (one JSON list a line) and writes an index.html
    (and the PDF when asked for one) into ``--output-dir``."""
    exe = folder / "quarto"
    exe.write_text(f"""#!{sys.executable}
import json, sys
from pathlib import Path
args = sys.argv[1:]
with open({str(log)!r}, "a") as fh:
    fh.write(json.dumps(args) + "\\n")
if args[:1] == ["--version"]:
    print("1.7.34"); sys.exit(0)
out = Path(args[args.index("--output-dir") + 1]) if "--output-dir" in args else None
if out is not None:
    out.mkdir(parents=True, exist_ok=True)
    if "pdf" in args:
        (out / "book.pdf").write_bytes(b"%PDF-1.5")
    else:
        (out / "index.html").write_text("<html>quarto</html>")
""", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_a_report_outside_the_project_says_what_quarto_render_renders(tmp_path, executed, capsys, monkeypatch):
    """The project's own Quarto files can point only at reports inside the project: after a build
    into a folder outside it they are left alone, and a Quarto user is told which report a
    `quarto render` from the project folder renders (README, "Editions")."""
    monkeypatch.setattr(quarto, "pdf_engine", lambda: None)
    root_files = {p: p.read_bytes() for p in (paths.ROOT / "_quarto-national.yml", paths.ROOT / "index.ipynb")
                  if p.exists()}
    exe = fake_quarto(tmp_path, tmp_path / "calls.jsonl")
    out = tmp_path / "elsewhere"
    _build(out, _small_data(tmp_path / "a.parquet"), quarto=str(exe))
    err = capsys.readouterr().err
    assert (f"note: {out} is outside the project folder: `quarto render` there renders "
            "the report built last inside the project, not this one") in err
    assert {p: p.read_bytes() for p in root_files} == root_files
    assert (out / "_book" / "index.html").read_text() == "<html>quarto</html>"
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert any(c[:1] == ["render"] for c in calls)


def test_respondent_level_data_an_older_version_kept_in_the_cache_is_removed(tmp_path, executed):
    """Versions before this one kept the prepared data (respondent rows) in ``.cache/prepared``:
    the next build removes it, and keeps nothing of the kind itself."""
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    old = out / build.CACHE_DIR / "prepared" / "0123abcd"
    old.mkdir(parents=True)
    shutil.copy2(data, old / "DATA")
    (old / "entry.json").write_text("{}", encoding="utf-8")
    _build(out, _small_data(tmp_path / "b.parquet", change=True))
    assert not (out / build.CACHE_DIR / "prepared").exists()
    assert not [p for p in out.rglob("*") if p.is_file() and p.read_bytes()[:4] == b"PAR1"]
