"""Statistics that cannot be computed on small or degenerate data (issue 14, item 4).

Each path of ``dimios.quality.feasibility`` is exercised on purpose-built data: too few
complete answers, an item without variation, a singular correlation matrix, a category
with one answered item, a sum score without variance, a too small comparison group, no
synonym pairs, too few respondents for the Mahalanobis distance. The chapter must then
say, in Swedish and in place of the number, that the statistic cannot be computed and
why, and go on with the rest. The shipped example file runs through the whole chapter
here and through a whole build in the slow test at the end.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dimios import context, display, instrument, io, paths
from dimios.chapters import quality as chapter
from dimios.quality import careless, feasibility, reliability
from dimios.quality.feasibility import NotComputable

from .test_quality_chapter import Recorder

EXAMPLE = paths.ROOT / "data" / "example" / "responses_example.csv"


def _items() -> list[str]:
    return list(instrument.load().principle_ids)


def _panel(n: int, *, seed: int = 1, latent: bool = True, years=(2023,), involved_share: float = 0.5) -> pd.DataFrame:
    """n respondents per year in the data contract; answers 1–7 from one common factor (or pure noise)."""
    rng = np.random.default_rng(seed)
    items = _items()
    rows = []
    for year in years:
        f = rng.standard_normal((n, 1)) if latent else np.zeros((n, 1))
        raw = 4 + 1.2 * f + rng.standard_normal((n, len(items)))
        ans = np.clip(np.rint(raw), 1, 7)
        df = pd.DataFrame(ans, columns=items)
        df.insert(0, "business_area", None)
        df.insert(0, "involved", rng.random(n) < involved_share)
        df.insert(0, "year", year)
        df.insert(0, "organisation_type", "kommun")
        df.insert(0, "organisation_id", [f"ORG-{i % 10:02d}" for i in range(n)])
        df.insert(0, "respondent_id", [f"R{year}-{i:05d}" for i in range(n)])
        rows.append(df)
    return pd.concat(rows, ignore_index=True)


def _ctx(df: pd.DataFrame, tmp_path) -> context.ReportData:
    path = tmp_path / "responses.parquet"
    out = df.copy()
    out["business_area"] = out["business_area"].astype("object")
    io.write_responses(out, path)
    return context.load(path)


def _run(sections, ctx, tmp_path, monkeypatch) -> tuple[Recorder, list]:
    import IPython.display

    rec = Recorder()
    monkeypatch.setattr(IPython.display, "display", rec)
    pub = display.Publisher(tmp_path / "tables", "quality")
    results = []
    for s in sections:
        results.append(s(ctx, pub, *([results[-1]] if s is chapter.reliability_section and results else [])))
    return rec, results


# ---------------------------------------------------------------- feasibility checks
def test_too_few_complete_answers_for_factor_analysis():
    df = _panel(40)[_items()]
    with pytest.raises(NotComputable) as ei:
        feasibility.check_factorable(df)
    assert ei.value.code == "too_few" and ei.value.details["n"] == 40 and ei.value.details["required"] == 50
    # missing answers count: 60 rows but only 45 complete
    df = _panel(60)[_items()]
    df.iloc[:15, 3] = np.nan
    with pytest.raises(NotComputable) as ei:
        feasibility.check_factorable(df)
    assert ei.value.details["n"] == 45


def test_item_without_variation_and_singular_matrix():
    df = _panel(80)[_items()]
    flat = df.copy()
    flat[_items()[4]] = 5.0
    with pytest.raises(NotComputable) as ei:
        feasibility.check_factorable(flat)
    assert ei.value.code == "constant" and ei.value.details["items"] == [_items()[4]]
    # one principle is an exact linear function of two others: rank 25 of 26
    sing = df.copy()
    sing[_items()[0]] = sing[_items()[1]] + sing[_items()[2]]
    with pytest.raises(NotComputable) as ei:
        feasibility.check_factorable(sing)
    assert ei.value.code == "singular" and ei.value.details["p"] == 26 and ei.value.details["rank"] == 25
    assert feasibility.check_factorable(df) == 80


def test_alpha_needs_two_answered_items_enough_answers_and_variance():
    inst = instrument.load()
    two = list(inst.category_items()["organisation"])
    df = _panel(30)[two]
    one = df.copy()
    one[two[1]] = np.nan  # a category with one answered item
    with pytest.raises(NotComputable) as ei:
        feasibility.check_alpha(one)
    assert ei.value.code == "one_item" and ei.value.details == {"answered": [two[0]], "k": 2}
    with pytest.raises(NotComputable) as ei:
        feasibility.check_alpha(df.iloc[:9])
    assert ei.value.code == "too_few" and ei.value.details["required"] == feasibility.MIN_ALPHA_N
    with pytest.raises(NotComputable) as ei:
        feasibility.check_alpha(pd.DataFrame({"a": [3.0] * 12, "b": [3.0] * 12}))
    assert ei.value.code == "no_variance"
    assert feasibility.check_alpha(df) == 30


def test_reliability_table_marks_what_cannot_be_computed():
    inst = instrument.load()
    df = _panel(30)[_items()]
    org = list(inst.category_items()["organisation"])
    df[org[1]] = np.nan
    groups, levels = reliability.instrument_groups(inst.category_items(), inst.dimension_items())
    tab = reliability.reliability_table(df, groups, levels).set_index("group")
    assert tab.loc["organisation", "not_computable"] == "one_item" and np.isnan(tab.loc["organisation", "alpha"])
    assert tab.loc["instrument", "not_computable"] == "too_few"   # no complete answer on all 26
    assert tab.loc["innovation", "not_computable"] == "" and tab.loc["innovation", "alpha"] > 0.5
    assert set(tab.attrs["not_computable"]) == {g for g in tab.index if tab.loc[g, "not_computable"]}


def test_small_group_and_reason_survives_copy():
    import copy

    with pytest.raises(NotComputable) as ei:
        feasibility.check_groups({"a": 10, "b": 3}, min_n=5)
    assert ei.value.as_dict() == {"code": "small_group", "group": "b", "n": 3, "required": 5}
    again = copy.deepcopy(ei.value)
    assert again.code == "small_group" and again.details == ei.value.details
    assert feasibility.from_error(np.linalg.LinAlgError("Singular matrix")).code == "singular"


def test_careless_indices_that_cannot_be_computed():
    inst = instrument.load()
    small = _panel(30)
    flags = careless.careless_table(small, inst.category_items())
    na = flags.attrs["thresholds"]["not_computable"]
    assert na["mahad"]["code"] == "too_few" and na["mahad"]["n"] == 30 and na["mahad"]["required"] == 50
    assert flags["mahad"].isna().all() and not flags["flag_mahad"].any()
    # pure noise: no item pair correlates above .60, so psychometric synonyms do not exist
    noise = _panel(120, latent=False)
    flags = careless.careless_table(noise, inst.category_items())
    na = flags.attrs["thresholds"]["not_computable"]
    assert na == {"psychsyn": {"code": "no_pairs", "critval": 0.6}}
    assert flags["mahad"].notna().all()


# ---------------------------------------------------------------- the chapter
ALL = (chapter.introduction, chapter.careless_section, chapter.knowledge_section, chapter.efa_section,
       chapter.cfa_section, chapter.reliability_section, chapter.validity_section, chapter.invariance_section)


def test_chapter_on_too_few_answers_says_why_and_goes_on(tmp_path, monkeypatch):
    ctx = _ctx(_panel(30), tmp_path)
    rec, res = _run(ALL, ctx, tmp_path, monkeypatch)
    text = rec.text
    assert '::: {.callout-note title="Litet underlag"}' in text
    assert ("**Faktoranalysen (KMO, Bartletts test, parallellanalys och lösningen med 6 faktorer) kan inte beräknas "
            "på dessa data:** underlaget har 30 fullständiga svar på de 26 påståendena, och minst 50 behövs.") in text
    assert "**Den bekräftande faktoranalysen kan inte beräknas på dessa data:**" in text
    assert "**Mahalanobis D² kan inte beräknas på dessa data**" in text
    efa, cfa, rel = res[3], res[4], res[5]
    assert efa["not_computable"]["code"] == "too_few" and cfa["fit"] is None
    assert rel["table"]["not_computable"].eq("").all()  # 30 complete answers are enough for alpha
    verdicts = chapter.summary_section(ctx, display.Publisher(None, "quality"), *res[1:])
    status = {v["claim"]: v["status"] for v in verdicts}
    assert status[chapter.CLAIMS["fit"]] == "na" and status[chapter.CLAIMS["ave"]] == "na"
    assert "**Kan inte prövas**: RMSEA och SRMR under 0,04. Här: underlaget har 30 fullständiga svar" in rec.text
    assert "kan inte prövas på dessa data, så" in rec.text
    assert not list((tmp_path / "tables").rglob("tbl-quality-efa.csv"))


def test_chapter_on_a_singular_correlation_matrix(tmp_path, monkeypatch):
    df = _panel(120)
    items = _items()
    df[items[0]] = df[items[1]]  # two principles answered identically by everyone
    ctx = _ctx(df, tmp_path)
    rec, res = _run((chapter.efa_section, chapter.cfa_section), ctx, tmp_path, monkeypatch)
    assert res[0]["not_computable"] == {"code": "singular", "p": 26, "rank": 25, "n": 120}
    assert "korrelationsmatrisen för de 26 påståendena är singulär (rang 25)" in rec.text


def test_chapter_with_one_answered_item_in_a_category_and_one_group(tmp_path, monkeypatch):
    inst = instrument.load()
    df = _panel(80, involved_share=1.0)   # everybody involved: no comparison group
    org = list(inst.category_items()["organisation"])
    df[org[1]] = np.nan
    ctx = _ctx(df, tmp_path)
    rec, res = _run((chapter.cfa_section, chapter.reliability_section, chapter.validity_section), ctx, tmp_path,
                    monkeypatch)
    rel, val = res[1], res[2]
    assert rel["not_computable"]["organisation"]["code"] == "one_item"
    assert ("Alfa kan inte beräknas för kategorin organisation (bara en av gruppens 2 principer har svar, och alfa "
            "kräver minst två).") in rec.text
    assert "Hur alfa ändras om en princip tas bort kan inte visas" in rec.text
    assert val["not_computable"]["code"] == "small_group" and val["not_computable"]["n"] == 0
    assert "**Jämförelsen kan inte beräknas på dessa data:** gruppen ej involverade" in rec.text
    assert "| Organisation | Kategori | 2 | 0 | – |" in "\n".join(rec.tables)


def test_shipped_example_file_through_the_chapter(tmp_path, monkeypatch):
    ctx = context.load(EXAMPLE)
    rec, res = _run(ALL, ctx, tmp_path, monkeypatch)
    chapter.summary_section(ctx, display.Publisher(tmp_path / "tables", "quality"), *res[1:])
    text = rec.text
    assert "underlaget har 6 fullständiga svar på de 26 påståendena, och minst 50 behövs" in text
    assert "Alfa kan inte beräknas för hela instrumentet" in text
    assert "−inf" not in text and not re.search(r"\bnan\b", text.lower())
    summary = pd.read_csv(tmp_path / "tables" / "quality" / "quality-summary.csv")
    assert (summary["status"] == "na").sum() == 2


@pytest.mark.slow
def test_shipped_example_file_builds_end_to_end(tmp_path):
    from dimios import build

    out = tmp_path / "report"
    index = build.build(build.BuildOptions(data=EXAMPLE, out=out, quarto=None, command_line="pytest"))
    assert index.exists()
    html = (out / "_book" / "quality.html").read_text(encoding="utf-8")
    assert "kan inte beräknas på dessa data" in html
    rel = pd.read_csv(out / "tables" / "quality" / "tbl-quality-reliability.csv")
    assert rel.set_index("group").loc["instrument", "not_computable"] == "too_few"


def test_invariance_leaves_out_a_year_with_a_singular_matrix(tmp_path, monkeypatch):
    df = _panel(60, years=(2022, 2023, 2024))
    items = _items()
    in_2023 = df["year"] == 2023
    df.loc[in_2023, items[5]] = df.loc[in_2023, items[6]]   # identical answers in 2023 only
    ctx = _ctx(df, tmp_path)
    rec, res = _run((chapter.invariance_section,), ctx, tmp_path, monkeypatch)
    assert set(res[0]["unusable_years"]) == {2023} and res[0]["unusable_years"][2023]["code"] == "singular"
    assert list(res[0]["groups"]["year"]) == [2022, 2024]
    assert "Inte heller 2023 (korrelationsmatrisen för de 26 påståendena är singulär (rang 25)" in rec.text
    # with only two years and one of them singular, the test cannot be run at all
    ctx = _ctx(df[df["year"] != 2024], tmp_path)
    rec, res = _run((chapter.invariance_section,), ctx, tmp_path, monkeypatch)
    assert res[0]["table"] is None
    assert ("Invarians mellan år kan inte prövas: färre än två år har minst 50 fullständiga svar och en "
            "korrelationsmatris som går att invertera (2023: korrelationsmatrisen") in rec.text
