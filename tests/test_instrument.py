import csv

from dimios import paths


def test_structure_matches_reference(inst):
    ref = list(csv.DictReader(open(paths.REFERENCE / "principles.csv", encoding="utf-8")))
    assert [p.id for p in inst.principles] == [r["id"] for r in ref]
    for p, r in zip(inst.principles, ref):
        assert (p.table, p.name_sv, p.dimension, p.category) == (int(r["table"]), r["name_sv"], r["dimension"], r["category"])
    assert len(inst.dimensions) == 2 and len(inst.categories) == 6
    sizes = {c: len(v) for c, v in inst.category_items().items()}
    assert sizes == {"effektivitet": 7, "innovation": 6, "balansering": 5, "organisation": 2, "anvandare": 2, "teknik": 4}


def test_every_principle_has_a_statement(inst):
    for p in inst.principles:
        assert p.statement.startswith(("Som organisation", "Vår organisations")), p.id


def test_scale_and_scoring(inst):
    assert inst.scale.values == (1, 2, 3, 4, 5, 6, 7)
    assert inst.scale.to_percent(1) == 0 and inst.scale.to_percent(7) == 100 and inst.scale.to_percent(4) == 50
    assert inst.scoring.cut_points == (25.0, 50.0, 75.0)


def test_objects_are_immutable(inst):
    import dataclasses

    import pytest

    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.principles[0].name_sv = "x"
