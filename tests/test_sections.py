"""One declaration of sections drives both papermill and Quarto's chapter list."""

from dimios import instrument, paths, sections


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
