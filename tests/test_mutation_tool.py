"""tools/mutation.py: the per-module score that ``make mutation`` prints (mutmut itself is not run)."""

from __future__ import annotations

import importlib.util
import json

from dimios import paths

_spec = importlib.util.spec_from_file_location("mutation_tool", paths.ROOT / "tools" / "mutation.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


def test_module_of_mutant_names():
    assert tool.module_of("dimios.scoring.x_to_levels__mutmut_3") == "scoring"
    assert tool.module_of("dimios.quality.careless.x_irv__mutmut_12") == "quality.careless"
    assert tool.module_of("dimios.organisation.xǁOrganisationReportǁshown_years__mutmut_2") == "organisation"


def test_scores_per_module_count_equivalent_and_unrun_mutants_out(tmp_path):
    meta = tmp_path / "dimios" / "scoring.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {f"dimios.scoring.x_f__mutmut_{i}": c for i, c in enumerate([1, 1, 1, 0, 0, 33, None, 36, 3, 1])}
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "dimios" / "quality").mkdir()
    (tmp_path / "dimios" / "quality" / "knowledge.py.meta").write_text(
        json.dumps({"exit_code_by_key": {"dimios.quality.knowledge.x_g__mutmut_1": 1}}))
    got = tool.results(tmp_path)
    assert len(got) == 11
    equivalent = {"dimios.scoring.x_f__mutmut_3"}
    rows = {r["module"]: r for r in tool.summary(got, equivalent)}
    s = rows["scoring"]
    # killed: exit 1 (x4), 3 and the timeout 36 -> 6; survived 1 (one is equivalent); no tests 1; unrun 1
    assert (s["mutants"], s["killed"], s["survived"], s["no_tests"], s["equivalent"], s["not_checked"]) == \
        (10, 6, 1, 1, 1, 1)
    assert s["score"] == 100 * 6 / 8
    assert rows["quality/"]["score"] == 100.0 and rows["all"]["mutants"] == 11
    assert tool.survivors(got, equivalent) == ["dimios.scoring.x_f__mutmut_4", "dimios.scoring.x_f__mutmut_5"]
    text = tool.format_summary(tool.summary(got, equivalent))
    assert "75.0 %" in text and text.splitlines()[0].startswith("module")


def test_equivalent_mutants_are_read_from_the_doc(tmp_path):
    doc = tmp_path / "mutation.md"
    doc.write_text("# x\n\n- `dimios.scoring.x_f__mutmut_3`: the index is taken from the Series anyway\n"
                   "* `dimios.quality.careless.x_irv__mutmut_12` — same value\nnot a - `dimios.x__mutmut_1` line\n")
    assert tool.listed_equivalents(doc) == {"dimios.scoring.x_f__mutmut_3", "dimios.quality.careless.x_irv__mutmut_12"}
    assert tool.listed_equivalents(tmp_path / "missing.md") == set()


def test_equivalents_count_only_while_their_function_is_the_reviewed_code(tmp_path):
    """Mutants are numbered per function: after a change, a listed number may name another change."""
    doc = tmp_path / "mutation.md"
    doc.write_text("# x\n\n- `dimios.scoring.x_f__mutmut_3`: same value\n- `dimios.scoring.x_g__mutmut_1`: same\n",
                   encoding="utf-8")
    meta = tmp_path / "mutants" / "dimios" / "scoring.py.meta"
    meta.parent.mkdir(parents=True)

    def code_hashes(f, g):
        meta.write_text(json.dumps({"exit_code_by_key": {}, "hash_by_function_name": {"x_f": f, "x_g": g}}))

    code_hashes("aaa", "bbb")
    assert tool.equivalent_mutants(doc, tmp_path / "mutants") == set()          # never reviewed
    tool.stamp_reviewed(doc, tmp_path / "mutants")
    assert tool.reviewed_hashes(doc) == {"dimios.scoring.x_f": "aaa", "dimios.scoring.x_g": "bbb"}
    assert tool.equivalent_mutants(doc, tmp_path / "mutants") == {"dimios.scoring.x_f__mutmut_3",
                                                                  "dimios.scoring.x_g__mutmut_1"}
    code_hashes("aaa", "changed")                                                # x_g edited since the review
    assert tool.equivalent_mutants(doc, tmp_path / "mutants") == {"dimios.scoring.x_f__mutmut_3"}
    tool.stamp_reviewed(doc, tmp_path / "mutants")                               # stamping again replaces the block
    text = doc.read_text(encoding="utf-8")
    assert text.count(tool.REVIEWED_BEGIN) == 1 and "x_g changed" in text and "x_g bbb" not in text


