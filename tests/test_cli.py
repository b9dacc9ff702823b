"""The command line: readable errors with exit code 2, and the spread/synth/validate commands."""

import os
import subprocess
import sys
import tempfile

import pandas as pd
import pytest

from dimios import paths

BAD = paths.ROOT / "tests" / "data" / "bad_inputs"


def dimios(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dimios.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or paths.ROOT)


@pytest.mark.parametrize("name, expected", [
    ("answer_8.csv", ["row 12", "skalning", "'8'", "expected an integer 1–7"]),
    ("missing_column.csv", ["missing_column.csv"]),
    ("empty.csv", ["empty.csv"]),
])
def test_validate_bad_input_is_a_short_report(name, expected):
    res = dimios("validate", BAD / name)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and res.stdout == ""
    for text in expected:
        assert text in res.stderr


def test_validate_good_input():
    res = dimios("validate", paths.DATA / "example" / "responses_example.csv")
    assert res.returncode == 0 and "OK" in res.stdout


def test_synth_then_spread_in_published_layout(tmp_path):
    panel = tmp_path / "p.csv"
    assert dimios("synth", "--out", panel, "--scale", "0.1").returncode == 0
    assert (tmp_path / "p.careless_truth.csv").exists()
    out = tmp_path / "spread.csv"
    res = dimios("spread", panel, "--out", out)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == list(pd.read_csv(paths.PUBLISHED_SPREAD).columns)
    assert len(table) == 26 * 4 and table["note"].isna().all()
    # leaving the careless respondents out (the panel has planted ones)
    res = dimios("spread", panel, "--out", out, "--exclude-careless")
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    # as many as the report leaves out with -P exclude_careless=true, and the spread changes
    from dimios import context
    n_left_out = int(res.stderr.split("left out ")[1].split()[0])
    assert n_left_out == context.load(panel, exclude_careless=True).n_careless_excluded > 0
    without = pd.read_csv(out)
    assert list(without.columns) == list(table.columns) and not without.equals(table)


# ------------------------------------------------------------------ build: mistakes in the command
def _bad_data(tmp_path):
    """A file that fails validation: a mistake found before it is read names the mistake, not this file."""
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,respondent,file\n1,2,3,4\n", encoding="utf-8")
    return bad


def _one_line_exit_2(res, *expected):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dimios build: "), res.stderr
    assert "Traceback" not in res.stderr and "bad.csv" not in res.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_build_out_is_a_file(tmp_path):
    (tmp_path / "report").write_text("x")
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "report")
    _one_line_exit_2(res, "is a file, not a folder")


def test_build_out_below_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "file" / "report")
    _one_line_exit_2(res, "is a file, so no folder can be made below it")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write to read-only folders")
def test_build_out_read_only(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        res = dimios("build", "--data", _bad_data(tmp_path), "--out", ro / "report")
    finally:
        ro.chmod(0o755)
    _one_line_exit_2(res, "cannot write there (permission denied)")


@pytest.mark.parametrize("errno_, reason", [(30, "read-only file system"), (13, "permission denied")])
def test_build_out_not_writable_is_one_line(tmp_path, monkeypatch, errno_, reason):
    from dimios import build

    def refuse(*args, **kwargs):
        raise OSError(errno_, os.strerror(errno_))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(build.UsageError, match=rf"--out .*: cannot write there \({reason}\)"):
        build.check_out(tmp_path / "report")


def test_build_out_must_not_be_the_project_or_a_foreign_folder(tmp_path):
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", paths.ROOT)
    _one_line_exit_2(res, "would overwrite the project itself")
    (tmp_path / "mine" / "notebooks").mkdir(parents=True)
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "mine")
    _one_line_exit_2(res, "already holds 'notebooks', which no dimios build wrote")
    assert (tmp_path / "mine" / "notebooks").is_dir()


@pytest.mark.parametrize("jobs", ["-1", "0"])
def test_build_jobs_below_one(tmp_path, jobs):
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "out", "--jobs", jobs)
    _one_line_exit_2(res, f"--jobs {jobs}: give at least 1")
    assert not (tmp_path / "out").exists()


def test_build_missing_data_or_mapping(tmp_path):
    res = dimios("build", "--data", tmp_path / "nope.csv", "--out", tmp_path / "out")
    _one_line_exit_2(res, "--data", "nope.csv: no such file")
    res = dimios("build", "--data", _bad_data(tmp_path), "--mapping", tmp_path / "map.yml", "--out", tmp_path / "out")
    _one_line_exit_2(res, "--mapping", "map.yml: no such file")


def test_build_unknown_parameter_lists_the_known_ones(tmp_path):
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "out", "-P", "unknown=1")
    assert res.returncode == 2 and "Traceback" not in res.stderr and "bad.csv" not in res.stderr
    assert "unknown parameter 'unknown'" in res.stderr and "known parameters:" in res.stderr
    assert "  years (year(s)" in res.stderr and "  exclude_careless (true/false)" in res.stderr
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "out", "-P", "exclude_careless=maybe")
    _one_line_exit_2(res, "exclude_careless=maybe: not a boolean")
    res = dimios("build", "--data", _bad_data(tmp_path), "--out", tmp_path / "out", "-P", "years")
    _one_line_exit_2(res, "-P years: expected name=value")


# ------------------------------------------------------------------ build: what a failed build says it left
def test_failed_build_says_previous_report_unchanged_only_when_there_was_one(tmp_path):
    """Issue 20: "the previous report is unchanged" only when there was one; a missing parent of --out
    is created and said so."""
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,organisation_id,year\nr1,o1,2023\n", encoding="utf-8")
    out = tmp_path / "new" / "deeper" / "report"
    res = dimios("build", "--data", bad, "--out", out, "--no-quarto")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"note: --out {out}: its folder {out.parent} did not exist and was created" in res.stderr
    assert res.stderr.strip().splitlines()[-1] == "build stopped: no report was written."
    assert "unchanged" not in res.stderr
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "provenance.json").write_text("{}\n", encoding="utf-8")
    res = dimios("build", "--data", bad, "--out", previous, "--no-quarto")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == "build stopped: the previous report is unchanged."
    assert "did not exist" not in res.stderr
    assert (previous / "provenance.json").read_text(encoding="utf-8") == "{}\n"


def test_provenance_refuses_non_finite_numbers(tmp_path):
    from dimios.build.provenance import write_provenance

    with pytest.raises(ValueError):
        write_provenance({"parameters": {"trend_threshold": float("nan")}}, tmp_path)
