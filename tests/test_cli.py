"""The command line: readable errors with exit code 2, and the spread/synth/validate commands."""

import subprocess
import sys

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
