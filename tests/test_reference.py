"""The published report as reference data (dimios.reference)."""

import pytest

from dimios import instrument, reference


def test_trend_classes_as_published():
    # report 2.4, Figur 6: 5 negative, 7 stable, 14 positive
    classes = reference.trend_classes()
    assert list(classes.index) == list(instrument.load().principle_ids)
    assert classes.value_counts().to_dict() == {"positive": 14, "stable": 7, "negative": 5}
    assert classes["projektstyrning"] == "negative" and classes["forvaltningsstyrning"] == "positive"
    with pytest.raises(KeyError):
        reference.trend_class("no_such_principle")


def test_identical_published_tables():
    # Tabell 2.1 (Förvaltningsstyrning) and 3.1 (Projektstyrning) are equal in every cell
    assert reference.identical_tables() == [["2.1", "3.1"]]
    pub = reference.published_spread()
    pub.loc[(pub.table == "3.1") & (pub.year == 2020), "level_2_pct"] = 45
    assert reference.identical_tables(pub) == []


def test_inferred_rows_are_table_1_1_2020_and_2023():
    rows = reference.inferred_rows()
    assert rows[["table", "year"]].values.tolist() == [["1.1", 2020], ["1.1", 2023]]


def test_facts_have_the_totals_and_the_method():
    f = reference.facts()
    assert f["totals"] == {"organisations_more_than": 400, "respondents_more_than": 25000}
    assert len(f["method"]["phases"]) == 3 and f["method"]["interviews_about"] == 400
    assert len(f["history"]["deliveries"]) == 3
