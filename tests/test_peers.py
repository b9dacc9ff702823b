"""Peer comparison of the organisation report (issue 23): statistics, the privacy rule, fallbacks and
the shipped synthetic figures by type.

The test panels are built so that each property holds by design: the group sizes decide which
group is shown, and every organisation's scores are distinct (checked), so a leak found by the
difference checker is a real one.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios import display, instrument, io, ladders, scoring
from dimios import organisation as org
from dimios import peers as pe
from dimios.chapters import peers as chapter

PIDS = list(instrument.load().principle_ids)
M = pe.min_organisations()
K = instrument.load().scoring.privacy_threshold


# ------------------------------------------------------------------ panels built by design
def make_panel(spec: list[tuple[str, str, int, str | None]], year: int = 2023) -> pd.DataFrame:
    """Responses for (organisation id, type, respondents, peer_group). With a prime number of
    respondents and an answer sum that it does not divide, every principle mean of an organisation
    has that prime as denominator, so organisations with different primes never share a score."""
    rows = []
    for i, (oid, otype, n, group) in enumerate(spec):
        answers = np.random.default_rng(1000 + i).integers(1, 8, size=(n, len(PIDS))).astype(float)
        for j in range(len(PIDS)):
            if answers[:, j].sum() % n == 0:
                answers[0, j] += 1 if answers[0, j] < 7 else -1
        for r in range(n):
            row = {"respondent_id": f"{oid}-R{r:02d}", "organisation_id": oid, "organisation_type": otype,
                   "year": year, "involved": True, "business_area": np.nan, "peer_group": group}
            row.update(dict(zip(PIDS, answers[r])))
            rows.append(row)
    df = pd.DataFrame(rows)
    df["organisation_type"] = pd.Categorical(df["organisation_type"], categories=["kommun", "region", "myndighet"])
    return df


def write_panel(df: pd.DataFrame, path: Path) -> Path:
    io.write_responses(df, path)
    return path


# own kommun; six other kommuner (five in the own peer group "A"); one region:
# every narrower group differs from the wider one by fewer than M organisations
PRIMES = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67]
TRAP = ([("K00", "kommun", 7, "A")] + [(f"K0{i}", "kommun", PRIMES[i], "A") for i in range(1, 6)]
        + [("K06", "kommun", 29, "B"), ("R01", "region", 31, None)])
# own kommun; seven other kommuner (five in "A"), five regions: the type is shown, the group is not
NESTED = ([("K00", "kommun", 7, "A")] + [(f"K0{i}", "kommun", PRIMES[i], "A") for i in range(1, 6)]
          + [("K06", "kommun", 29, "B"), ("K07", "kommun", 31, "B")]
          + [(f"R0{i}", "region", PRIMES[7 + i], None) for i in range(1, 6)])


def _distinct_scores(df: pd.DataFrame) -> pd.DataFrame:
    sc = scoring.organisation_scores(df)
    vals = pd.concat([sc[PIDS], scoring.group_scores(sc)], axis=1).round(4)
    for c in vals.columns:        # the design gives each organisation its own value on every measure
        assert vals[c].nunique() == len(vals), c
    return sc


# ------------------------------------------------------------------ statistics
def test_percentile_is_the_mid_rank():
    assert pe.percentile_midrank(50.0, [10, 20, 50, 60]) == pytest.approx(100 * (2 + 0.5) / 4)
    assert pe.percentile_midrank(5.0, [10, 20]) == 0.0
    assert pe.percentile_midrank(99.0, [10, 20]) == 100.0
    assert np.isnan(pe.percentile_midrank(50.0, []))
    assert np.isnan(pe.percentile_midrank(np.nan, [1.0]))


def test_bins_levels_and_percentile_from_bins():
    v = [0.0, 12.4, 12.5, 49.9, 50.0, 100.0]
    assert pe.bin_shares(v).tolist() == pytest.approx([200 / 6, 100 / 6, 0, 100 / 6, 100 / 6, 0, 0, 100 / 6])
    assert pe.level_shares(v).tolist() == pytest.approx([300 / 6, 100 / 6, 100 / 6, 100 / 6])
    shares = np.array([0, 0, 0, 50, 50, 0, 0, 0], dtype=float)    # half in 37.5-50, half in 50-62.5
    assert pe.percentile_from_bins(50.0, shares) == pytest.approx(50.0)
    assert pe.percentile_from_bins(43.75, shares) == pytest.approx(25.0)
    assert np.isnan(pe.percentile_from_bins(50.0, np.full(8, np.nan)))


def test_own_standard_error_of_a_principle_is_sd_over_root_n():
    x = pd.DataFrame({"a": [0.0, 50.0, 100.0, 50.0, np.nan]})
    score, se, n = pe.own_estimate(x, min_valid=3)
    vals = np.array([0.0, 50.0, 100.0, 50.0])
    assert (score, n) == (50.0, 4)
    assert se == pytest.approx(vals.std(ddof=1) / np.sqrt(4))
    assert np.isnan(pe.own_estimate(pd.DataFrame({"a": [10.0, np.nan]}), min_valid=3)[0])


def test_own_standard_error_of_a_dimension_without_gaps_is_that_of_the_respondent_means():
    rng_free = np.array([[10, 20, 30], [40, 40, 10], [90, 60, 30], [0, 0, 100], [50, 50, 50]], dtype=float)
    score, se, n = pe.own_estimate(pd.DataFrame(rng_free), min_valid=3)
    means = rng_free.mean(axis=1)
    assert score == pytest.approx(rng_free.mean()) and n == 5
    assert se == pytest.approx(means.std(ddof=1) / np.sqrt(5))


def test_interval_and_verdict():
    lo, hi = pe.interval(50.0, 2.0, 11)
    from scipy import stats

    t = stats.t.ppf(0.975, 10)
    assert (lo, hi) == pytest.approx((50 - 2 * t, 50 + 2 * t))
    assert pe.verdict(lo, hi, 40.0) == "above" and pe.verdict(lo, hi, 60.0) == "below"
    assert pe.verdict(lo, hi, 50 + 2 * t - 0.01) == "within"      # inside the noise: not a difference
    assert pe.verdict(np.nan, hi, 40.0) == "" and np.isnan(pe.interval(50.0, np.nan, 11)[0])


# ------------------------------------------------------------------ the privacy rule
def test_chain_rule():
    a = frozenset(range(12))
    assert [x.shown for x in pe.chain_rule([a, frozenset(range(7)), frozenset(range(5))], 5)] == [True, True, False]
    d = pe.chain_rule([a, frozenset(range(11))], 5, widest_shown=True)
    assert d[1] == pe.Decision(False, "difference", 1)
    d = pe.chain_rule([a, None, frozenset(range(4))], 5, widest_shown=True)
    assert d[1].reason == "missing" and d[2] == pe.Decision(False, "too_few", 4)
    d = pe.chain_rule([a, a, frozenset(range(7))], 5, widest_shown=True)
    assert d[1].reason == "same" and d[2] == pe.Decision(True, "", 7)
    # a hidden group does not bound the narrower ones: they are checked against the last shown group
    d = pe.chain_rule([a, frozenset(range(11)), frozenset(range(6))], 5, widest_shown=True)
    assert [x.shown for x in d] == [True, False, True]


def test_trap_panel_shows_no_narrower_group_and_says_why(capsys):
    df = make_panel(TRAP)
    sc = _distinct_scores(df)
    pc = pe.compare_data(df, sc, "K00", [2023], K, national_shown=True)
    g = pc.groups.set_index("level")
    assert g.loc["national", "shown"] and g.loc["national", "n_organisations"] == 7
    assert g.loc["type", "reason"] == "difference" and g.loc["type", "number"] == 1
    assert g.loc["peer_group", "reason"] == "difference" and g.loc["peer_group", "number"] == 2
    assert pc.primary_level(2023) is None and pc.next_steps.empty
    shown = pc.table[pc.table["shown"]]
    assert set(shown["level"]) == {"national"}


def test_a_type_with_too_few_other_organisations_falls_back_with_a_sentence(tmp_path, capsys):
    spec = ([("R00", "region", 8, None), ("R01", "region", 6, None), ("R02", "region", 9, None),
             ("R03", "region", 4, None)]                                  # R03: fewer than k respondents
            + [(f"K{i:02d}", "kommun", 5 + i, None) for i in range(1, 8)])
    df = make_panel(spec)
    path = write_panel(df, tmp_path / "p.parquet")
    rep = org.load(path, organisation="R00")
    assert rep.reference.kind == "data"
    g = rep.peers.groups.set_index("level")
    assert g.loc["type", "reason"] == "too_few" and g.loc["type", "n_organisations"] == 2
    pub = display.Publisher(tmp_path / "out", "peers")
    chapter.intro(rep, pub)
    chapter.positions(rep, pub)
    chapter.next_steps(rep, pub)
    text = capsys.readouterr().out
    assert ("2023: Andra regioner visas inte. Gruppen har bara 2 andra organisationer med minst 5 svar; det krävs "
            f"minst {M}") in text
    assert "Jämförelsen görs i stället med alla andra organisationer i datafilen." in text
    groups = pd.read_csv(tmp_path / "out" / "peers" / "tbl-groups.csv")
    assert groups[groups["level"] == "type"][["n_organisations", "shown", "reason"]].values.tolist() == [
        [2, False, "too_few"]]
    assert "| 2023 | Andra regioner | 2 | nej |" in text
    assert "Utan en grupp av liknande organisationer tas ingen prioriterad lista fram" in text


def test_peer_group_hidden_when_it_differs_from_the_type_by_too_few(tmp_path):
    df = make_panel(NESTED)
    sc = _distinct_scores(df)
    pc = pe.compare_data(df, sc, "K00", [2023], K, national_shown=True)
    g = pc.groups.set_index("level")
    assert g.loc["type", "shown"] and g.loc["type", "n_organisations"] == 7
    assert g.loc["peer_group", "reason"] == "difference" and g.loc["peer_group", "number"] == 2
    assert pc.primary_level(2023) == "type"
    # the organisation's own scores are those of the rest of the report
    own = pd.concat([sc[PIDS], scoring.group_scores(sc)], axis=1).loc[("K00", 2023)]
    t = pc.rows(2023, "type")
    for meas in pe.measures():
        assert t.loc[meas, "score_pct"] == pytest.approx(own[meas]), meas
        assert t.loc[meas, "low_pct"] < t.loc[meas, "score_pct"] < t.loc[meas, "high_pct"]
    # with two more organisations in group B the group differs from the type by M: both are shown
    df2 = make_panel(NESTED + [("K08", "kommun", 10, "B"), ("K09", "kommun", 11, "B"), ("K10", "kommun", 6, "B")])
    pc2 = pe.compare_data(df2, scoring.organisation_scores(df2), "K00", [2023], K, national_shown=True)
    g2 = pc2.groups.set_index("level")
    assert g2.loc["peer_group", "shown"] and g2.loc["peer_group", "n_organisations"] == 5
    assert pc2.primary_level(2023) == "peer_group"
    r = pc2.rows(2023, "peer_group").loc["overall"]
    members = [f"K0{i}" for i in range(1, 6)]
    overall = scoring.group_scores(scoring.organisation_scores(df2))["overall"].xs(2023, level="year")
    assert r["peer_mean_pct"] == pytest.approx(overall[members].mean())
    assert r["percentile"] == pytest.approx(pe.percentile_midrank(overall["K00"], overall[members]))


def test_a_principle_is_hidden_when_its_own_organisations_differ_by_too_few():
    df = make_panel(NESTED)
    df.loc[df["organisation_id"] == "R01", "skalning"] = np.nan     # R01 has no skalning score
    for oid in ("R02", "R03"):                                       # R02, R03: fewer than 3 answers
        idx = df.index[df["organisation_id"] == oid][2:]
        df.loc[idx, "skalning"] = np.nan
    pc = pe.compare_data(df, scoring.organisation_scores(df), "K00", [2023], K, national_shown=True)
    t = pc.rows(2023, "type")
    # kommuner 7 of 9 others with a value on skalning: the other 2 regions would be revealed
    assert not t.loc["skalning", "shown"] and t.loc["skalning", "reason"] == "measure_difference"
    assert t.loc["rykte", "shown"]


# ------------------------------------------------------------------ next steps
def test_next_steps_are_the_largest_gaps_with_the_ladder_recommendations(tmp_path, capsys):
    df = make_panel(NESTED)
    path = write_panel(df, tmp_path / "p.parquet")
    rep = org.load(path, organisation="K00")
    pc = rep.peers
    ns = pc.next_steps
    r = pc.rows(2023, "type").loc[PIDS]
    gap = (r["peer_mean_pct"] - r["score_pct"])[r["shown"]]
    expected = gap[gap > 0].sort_values(ascending=False, kind="stable").head(pe.NEXT_STEPS)
    assert list(ns["principle"]) == list(expected.index) and len(ns) >= 1
    assert ns["gap_pct"].tolist() == pytest.approx(expected.tolist())
    chapter.next_steps(rep, display.Publisher(tmp_path / "out", "peers"))
    text = capsys.readouterr().out
    first = ns.iloc[0]
    recs = ladders.level(first["principle"], int(first["own_level"]))["recommendations"]
    assert recs[0] in text
    saved = pd.read_csv(tmp_path / "out" / "peers" / "next-steps.csv")
    assert list(saved["principle"]) == list(ns["principle"])


# ------------------------------------------------------------------ one organisation: shipped figures
def test_one_organisation_file_gets_the_labelled_synthetic_fallback(tmp_path, capsys):
    df = make_panel([("K00", "kommun", 9, None)])
    df = pd.concat([df, make_panel([("K00", "kommun", 9, None)], year=2019).assign(
        respondent_id=lambda x: x["respondent_id"] + "b")])
    path = write_panel(df, tmp_path / "one.parquet")
    rep = org.load(path, organisation="auto")
    pc = rep.peers
    assert pc.source == "shipped"
    g = pc.groups.set_index(["year", "level"])
    assert g.loc[(2023, "type"), "shown"] and g.loc[(2019, "type"), "reason"] == "shipped_no_year"
    shipped = pe.read_shipped()
    row = shipped[(shipped["organisation_type"] == "kommun") & (shipped["year"] == 2023)
                  & (shipped["measure"] == "overall")].iloc[0]
    assert pc.rows(2023, "type").loc["overall", "peer_mean_pct"] == pytest.approx(row["mean_pct"])
    pub = display.Publisher(tmp_path / "out", "peers")
    for f in (chapter.intro, chapter.positions, chapter.principles_table, chapter.method):
        f(rep, pub)
    text = capsys.readouterr().out
    assert "Syntetiska jämförelsesiffror" in text and "**syntetiska** standardpanel" in text
    assert "kommuner (syntetiska siffror)" in text
    assert "De medföljande siffrorna saknar det året; någon ärlig jämförelse finns inte." in text
    assert "python -m dimios.peers" in text


def test_shipped_figures_equal_the_synthetic_panel(default_panel):
    assert pe.SHIPPED_FILE.read_bytes().decode("utf-8") == pe.shipped_csv(default_panel), (
        "data/reference/peer_reference_synthetic.csv is stale: run `python -m dimios.peers`")
    df = pe.read_shipped()
    assert set(df["source"]) == {"synthetic"} and (df["n_organisations"] >= M).all()
    assert set(df["measure"]) == set(pe.measures())
    # region 2020-2022 has fewer than M organisations in the panel: no figures
    assert df[(df["organisation_type"] == "region") & (df["year"] < 2023)].empty
    assert np.allclose(df[pe.BIN_PCT].sum(axis=1), 100, atol=0.01)


def test_write_shipped_round_trip(tmp_path, default_panel):
    path = pe.write_shipped(tmp_path / "x.csv", panel=default_panel)
    pd.testing.assert_frame_equal(pe.read_shipped(path), pe.shipped_figures_synthetic(default_panel))


# ------------------------------------------------------------------ nothing recoverable by difference
def _numbers(folder: Path) -> set[float]:
    """Every number with at least 4 decimals in any file under ``folder`` (CSV, notebooks, HTML)."""
    out: set[float] = set()
    for f in folder.rglob("*"):
        if f.is_file() and f.suffix in (".csv", ".ipynb", ".html", ".json", ".md", ".txt"):
            text = f.read_text(encoding="utf-8", errors="ignore")
            out |= {round(float(x), 4) for x in re.findall(r"-?\d+\.\d{4,}", text)}
    return out


def _candidate_groups(df: pd.DataFrame, own: str) -> dict[str, dict[int, frozenset]]:
    """Every group a report could show per year: all others, each type, each type × peer_group."""
    sc = scoring.organisation_scores(df)
    pg = pe.peer_groups_of(df).reindex(sc.index)
    groups: dict = {}
    for (oid, y), row in sc.iterrows():
        if oid == own or row["n_respondents"] < K:
            continue
        keys = ["all", f"type:{row['organisation_type']}"]
        if isinstance(pg[(oid, y)], str):
            keys.append(f"group:{row['organisation_type']}:{pg[(oid, y)]}")
        for key in keys:
            groups.setdefault((key, y), set()).add(oid)
    return {k: frozenset(v) for k, v in groups.items()}


def assert_nothing_recoverable(folder: Path, df: pd.DataFrame, own: str) -> None:
    """No other organisation's score, and no two group means that differ by fewer than M organisations,
    appear among the numbers of the output files."""
    numbers = _numbers(folder)
    sc = scoring.organisation_scores(df)
    values = pd.concat([sc[PIDS], scoring.group_scores(sc)[["digital_formaga", "digitalt_arv", "overall"]]], axis=1)
    others = values[values.index.get_level_values("organisation_id") != own]
    for (oid, y), row in others.iterrows():
        hit = [c for c in values.columns if round(float(row[c]), 4) in numbers]
        assert not hit, f"the score of {oid} {y} on {hit[:3]} is in the output"
    groups = _candidate_groups(df, own)
    for (ka, ya), (kb, yb) in itertools.permutations(groups, 2):
        a, b = groups[(ka, ya)], groups[(kb, yb)]
        if ya != yb or not (b < a):
            continue
        for c in values.columns:
            col = values[c].xs(ya, level="year")
            sa, sb = col[sorted(a)].dropna(), col[sorted(b)].dropna()
            diff = set(sa.index) - set(sb.index)
            if not (0 < len(diff) < M) or not set(sb.index) <= set(sa.index):
                continue
            ma, mb = round(float(sa.mean()), 4), round(float(sb.mean()), 4)
            assert not (ma in numbers and mb in numbers), (
                f"{c} {ya}: the means of {ka} and {kb} are both shown; they differ by {sorted(diff)}")


def test_the_difference_checker_catches_a_leak(tmp_path):
    """Negative control: both means of groups differing by one organisation in a CSV are found."""
    df = make_panel(TRAP)
    sc = scoring.organisation_scores(df).xs(2023, level="year")
    others = sc.drop(index="K00")
    kommuner = others[others["organisation_type"] == "kommun"]
    (tmp_path / "t.csv").write_text(f"national,type\n{others['skalning'].mean():.6f},"
                                    f"{kommuner['skalning'].mean():.6f}\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="differ by"):
        assert_nothing_recoverable(tmp_path, df, "K00")
    (tmp_path / "t.csv").write_text(f"x\n{others.loc['R01', 'rykte']:.6f}\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="the score of R01"):
        assert_nothing_recoverable(tmp_path, df, "K00")


@pytest.mark.parametrize("spec", [TRAP, NESTED], ids=["trap", "nested"])
def test_chapter_outputs_reveal_nothing_by_difference(tmp_path, capsys, spec):
    df = make_panel(spec)
    _distinct_scores(df)
    path = write_panel(df, tmp_path / "p.parquet")
    rep = org.load(path, organisation="K00")
    out = tmp_path / "out"
    from dimios.chapters import organisation as org_chapter

    pub = display.Publisher(out, "peers")
    for f in (chapter.intro, chapter.positions, chapter.principles_table, chapter.next_steps, chapter.method):
        f(rep, pub)
    pub2 = display.Publisher(out, "index")
    for f in (org_chapter.summary, org_chapter.overview_table):
        f(rep, pub2)
    (out / "printed.txt").write_text(capsys.readouterr().out, encoding="utf-8")
    assert list(out.rglob("*.csv"))
    assert_nothing_recoverable(out, df, "K00")


@pytest.mark.slow
def test_built_report_reveals_no_score_by_difference_nor_respondent_id(tmp_path):
    """The whole organisation report (every notebook, HTML page, CSV, figure and provenance file) of the
    trap panel: no narrower group is shown, each says why, and nothing can be worked out by difference."""
    from dimios import build

    df = make_panel(TRAP)
    _distinct_scores(df)
    path = write_panel(df, tmp_path / "trap.parquet")
    out = tmp_path / "rapport"
    build.build(build.BuildOptions(data=path, out=out, organisation="K00", quarto=None, command_line="pytest"))
    html = (out / "_book" / "peers.html").read_text(encoding="utf-8")
    assert "Andra kommuner visas inte" in html and "skiljer sig från alla andra organisationer i datafilen med bara" in html
    assert "1 organisation." in html and "Jämförelsegrupper per år" in html
    method = (out / "_book" / "method.html").read_text(encoding="utf-8")
    assert "Jämförelse med liknande organisationer" in method and "reference_min_organisations" in method
    assert_nothing_recoverable(out, df, "K00")
    ids = sorted(set(df["respondent_id"]), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(i) for i in ids))
    for f in out.rglob("*"):
        if f.is_file():
            m = pattern.search(f.read_bytes().decode("utf-8", errors="ignore"))
            assert m is None, f"respondent id {m.group(0)} in {f.relative_to(out)}"


def test_panel_fingerprint_ignores_an_empty_peer_group_but_not_a_filled_one():
    from dimios import synthetic

    r = make_panel(TRAP).drop(columns=["peer_group"])
    fp = synthetic.panel_fingerprint(r)
    assert synthetic.panel_fingerprint(r.assign(peer_group=np.nan)) == fp
    assert synthetic.panel_fingerprint(r.assign(peer_group="A")) != fp
