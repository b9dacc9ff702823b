"""The data read and prepared once, kept between builds (``dimios.build.prepared``): a rebuild
that executes sections again on the same data does not read the data again, publishes the same
report and says the same about the data; an entry altered since it was stored is not used."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dimios import build, io
from tests.test_build_cache import _small_data
from tests.test_build_trust import _build, _entry, _published, executed  # noqa: F401 - fixture


@pytest.fixture
def reads(monkeypatch):
    """Every reading of the user's respondent file during the test (paths; the build's own working
    copy, read while preparing, is left out)."""
    seen: list[str] = []
    real = io.read_responses

    def read_responses(path, *args, **kwargs):
        if "dimios-work-" not in str(path):
            seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(io, "read_responses", read_responses)
    return seen


def _again(out: Path, section: str = "method") -> None:
    """Make the next build execute ``section`` again (its cache entry gone)."""
    shutil.rmtree(_entry(out, section))


def test_a_rebuild_on_the_same_data_does_not_read_it_again(tmp_path, executed, reads, capsys):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    first, said = _published(out), capsys.readouterr().err
    assert reads == [str(data)]
    _again(out)
    _build(out, data)
    assert executed.count("method") == 2  # executed again: the data was needed
    assert reads == [str(data)]  # not read again
    assert _published(out) == first
    again = capsys.readouterr().err
    assert [x for x in said.splitlines() if x.startswith("note: answers")] == \
        [x for x in again.splitlines() if x.startswith("note: answers")]


@pytest.mark.parametrize("damage", ["working copy", "prepared context", "record"])
def test_an_altered_entry_is_not_used(tmp_path, executed, reads, damage):
    out, data = tmp_path / "report", _small_data(tmp_path / "a.parquet")
    _build(out, data)
    first = _published(out)
    (entry,) = (out / build.CACHE_DIR / "prepared").iterdir()
    target = {"working copy": "DATA", "prepared context": "DATA.prepared.pickle", "record": "entry.json"}[damage]
    blob = (entry / target).read_bytes()
    (entry / target).write_bytes(blob[: len(blob) // 2])
    _again(out)
    _build(out, data)
    assert reads == [str(data), str(data)]  # read again
    assert _published(out) == first


@pytest.mark.parametrize("change", ["data", "years", "no_cache"])
def test_other_data_or_parameters_read_the_data_again(tmp_path, executed, reads, change):
    out = tmp_path / "report"
    data = _small_data(tmp_path / "a.parquet")
    _build(out, data)
    _again(out)
    kw = {"data": _small_data(tmp_path / "b.parquet", change=True)} if change == "data" else \
        {"parameters": {"years": "2023"}} if change == "years" else {"use_cache": False}
    _build(out, kw.pop("data", data), **kw)
    assert len(reads) == 2