def test_check_runs_the_given_tests_against_one_mutant(tmp_path, monkeypatch, capsys):
    """--check imports the mutated copy of the package, not the checkout, and names the mutant to it."""
    pkg = tmp_path / "mutants" / "dimios"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "import os\nVALUE = 2 if os.environ.get('MUTANT_UNDER_TEST') == 'dimios.x.x_f__mutmut_1' else 1\n")
    (pkg / "x.py.meta").write_text(json.dumps({"exit_code_by_key": {"dimios.x.x_f__mutmut_1": 0,
                                                                     "dimios.x.x_f__mutmut_2": 0}}))
    test = tmp_path / "test_value.py"
    test.write_text("import dimios\n\ndef test_value():\n    assert dimios.VALUE == 1\n")
    monkeypatch.setattr(tool, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    assert tool.check("dimios.x.x_f__mutmut_1", [str(test)]) == 0           # the test notices the change
    assert tool.check("dimios.x.x_f__mutmut_2", [str(test)]) == 1           # it does not
    assert "x_f__mutmut_1: killed" in capsys.readouterr().out
    assert tool.check("dimios.x.x_f__mutmut_9", [str(test)]) == 2           # no such mutant
    assert tool.check("dimios.x.x_f__mutmut_1", [str(test), "-k", "nothing"]) == 2  # no test ran


def test_scores_table_is_written_into_the_doc_between_its_markers(tmp_path):
    rows = tool.summary({"dimios.scoring.x_f__mutmut_1": 1, "dimios.scoring.x_f__mutmut_2": 36,
                         "dimios.scoring.x_f__mutmut_3": 0, "dimios.scoring.x_f__mutmut_4": None}, set())
    table = tool.markdown_summary(rows, "Measured today.")
    assert "| `scoring` | 4 | 4 | 2 | 1 | 1 | 0 | 0 | 1 | 66.7 % |" in table     # the timeout counts as killed
    doc = tmp_path / "mutation.md"
    doc.write_text("# Mutation\n\n## Scores\n\nintro\n", encoding="utf-8")
    tool.write_scores(doc, table)
    tool.write_scores(doc, table.replace("66.7", "70.0"))                   # a second run replaces the block
    text = doc.read_text(encoding="utf-8")
    assert text.count(tool.SCORES_BEGIN) == 1 and "70.0 %" in text and "66.7 %" not in text
    assert text.startswith("# Mutation\n\n## Scores\n\nintro\n")


def test_sample_is_uniform_reproducible_and_only_for_modules_not_run_in_full():
    codes = {f"dimios.io.x_f__mutmut_{i}": (1 if i % 4 else 0) if i < 500 else None for i in range(1000)}
    codes.update({f"dimios.scoring.x_g__mutmut_{i}": 1 for i in range(30)})
    first = tool.sample_of([n for n in codes if ".io." in n], 100, "io")
    assert len(first) == 100 and first == tool.sample_of(sorted(n for n in codes if ".io." in n), 100, "io")
    assert 25 < sum(int(n.rsplit("_", 1)[1]) < 500 for n in first) < 75     # from both halves, not the first 100
    got = tool.sampled(codes, 100)
    assert sum(".io." in n for n in got) == 100 and sum(".scoring." in n for n in got) == 30  # census kept
    assert tool.sampled(codes, None) is codes
    lo, hi = tool.wilson_interval(90, 100)
    assert 82.5 < lo < 82.6 and 94.4 < hi < 94.5                              # Wilson 95 %: 82.56–94.48
