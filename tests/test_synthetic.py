"""The default synthetic panel against the published figures (issue: calibration)."""

import pandas as pd
import pytest

from dimios import instrument, paths, reference, scoring, spread, synthetic
from dimios.synthetic import draw, files


@pytest.fixture(scope="module")
def org_scores(default_panel):
    return scoring.organisation_scores(default_panel.responses)


def test_spread_reproduces_every_published_cell(org_scores):
    # reference: data/reference/published_spread_2020_2023.csv (copy of the report's Tabell 1.1-26.1)
    cmp = spread.compare(spread.spread_table(org_scores), spread.read_published(paths.PUBLISHED_SPREAD))
    assert len(cmp) == 416
    assert cmp.difference.abs().max() <= 1
    assert (cmp.difference == 0).mean() >= 0.95
    assert (cmp.difference == 0).all()  # the generator is exact; keep it so


def test_organisation_counts_per_year(org_scores):
    per_year = org_scores.groupby(level="year").size().to_dict()
    assert per_year == {int(k): v for k, v in synthetic.params()["organisations_per_year"].items()}


def test_counts_are_consistent_with_published_percentages():
    # 32 is the smallest 2020 count consistent with every published 2020 row (reference README)
    pub = synthetic.published_spread()
    rows_2020 = pub[pub.year == 2020]
    pcts = [[int(0 if pd.isna(v) else v) for v in r] for r in rows_2020[spread.LEVEL_PCT_COLUMNS].values]
    assert min(n for n in range(10, 40) if all(synthetic.level_counts_for(p, n) for p in pcts)) == 32


def test_trend_classes_match_publication(org_scores, inst):
    means = org_scores.groupby(level="year")[list(inst.principle_ids)].mean()
    change = means.loc[2023] - means.loc[2020]
    thr = inst.scoring.trend_threshold
    for pid in inst.principle_ids:
        got = "negative" if change[pid] < -thr else "positive" if change[pid] > thr else "stable"
        assert got == synthetic.published_trend_class(pid), (pid, change[pid])
    assert sum(synthetic.published_trend_class(p) == "negative" for p in inst.principle_ids) == 5
    assert sum(synthetic.published_trend_class(p) == "stable" for p in inst.principle_ids) == 7


def _alpha(df):
    k = df.shape[1]
    return k / (k - 1) * (1 - df.var(ddof=1).sum() / df.sum(axis=1).var(ddof=1))


def test_reliability_as_published(default_panel, inst):
    # published (report 2.5): Cronbach's alpha above .9 for the instrument and each dimension
    items = default_panel.responses[list(inst.principle_ids)].dropna()
    assert _alpha(items) > 0.9
    for dim in inst.dimensions:
        assert _alpha(items[list(inst.principles_in(dim.id))]) > 0.9, dim.id


def test_panel_overlap(default_panel):
    years = default_panel.responses.groupby("organisation_id")["year"].nunique()
    assert (years >= 2).mean() > 0.4  # many organisations measured more than once
    assert (years == 4).sum() >= 5  # some every year
    assert (years == 1).sum() >= 10  # some once


def test_totals_exceed_the_published_ones(default_panel):
    # published (report 2.4): more than 400 organisations and more than 25 000 respondents
    r = default_panel.responses
    totals = reference.facts()["totals"]
    assert r["organisation_id"].nunique() > totals["organisations_more_than"]
    assert len(r) > totals["respondents_more_than"]
    assert r["organisation_id"].nunique() == synthetic.params()["organisations_total"]


def test_yearly_counts_are_the_minimal_ones():
    assert synthetic.minimal_organisation_counts() == {
        int(k): v for k, v in synthetic.params()["organisations_per_year"].items()}


def test_participation_places_every_organisation():
    import numpy as np

    n_year = {2020: 3, 2021: 5, 2022: 4}
    part = draw._participation(np.random.default_rng(1), {"stay_probability": 0.9}, [2020, 2021, 2022], n_year, 10)
    assert part.sum(axis=0).tolist() == [3, 5, 4]
    assert part.any(axis=1).all()
    with pytest.raises(ValueError, match="do not fit"):
        draw._participation(np.random.default_rng(1), {"stay_probability": 0.9}, [2020, 2021], {2020: 2, 2021: 2}, 5)


