"""One declaration of sections drives both papermill and Quarto's chapter list."""

import yaml

from dimios import instrument, paths, quarto, sections


def test_national_sections_in_report_order():
    secs = sections.sections("national")
    ids = [s.id for s in secs]
    assert ids[:4] == ["index", "background", "development", "ladder"]
    assert ids[-6:] == ["overview", "quality", "closing", "method", "data", "reconciliation"]
    assert [s.id for s in secs if s.appendix] == ["method", "data", "reconciliation"]
    principle_secs = [s for s in secs if s.notebook == "principle.ipynb"]
    inst = instrument.load()
    assert [s.parameters["principle"] for s in principle_secs] == list(inst.principle_ids)
    assert {s.part for s in principle_secs[:18]} == {"Digital förmåga"}
    assert {s.part for s in principle_secs[18:]} == {"Digitalt arv"}
    assert len(secs) == 1 + 2 + 1 + 26 + 2 + 1 + 3
    assert len(set(ids)) == len(ids)
    for s in secs:
        assert (paths.NOTEBOOKS / s.notebook).exists(), s.notebook


def _chapter_paths(node):
    out = []
    for item in node:
        if isinstance(item, dict):
            out += _chapter_paths(item["chapters"])
        else:
            out.append(item)
    return out


def test_committed_quarto_config_matches_sections():
    # The committed _quarto.yml carries the generated block; it must equal what the
    # declaration generates (the build rewrites it; nobody edits it by hand).
    text = (paths.ROOT / "_quarto.yml").read_text(encoding="utf-8")
    assert quarto.chapters_block(sections.sections()) in text
    cfg = yaml.safe_load(text)
    listed = _chapter_paths(cfg["book"]["chapters"]) + cfg["book"]["appendices"]
    assert listed == [f"report/notebooks/{s.output_name}" for s in sections.sections()]
    assert cfg["project"]["type"] == "book" and cfg["lang"] == "sv"
    assert cfg["execute"]["enabled"] is False
    assert {"html", "pdf"} <= set(cfg["format"])
    assert cfg["book"]["chapters"][0] == "report/notebooks/index.ipynb"  # Quarto books need index first


def test_write_quarto_chapters_rewrites_only_the_block(tmp_path):
    cfg = tmp_path / "_quarto.yml"
    cfg.write_text((paths.ROOT / "_quarto.yml").read_text(encoding="utf-8"), encoding="utf-8")
    few = sections.sections()[:3]
    assert quarto.write_quarto_chapters(few, cfg) is True
    loaded = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    assert _chapter_paths(loaded["book"]["chapters"]) == [f"report/notebooks/{s.output_name}" for s in few]
    assert loaded["book"]["title"] and loaded["format"]["html"]
    assert quarto.write_quarto_chapters(few, cfg) is False
