"""Tests of dimios.quality.knowledge against a hand-counted small data set."""

import numpy as np
import pandas as pd
import pytest

from dimios.quality import knowledge as K


@pytest.fixture
def df():
    nan = np.nan
    return pd.DataFrame(
        {
            "respondent_id": range(6),
            "year": [2023, 2023, 2023, 2024, 2024, 2024],
            "involved": [True, False, False, True, True, False],
            "p1": [1.0, nan, 3.0, 4.0, nan, nan],
            "p2": [nan, nan, 2.0, 5.0, 6.0, 7.0],
        }
    )


def test_missing_share_by_year_and_involved(df):
    got = K.missing_share(df, ["p1", "p2"])
    assert list(got.columns) == ["year", "involved", "item", "n", "n_missing", "share_missing"]
    # 2023, involved=False: respondents 1, 2 -> p1 missing 1 of 2, p2 missing 1 of 2
    # 2023, involved=True : respondent 0 -> p1 0/1, p2 1/1
    # 2024, involved=False: respondent 5 -> p1 1/1, p2 0/1
    # 2024, involved=True : respondents 3, 4 -> p1 1/2, p2 0/2
    key = got.set_index(["year", "involved", "item"])["share_missing"]
    assert key[(2023, False, "p1")] == 0.5 and key[(2023, False, "p2")] == 0.5
    assert key[(2023, True, "p1")] == 0.0 and key[(2023, True, "p2")] == 1.0
    assert key[(2024, False, "p1")] == 1.0 and key[(2024, True, "p1")] == 0.5
    assert key[(2024, True, "p2")] == 0.0
    assert got["n"].sum() == 2 * len(df)


def test_missing_share_without_split(df):
    got = K.missing_share(df, ["p2", "p1"], split=None)
    assert list(got["item"][:2]) == ["p2", "p1"]  # item order kept
    key = got.set_index(["year", "item"])["n_missing"]
    # 2023: p1 missing for respondent 1, p2 for 0 and 1; 2024: p1 missing for 4 and 5
    assert (key[(2023, "p1")], key[(2023, "p2")], key[(2024, "p1")], key[(2024, "p2")]) == (1, 2, 2, 0)


def test_complete_share(df):
    got = K.complete_share(df, ["p1", "p2"])
    # 2023: only respondent 2 answered both -> 1/3; 2024: only respondent 3 -> 1/3
    assert got["n_complete"].tolist() == [1, 1]
    assert got["share_complete"].tolist() == pytest.approx([1 / 3, 1 / 3])
    # answered items: 2023 -> 1, 0, 2 (mean 1); 2024 -> 2, 1, 1 (mean 4/3)
    assert got["mean_answered"].tolist() == pytest.approx([1.0, 4 / 3])


def test_groups_sorted_missing_group_keys_dropped_and_counts_integer(df):
    shuffled = df.iloc[::-1].copy()
    shuffled.loc[len(df)] = {"respondent_id": 99, "year": np.nan, "involved": True, "p1": np.nan, "p2": np.nan}
    ms = K.missing_share(shuffled, ["p1", "p2"], split=None)
    assert ms["year"].tolist() == [2023, 2023, 2024, 2024]  # the respondent without a year is left out
    assert ms["n"].tolist() == [3, 3, 3, 3] and ms["n_missing"].dtype.kind == "i"
    assert ms["item"].tolist() == ["p1", "p2", "p1", "p2"] and not isinstance(ms["item"].dtype, pd.CategoricalDtype)
    assert list(ms.columns) == ["year", "item", "n", "n_missing", "share_missing"]
    cs = K.complete_share(shuffled, ["p1", "p2"])
    assert cs["year"].tolist() == [2023, 2024] and cs["n"].tolist() == [3, 3]
    assert cs["n_complete"].dtype.kind == "i" and cs["n_complete"].tolist() == [1, 1]


def test_grouping_by_several_columns_and_by_a_categorical(df):
    ms = K.missing_share(df, ["p1"], by=["year", "involved"], split=None)
    assert list(ms.columns[:2]) == ["year", "involved"] and len(ms) == 4
    cs = K.complete_share(df, ["p1", "p2"], by=["year", "involved"])
    assert cs[["year", "involved", "n"]].values.tolist() == [[2023, False, 2], [2023, True, 1], [2024, False, 1],
                                                            [2024, True, 2]]
    # a categorical grouping column (organisation_type in the data contract): only observed types
    typed = df.assign(organisation_type=pd.Categorical(["kommun"] * 6, categories=["kommun", "region", "myndighet"]))
    assert K.missing_share(typed, ["p1"], by="organisation_type", split=None)["organisation_type"].tolist() == ["kommun"]
    assert K.complete_share(typed, ["p1"], by="organisation_type")["organisation_type"].tolist() == ["kommun"]