def test_careless_respondents_capped_per_organisation(default_panel):
    r, truth = default_panel.responses, default_panel.truth
    flagged = r["respondent_id"].isin(truth["respondent_id"])
    per_org = flagged.groupby([r["organisation_id"], r["year"]]).agg(["sum", "size"])
    cap = synthetic.params()["careless"]["max_share_per_organisation"]
    assert (per_org["sum"] <= (per_org["size"] * cap).astype(int)).all()


def test_another_seed_is_exact_too():
    # seed 7 needs the repair's fallback (restoring "vet ej" answers) and its level check
    panel = synthetic.generate(seed=7)
    org = scoring.organisation_scores(panel.responses)
    cmp = spread.compare(spread.spread_table(org), spread.read_published(paths.PUBLISHED_SPREAD))
    assert len(cmp) == 416 and (cmp.difference == 0).all()


def test_careless_share_and_ground_truth_is_separate(default_panel):
    r, truth = default_panel.responses, default_panel.truth
    share = len(truth) / len(r)
    assert 0.01 <= share <= 0.06
    assert "careless" not in " ".join(r.columns)
    assert set(truth["careless_type"]) == {"straightline", "random", "alternating"}
    sl = r[r.respondent_id.isin(truth.respondent_id[truth.careless_type == "straightline"])]
    assert (sl[list(instrument.load().principle_ids)].nunique(axis=1) == 1).all()


def test_vet_ej_pattern(default_panel, inst):
    r = default_panel.responses
    items = r[list(inst.principle_ids)]
    missing = items.isna()
    assert items.notna().all(axis=1).mean() > 0.5  # most answer everything
    by_involved = missing.mean(axis=1).groupby(r["involved"]).mean()
    assert by_involved[False] > 1.5 * by_involved[True]
    per_item = missing.mean()
    assert per_item["oppna_data"] > 2 * per_item["portfoljstyrning"]


def test_involved_answer_differently(default_panel, inst):
    r = default_panel.responses
    form = r[list(inst.principles_in("digital_formaga"))].mean(axis=1)
    diff = form[r.involved].mean() - form[~r.involved].mean()
    assert diff > 0.1


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "c.parquet"
    synthetic.write_panel(a, scale=0.3)
    synthetic.write_panel(b, scale=0.3)
    synthetic.write_panel(c, seed=7, scale=0.3)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert synthetic.truth_path_for(a).read_bytes() == synthetic.truth_path_for(b).read_bytes()


def test_default_panel_is_regenerated_when_the_generator_changes(tmp_path, monkeypatch):
    target = tmp_path / "default" / "panel.parquet"
    monkeypatch.setattr(files, "default_panel_path", lambda: target)
    calls = []
    monkeypatch.setattr(files, "write_panel", lambda path: (calls.append(path), path.parent.mkdir(
        parents=True, exist_ok=True), path.write_bytes(b"x")))
    synthetic.ensure_default_panel()
    synthetic.ensure_default_panel()
    assert len(calls) == 1  # second call: up to date
    monkeypatch.setattr(files, "generator_fingerprint", lambda: "another generator")
    synthetic.ensure_default_panel()
    assert len(calls) == 2


def test_generator_fingerprint_covers_every_module_of_the_generator(tmp_path, monkeypatch):
    """The default panel is made again when any module of ``dimios/synthetic/`` changes (the generator
    is a package: a module left out of the fingerprint would leave a stale panel in use)."""
    import shutil

    from dimios import panel_stamp

    real = panel_stamp.generator_fingerprint()
    here = tmp_path / "dimios"
    shutil.copytree(paths.ROOT / "dimios" / "synthetic", here / "synthetic",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("synthetic.yml", "instrument.yml"):
        shutil.copy(paths.ROOT / "dimios" / name, here / name)
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    assert panel_stamp.generator_fingerprint() == real  # the copy is the same generator
    modules = sorted((here / "synthetic").glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "calibration.py", "draw.py", "careless.py", "repair.py"}
    for module in modules:
        text = module.read_text(encoding="utf-8")
        module.write_text(text + "\n# changed\n", encoding="utf-8")
        assert panel_stamp.generator_fingerprint() != real, module.name
        module.write_text(text, encoding="utf-8")
