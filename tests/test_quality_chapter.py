"""The quality chapter (report 2.5) on the default synthetic panel.

The chapter is built twice through ``context.load`` (with and without the careless
respondents) with the real ``Publisher``; IPython's ``display`` is replaced by a
recorder, so the test sees exactly the prose and tables a notebook would show and the
CSV/PNG files it would write. Thresholds are the published claims of section 2.5; the
recovery floors are set below the values measured on the default panel (recall .769,
precision .899, straight-liners 100 %).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dimios import context, display, io
from dimios.chapters import quality as chapter

SECTIONS = ("careless", "knowledge", "efa", "cfa", "reliability", "validity", "invariance")


class Recorder:
    """Stands in for IPython.display.display: keeps markdown text and shown tables."""

    def __init__(self):
        self.markdown: list[str] = []
        self.tables: list[str] = []
        self.figures: list[str] = []

    def __call__(self, obj, raw=False, **kw):
        md = obj.get("text/markdown", "") if isinstance(obj, dict) else getattr(obj, "data", str(obj))
        if md.startswith("!["):
            self.figures.append(md)
        elif "{#tbl-" in md:
            self.tables.append(md)
        else:
            self.markdown.append(md)

    @property
    def text(self) -> str:
        return "\n\n".join(self.markdown)


def _build(data, truth, out_dir, exclude: bool) -> dict:
    import IPython.display

    rec = Recorder()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(IPython.display, "display", rec)
        ctx = context.load(data, exclude_careless=exclude)
        pub = display.Publisher(out_dir, "quality")
        res = {"ctx": ctx, "rec": rec, "intro": chapter.introduction(ctx, pub),
               "careless": chapter.careless_section(ctx, pub, truth=truth),
               "knowledge": chapter.knowledge_section(ctx, pub),
               "efa": chapter.efa_section(ctx, pub),
               "cfa": chapter.cfa_section(ctx, pub)}
        res["reliability"] = chapter.reliability_section(ctx, pub, res["cfa"])
        res["validity"] = chapter.validity_section(ctx, pub)
        res["invariance"] = chapter.invariance_section(ctx, pub)
        res["verdicts"] = chapter.summary_section(ctx, pub, *(res[s] for s in SECTIONS))
    res["dir"] = out_dir / "quality"
    return res


@pytest.fixture(scope="module")
def files(default_panel, tmp_path_factory):
    base = tmp_path_factory.mktemp("quality")
    data = base / "panel.parquet"
    io.write_responses(default_panel.responses, data)
    truth = base / "panel.careless_truth.csv"
    default_panel.truth.to_csv(truth, index=False, lineterminator="\n")
    return base, data, truth


@pytest.fixture(scope="module")
def built(files):
    base, data, truth = files
    return _build(data, truth, base / "all", exclude=False)


@pytest.fixture(scope="module")
def built_excluded(files):
    base, data, truth = files
    return _build(data, truth, base / "excl", exclude=True)


# ---------------------------------------------------------------- published claims on the default panel
def test_alpha_above_09_overall_and_per_dimension(built):
    rel = built["reliability"]["table"].set_index("group")
    top = rel[rel["level"].isin(["instrument", "dimension"])]
    assert len(top) == 3
    assert (top["alpha"] > 0.9).all(), top["alpha"]
    assert (top["ci_low"] > 0.9).all()
    # the prose states the computed value and the verdict
    assert f"För hela instrumentet är alfa {chapter._f(top.loc['instrument', 'alpha'])}" in built["rec"].text
    assert "Alla tre ligger över 0,9" in built["rec"].text


def test_cfa_category_model_fits_below_published_thresholds(built):
    fit = built["cfa"]["fit"]
    assert fit["converged"].all()
    b = fit.loc["b_categories"]
    assert b["rmsea"] < 0.04 and b["srmr"] < 0.04
    assert b["rmsea_ci_low"] <= b["rmsea"] <= b["rmsea_ci_high"]
    assert fit.loc["c_second_order", "rmsea"] < 0.04 and fit.loc["c_second_order", "srmr"] < 0.04


def test_two_dimension_model_is_flagged_when_outside_thresholds(built):
    # model (a) does not reach the published fit on the default panel: text, table and summary must say so
    a = built["cfa"]["fit"].loc["a_dimensions"]
    assert a["rmsea"] >= 0.04
    assert "**RMSEA" in built["rec"].text
    fit_table = next(t for t in built["rec"].tables if "tbl-quality-quality-cfa-fit" in t)
    assert "≥ 0,04**" in fit_table.split("\n")[2]  # first data row = model (a)
    fit_verdict = next(v for v in built["verdicts"] if v["claim"] == chapter.CLAIMS["fit"])
    assert fit_verdict["status"] == "partly"


def test_ave_within_published_range(built):
    rel = built["reliability"]["table"].set_index("group")
    cats = rel[rel["level"] == "category"]
    assert len(cats) == 6
    assert cats["ave"].between(0.5, 0.75).all(), cats["ave"]
    assert rel[rel["level"] == "dimension"]["ave"].between(0.5, 0.75).all()
    assert built["reliability"]["ave_bad"] == []


def test_ave_is_a_range_beside_the_published_range_not_a_verdict(built):
    aves = built["reliability"]["table"].dropna(subset=["ave"])["ave"]
    text = built["rec"].text
    assert (f"AVE ligger här mellan {chapter._f(aves.min())} och {chapter._f(aves.max())}. I den publicerade "
            "rapporten låg AVE mellan 0,51 och 0,75") in text
    ave = next(v for v in built["verdicts"] if v["claim"] == chapter.CLAIMS["ave"])
    assert ave["status"] == "range"
    summary = text[text.index("## Sammanfattning"):]
    assert f"- Jämförelse: {chapter.CLAIMS['ave']}" in summary
    table = next(t for t in built["rec"].tables if "tbl-quality-quality-reliability" in t)
    assert "AVE inom" not in table and "AVE utanför" not in table


def test_omega_is_said_to_be_the_standardized_omega_where_it_is_named(built):
    text = built["rec"].text
    first = text.index("omega")
    assert text[first - len("McDonalds "):].startswith(chapter.OMEGA_SV)
    assert "standardiserade laddningarna" in chapter.OMEGA_SV and "semTools" in chapter.OMEGA_SV
    table = next(t for t in built["rec"].tables if "tbl-quality-quality-reliability" in t)
    assert "omega (standardiserad)" in table


def test_on_the_synthetic_panel_the_checks_speak_of_the_method(built):
    """The panel is drawn from the model the checks test: no confirmation of DiMiOS."""
    assert built["ctx"].default_panel
    text = built["rec"].text
    assert "**På den syntetiska panelen prövar kapitlet metoden, inte DiMiOS.**" in text
    assert "Stämmer" not in text and "i linje med den publicerade rapporten" not in text
    assert "verklig förändring" not in text
    summary = text[text.index("## Sammanfattning"):]
    assert "prov på metoden, inte en bekräftelse av DiMiOS" in summary
    claims = [v for v in built["verdicts"] if v["status"] != "range"]
    n_ok = sum(v["status"] == "ok" for v in claims)
    assert f"av de {len(claims)} egenskaper som den publicerade rapporten anger återfinns {n_ok} i panelen." in summary
    statuses = {v["status"] for v in built["verdicts"]}
    for status in statuses:
        assert chapter.STATUS_SYNTHETIC_SV[status] in summary


def test_on_own_data_the_checks_speak_of_dimios(built, tmp_path):
    """The same results on data that is not the default panel: the published claims are judged."""
    import dataclasses

    import IPython.display

    own = dataclasses.replace(built["ctx"])
    own.default_panel = False  # the flag of the user's own data (a cached property: set on the copy)
    rec = Recorder()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(IPython.display, "display", rec)
        pub = display.Publisher(tmp_path, "quality")
        chapter.introduction(own, pub)
        inv = chapter.invariance_section(own, pub)
        rel = chapter.reliability_section(own, pub, built["cfa"])
        chapter.summary_section(own, pub, built["careless"], rel, inv)
    assert "prövar kapitlet metoden" not in rec.text
    assert "Alla tre ligger över 0,9, i linje med den publicerade rapporten." in rec.text
    if inv["scalar_ok"]:
        assert "kan därför tolkas som verklig förändring i mognad" in rec.text
    summary = rec.text[rec.text.index("## Sammanfattning"):]
    assert "- Stämmer: " + chapter.CLAIMS["alpha"] in summary and "Återfinns" not in summary


def test_careless_share_is_a_few_percent(built):
    res = built["careless"]
    assert 0.01 <= res["share"] <= 0.06
    by_year = res["by_year"]
    assert by_year["share_careless"].between(0.01, 0.06).all()
    assert int(by_year["n"].sum()) == res["n"] == len(built["ctx"].responses)


def test_vote_recovers_planted_careless_respondents(built):
    rec = built["careless"]["recovery"]
    vote = rec.loc["careless"]
    assert vote["recall"] >= 0.70 and vote["precision"] >= 0.85
    # the vote beats every single index on F1 (the reason for the >= 3 rule)
    assert vote["f1"] > rec.drop(index="careless")["f1"].max()
    by_type = built["careless"]["recovery_by_type"]
    assert by_type.loc["straightline", "mean"] >= 0.95
    assert "Kontroll av metoden på syntetiska data" in built["rec"].text


def test_knowledge_and_validity_and_invariance(built):
    kn = built["knowledge"]
    assert (kn["complete"]["share_complete"] > 0.5).all()
    names = [chapter._name(p) for p in kn["top"].index]
    assert all(n in built["rec"].text for n in names)  # the principles with most gaps are named
    kg = built["validity"]["table"]
    assert set(kg.index) == {"digital_formaga", "digitalt_arv"} and all(built["validity"]["apart"].values())
    inv = built["invariance"]["table"]
    assert list(inv["step"]) == ["configural", "metric", "scalar"] and inv["converged"].all()
    assert built["invariance"]["level"] in ("skalär", "metrisk", "konfigural")
    assert f"**{built['invariance']['level']} invarians**" in built["rec"].text


def test_outputs_tables_figures_and_deterministic_csv(built):
    out = built["dir"]
    for name in ("careless", "careless-rules", "careless-recovery", "knowledge", "complete", "parallel", "efa",
                 "cfa-fit", "cfa-loadings", "reliability", "alpha-if-deleted", "known-groups", "invariance"):
        assert (out / f"tbl-quality-{name}.csv").exists(), name
    assert (out / "fig-quality-careless.png").exists() and (out / "fig-quality-knowledge.png").exists()
    for f in out.glob("tbl-*.csv"):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"\d\.\d{7,}", text), f"unrounded float in {f.name}"
    assert all('fig-alt="' in fig for fig in built["rec"].figures)
    # seeded parallel analysis: same seed -> same table
    pa = pd.read_csv(out / "tbl-quality-parallel.csv")
    assert np.isclose(pa["random_pca"].iloc[0], round(built["efa"]["parallel"].table["random_pca"].iloc[0], 6))


def test_summary_lists_every_claim(built):
    claims = {v["claim"] for v in built["verdicts"]}
    assert set(chapter.CLAIMS.values()) <= claims
    assert "## Sammanfattning" in built["rec"].text


# ---------------------------------------------------------------- build modes
def test_excluding_careless_gives_fewer_respondents_and_another_mode(built, built_excluded):
    all_ctx, ex_ctx = built["ctx"], built_excluded["ctx"]
    n_careless = built["careless"]["n_careless"]
    assert n_careless > 0
    assert built_excluded["intro"]["n"] == built["intro"]["n"] - n_careless < built["intro"]["n"]
    assert built_excluded["intro"]["mode"] != built["intro"]["mode"]
    assert all_ctx.mode_sv in built["rec"].text and ex_ctx.mode_sv in built_excluded["rec"].text
    assert "återstående" in built_excluded["rec"].text and "återstående" not in built["rec"].text
    # the careless section still describes the assessment of all respondents
    assert built_excluded["careless"]["n"] == built["careless"]["n"]
    assert built_excluded["careless"]["n_careless"] == ex_ctx.n_careless_excluded == n_careless
    # and the statistics use the remaining data
    n_fit = built_excluded["cfa"]["fit"]["n"].iloc[0]
    assert n_fit < built["cfa"]["fit"]["n"].iloc[0]


# ---------------------------------------------------------------- helpers
def test_threshold_helpers():
    assert chapter._fit_ok(0.039, 0.02) and not chapter._fit_ok(0.04, 0.02) and not chapter._fit_ok(0.03, 0.041)
    assert chapter._ave_ok(0.51) and chapter._ave_ok(0.75) and not chapter._ave_ok(0.50) and not chapter._ave_ok(0.76)
    assert chapter._signed(-0.0002) == "0,000" and chapter._signed(0.0071) == "+0,007"
    assert chapter._p(1e-9) == "p < 0,001" and chapter._p(0.0421) == "p = 0,042"
    assert chapter._effect_label(0.199) == "liten" and chapter._effect_label(-0.08) == "försumbar"
