"""The organisation report (issue 8): one organisation's own data next to the national picture.

Test input: ``tests/data/organisation/export_kommun_cp1252.csv`` is what a new user brings — a
survey-tool export of one (synthetic) municipality as Swedish Excel writes it: Windows-1252,
semicolons, CRLF, a title row above the header, the tool's own headers (numbered statements,
"Respondent-ID", …) that ``data/example/column_mapping_example.yml`` maps, "Vet ej" in
several spellings, "Ja"/"Nej", "Kommun" and two columns to ignore. One business area
("Ekonomiavdelningen") has only 3 respondents. It was written by ``make_export`` below from
``synthetic.generate(scale=0.2)`` (organisation SYN-K029); regenerate with
``python -m tests.test_organisation``.
"""

from __future__ import annotations

import csv
import io as _io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dimios import build, instrument, io, paths, sections, synthetic
from dimios import organisation as org

DATA = paths.ROOT / "tests" / "data" / "organisation"
EXPORT = DATA / "export_kommun_cp1252.csv"
MAPPING = paths.DATA / "example" / "column_mapping_example.yml"
ORG = "SYN-K029"
SMALL_AREA = "Ekonomiavdelningen"
MARK = "färre än 5 svar"


# ------------------------------------------------------------------ the test export
def _plant_small_area(responses: pd.DataFrame) -> pd.DataFrame:
    """Three 2023 respondents of ORG moved to a business area of their own."""
    r = responses.copy()
    r["business_area"] = r["business_area"].astype("object")
    idx = r.index[(r["organisation_id"] == ORG) & (r["year"] == 2023) & (r["business_area"] == "Samhällsbyggnad")][:3]
    r.loc[idx, "business_area"] = SMALL_AREA
    return r


def make_export(path: Path = EXPORT) -> Path:
    """Write ORG's respondents as a Swedish Excel CSV export (see the module docstring)."""
    inst = instrument.load()
    panel = synthetic.generate(scale=0.2)
    r = _plant_small_area(panel.responses)
    r = r[r["organisation_id"] == ORG].reset_index(drop=True)
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    by_target = {}
    for source, target in mapping.items():
        if target is not None:
            by_target.setdefault(target, source)
    meta = ["respondent_id", "organisation_id", "organisation_type", "year", "involved", "business_area"]
    header = [by_target[c] for c in meta]
    header += [by_target.get(p.id, p.statement) for p in inst.principles]
    header += ["Tidsstämpel", "Fritextsvar"]
    dont_know = ["Vet ej", "VET EJ", "vet ej", " vet  ej ", ""]
    rows = []
    for i, row in r.iterrows():
        cells = [row["respondent_id"], row["organisation_id"], str(row["organisation_type"]).capitalize(),
                 str(int(row["year"])), "Ja" if row["involved"] else "Nej",
                 "" if pd.isna(row["business_area"]) else row["business_area"]]
        for j, p in enumerate(inst.principles):
            v = row[p.id]
            cells.append(dont_know[(i + j) % len(dont_know)] if pd.isna(v) else str(int(v)))
        cells += [f"{int(row['year'])}-03-{1 + i % 28:02d} 10:{i % 60:02d}", "" if i % 3 else "Bra enkät; tack"]
        rows.append(cells)
    buf = _io.StringIO()
    buf.write("DiMiOS enkät – export 2024 (Kommun)\r\n")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return path


@pytest.fixture(scope="module")
def export_data() -> pd.DataFrame:
    """The export as read by the pipeline (with the mapping)."""
    return io.read_responses(EXPORT, mapping=MAPPING).data


@pytest.fixture(scope="module")
def panel_with_small_area(tmp_path_factory) -> Path:
    """The whole synthetic panel (scale 0.2) with ORG's small business area, as parquet."""
    r = _plant_small_area(synthetic.generate(scale=0.2).responses)
    path = tmp_path_factory.mktemp("panel") / "panel.parquet"
    io.write_responses(r, path)
    return path


# ------------------------------------------------------------------ the input shapes
def test_export_is_read_as_a_new_user_brings_it(export_data):
    raw = EXPORT.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    first = raw.split(b"\r\n")[0].decode("cp1252")
    assert first.startswith("DiMiOS enkät") and ";" in raw.split(b"\r\n")[1].decode("cp1252")
    res = io.read_responses(EXPORT, mapping=MAPPING)
    notes = " | ".join(res.notes)
    assert "Windows-1252" in notes and "semicolon" in notes and "title row" in notes
    assert "survey statements" in notes and "mapping" in notes
    assert export_data["organisation_id"].unique().tolist() == [ORG]
    assert (export_data["business_area"] == SMALL_AREA).sum() == 3


def _xlsx_with_title_row(df: pd.DataFrame, path: Path) -> Path:
    """The respondent table as an Excel workbook: title row, then statement headers."""
    from openpyxl import Workbook

    inst = instrument.load()
    wb = Workbook()
    ws = wb.active
    ws.append(["DiMiOS – export"])
    names = {p.id: p.statement for p in inst.principles}
    ws.append([names.get(c, c) for c in df.columns])
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) or v is pd.NA else
                   (int(v) if isinstance(v, float) else (bool(v) if isinstance(v, (bool, np.bool_)) else str(v)))
                   for v in row])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def shapes(export_data, tmp_path_factory) -> dict:
    """The same organisation in every supported input shape."""
    d = tmp_path_factory.mktemp("shapes")
    out = {"csv-cp1252-semicolon-mapping": (EXPORT, MAPPING)}
    out["csv-utf8-comma"] = (io.write_responses(export_data, d / "utf8.csv"), None)
    bom = d / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (d / "utf8.csv").read_bytes())
    out["csv-utf8-bom"] = (bom, None)
    out["parquet"] = (io.write_responses(export_data, d / "one.parquet"), None)
    out["xlsx-title-row-statements"] = (_xlsx_with_title_row(export_data, d / "one.xlsx"), None)
    return out


def test_every_input_shape_gives_the_same_organisation_report(shapes):
    reps = {name: org.load(path, mapping=mapping) for name, (path, mapping) in shapes.items()}
    first = reps["csv-cp1252-semicolon-mapping"]
    assert first.organisation == ORG and first.reference.kind == "shipped"
    for name, rep in reps.items():
        assert rep.organisation == ORG, name
        pd.testing.assert_frame_equal(rep.results, first.results, obj=name)
        pd.testing.assert_frame_equal(rep.area_results, first.area_results, obj=name)


def test_file_with_many_organisations_picks_one_and_compares_with_the_rest(panel_with_small_area):
    rep = org.load(panel_with_small_area, organisation=ORG.lower())  # ids compare ignoring case
    assert rep.organisation == ORG and rep.reference.kind == "data"
    scores = rep.ctx.org_scores
    others = scores[(scores.index.get_level_values(0) != ORG) & (scores["n_respondents"] >= 5)]
    res = rep.principle_results("skalning").set_index("year")
    for y in rep.shown_years:
        vals = others.xs(y, level="year")["skalning"].dropna()
        assert res.loc[y, "reference_mean_pct"] == pytest.approx(vals.mean())
        assert res.loc[y, "percentile"] == pytest.approx(org.percentile_rank(res.loc[y, "score_pct"], vals))
        assert sum(res.loc[y, c] for c in org.LEVEL_PCT) == pytest.approx(100)
    # the organisation's own figures do not depend on the reference
    single = org.load(io.write_responses(rep.own_responses, panel_with_small_area.with_name("one.parquet")))
    pd.testing.assert_series_equal(single.results["score_pct"], rep.results["score_pct"])
    assert single.reference.kind == "shipped"
    # forcing the shipped reference works in a many-organisation file too
    assert org.load(panel_with_small_area, organisation=ORG, reference="shipped").reference.kind == "shipped"


def test_choosing_the_organisation(panel_with_small_area, export_data):
    data = io.read_responses(panel_with_small_area).data
    with pytest.raises(org.OrganisationError, match=r"holds \d+ organisations; choose one"):
        org.select_organisation(data, "")
    with pytest.raises(org.OrganisationError, match="did you mean SYN-K029"):
        org.select_organisation(data, "SYN-K29")
    assert org.select_organisation(export_data, "") == ORG
    assert org.select_organisation(export_data, "auto") == ORG
    assert org.select_organisation(export_data, f"  {ORG} ") == ORG
    assert org.safe_dirname("Region Ö/2024") == "Region_Ö_2024"


# ------------------------------------------------------------------ computations
def test_percentile_rank():
    assert org.percentile_rank(50, [10, 20, 60, 70]) == 50
    assert org.percentile_rank(50, [50, 50]) == 50          # ties count half
    assert org.percentile_rank(100, [1, 2, 3]) == 100
    assert org.percentile_rank(0, [1, 2, 3]) == 0
    assert np.isnan(org.percentile_rank(50, []))
    assert np.isnan(org.percentile_rank(float("nan"), [1, 2]))


def test_percentile_from_published_spread():
    # shares 10/40/40/10: a score of 60 is level 3, 40 % into its band 50-75
    assert org.percentile_from_spread(60, [10, 40, 40, 10]) == pytest.approx(10 + 40 + 0.4 * 40)
    assert org.percentile_from_spread(0, [10, 40, 40, 10]) == pytest.approx(0)
    assert org.percentile_from_spread(100, [10, 40, 40, 10]) == pytest.approx(100)
    # rows that do not sum to 100 (rounding) are normalised
    assert org.percentile_from_spread(100, [0, 41, 59, 0]) == pytest.approx(100)
    assert org.percentile_from_spread(50, [0, 41, 59, 0]) == pytest.approx(41)


def test_suppression_primary_and_secondary():
    k = 5
    # primary: 3 < 5; secondary: the smallest shown group (5) so the hidden ones sum to >= k
    assert org.suppression_mask([3, 5, 9, 20], k).tolist() == [True, True, False, False]
    assert org.suppression_mask([5, 9, 20], k).tolist() == [False, False, False]
    assert org.suppression_mask([2, 2, 2, 30], k).tolist() == [True, True, True, False]  # 6 >= 5 already
    assert org.suppression_mask([3, 40], k).tolist() == [True, True]
    # per group (year)
    mask = org.suppression_mask([3, 6, 7, 6, 7], k, groups=[2022, 2022, 2022, 2023, 2023])
    assert mask.tolist() == [True, True, False, False, False]
    df = pd.DataFrame({"year": [2022, 2022, 2022], "n": [3, 6, 7], "v": [1.0, 2.0, 3.0]})
    s = org.suppress(df, "n", ["v"], k, by="year")
    assert s["v"].isna().tolist() == [True, True, False] and s["n"].isna().tolist() == [True, True, False]
    assert s["suppressed"].tolist() == [True, True, False]


def test_small_business_area_and_small_years_are_suppressed(export_data, tmp_path):
    rep = org.load(EXPORT, mapping=MAPPING)
    a = rep.area_results
    small = a[a["business_area"] == SMALL_AREA]
    assert len(small) == 1 and small["suppressed"].all()
    assert small.drop(columns=["year", "business_area", "suppressed"]).isna().all(axis=None)
    # the hidden groups of a year together have at least k respondents
    n_all = rep.own_responses.assign(b=rep.own_responses["business_area"].astype(object).fillna(org.NO_AREA)
                                     ).groupby(["year", "b"]).size()
    for y, g in a.groupby("year"):
        hidden = g.loc[g["suppressed"], "business_area"]
        if len(hidden):
            assert sum(n_all[(y, b)] for b in hidden) >= 5
        assert (g.loc[~g["suppressed"], "n_respondents"] >= 5).all()
    # an organisation-year with fewer than k respondents is not shown
    r = export_data[~((export_data["year"] == 2021) & (export_data.index % 8 >= 4))]
    assert (r["year"] == 2021).sum() == 4
    small_year = org.load(io.write_responses(r, tmp_path / "few.parquet"))
    assert 2021 in small_year.hidden_years and 2021 not in small_year.shown_years
    res = small_year.results[small_year.results["year"] == 2021]
    assert res["suppressed"].all() and res[["score_pct", "level", "percentile", "n_respondents"]].isna().all(axis=None)
    assert 2021 not in set(small_year.knowledge["year"]) and 2021 not in set(small_year.area_results["year"])
    assert small_year.careless_share.set_index("year").loc[2021, ["n_respondents", "n_careless"]].isna().all()


def test_own_quality_control(export_data):
    rep = org.load(EXPORT, mapping=MAPPING)
    cs = rep.careless_share.set_index("year")
    assert cs["n_respondents"].tolist() == [rep.n_respondents(y) for y in rep.years]
    assert (cs["share_careless"] == cs["n_careless"] / cs["n_respondents"]).all()
    kn = rep.knowledge
    assert len(kn) == 26 * len(rep.shown_years)
    y = rep.latest
    r = export_data[export_data["year"] == y]
    got = kn[(kn["year"] == y) & (kn["principle"] == "teknisk_skuld")]["share_missing"].item()
    assert got == pytest.approx(r["teknisk_skuld"].isna().mean())
    # built without careless responses: the table still counts them all
    lean = org.load(EXPORT, mapping=MAPPING, exclude_careless=True)
    assert lean.ctx.n_careless_excluded == int(cs["n_careless"].sum())
    assert lean.careless_share["n_careless"].sum() == cs["n_careless"].sum()


def test_ladder_text_and_recommendations_for_the_current_level(export_data):
    from dimios import ladders

    rep = org.load(EXPORT, mapping=MAPPING)
    res = rep.results[rep.results["year"] == rep.latest].dropna(subset=["level"])
    assert len(res) == 26 and set(res["level"]) <= {1.0, 2.0, 3.0, 4.0}
    # the organisation's level is the level of its mean score
    r = export_data[export_data["year"] == rep.latest]
    mean = (r["skalning"].mean() - 1) / 6 * 100
    row = res.set_index("principle").loc["skalning"]
    assert row["score_pct"] == pytest.approx(mean)
    assert ladders.level("skalning", int(row["level"]))["recommendations"]


# ------------------------------------------------------------------ shipped national means
def test_shipped_national_means_equal_the_synthetic_panel(default_panel):
    shipped = org.NATIONAL_MEANS_FILE.read_bytes().decode("utf-8")
    assert shipped == org.national_means_csv(default_panel), (
        "data/reference/national_means_synthetic.csv is stale: run "
        "`python -c 'from dimios import organisation; organisation.write_national_means_synthetic()'`")
    df = org.read_national_means_synthetic()
    assert len(df) == 26 * 4 and set(df["source"]) == {"synthetic"}
    assert df["mean_pct"].between(0, 100).all()


def test_shipped_reference_covers_every_principle_and_year():
    ref = org.shipped_reference()
    inst = instrument.load()
    for p in inst.principles:
        for y in (2020, 2021, 2022, 2023):
            assert 0 < ref.mean(p.id, y) < 100
            assert 98 <= np.nansum(ref.shares(p.id, y)) <= 102
    assert "syntetiska" in ref.label_sv and "publicerade" in ref.label_sv


# ------------------------------------------------------------------ sections
def test_organisation_sections():
    secs = sections.sections("organisation")
    assert secs[0].id == "index" and secs[-1].appendix
    assert len({s.id for s in secs}) == len(secs)
    for s in secs:
        nb = json.loads((paths.NOTEBOOKS / s.notebook).read_text(encoding="utf-8"))
        assert s.notebook.startswith("organisation_") and nb["metadata"]["kernelspec"]["name"] == "python3"
        params = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        setup = nb["cells"][1]
        assert nb["cells"][0] is params[0] and "organisation = " in "".join(params[0]["source"])
        assert "remove-cell" in setup["metadata"]["tags"]
        for c in nb["cells"][2:]:  # one call per cell
            assert len("".join(c["source"]).strip().splitlines()) == 1
        for name in s.parameters:
            assert f"{name} = " in "".join(params[0]["source"])


# ------------------------------------------------------------------ end to end
def _texts(folder: Path):
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            yield f, f.read_bytes().decode("utf-8", errors="ignore")


def _assert_no_respondent_ids(folder: Path, ids: set[str]):
    assert ids
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))
    for f, text in _texts(folder):
        m = pattern.search(text)
        assert m is None, f"respondent id {m.group(0)} in {f.relative_to(folder)}"
    assert not list(folder.rglob("*.parquet")), "respondent-level data file left in the report folder"


def _assert_small_area_suppressed(out: Path):
    seen_csv = seen_html = 0
    for f in (out / "tables").rglob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        for _, row in df.iterrows():
            if SMALL_AREA in row.to_numpy():
                seen_csv += 1
                assert row["suppressed"] == "True" and row["note"] == MARK, f.name
                values = row.drop(labels=["year", "business_area", "suppressed", "note"])
                assert (values == "").all(), f"{f.name}: {values[values != ''].to_dict()}"
    for f in (out / "_book").glob("*.html"):
        html = f.read_text(encoding="utf-8")
        for tr in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S):
            if SMALL_AREA in tr:
                seen_html += 1
                cells = re.findall(r"<td[^>]*>(.*?)</td>", tr)
                assert cells[1] == SMALL_AREA and all(c == MARK for c in cells[2:]), cells
        for alt in re.findall(r'alt="([^"]*)"', html):
            if SMALL_AREA in alt:
                seen_html += 1
                assert f"{SMALL_AREA}: {MARK}." in alt
        text = re.sub(r"<[^>]+>", " ", html)
        for m in re.finditer(re.escape(SMALL_AREA), text):   # nowhere next to a number
            around = text[m.end(): m.end() + 40]
            assert not re.match(r"\s*[\d−-]", around), around
    assert seen_csv >= 1 and seen_html >= 2


def test_the_privacy_checks_catch_a_leak(tmp_path, export_data):
    """Negative control for the end-to-end checks: a leaked id or value is found."""
    rid = export_data["respondent_id"].iloc[7]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "x.ipynb").write_text(json.dumps({"outputs": [f"row {rid}"]}), encoding="utf-8")
    with pytest.raises(AssertionError, match="respondent id"):
        _assert_no_respondent_ids(tmp_path, set(export_data["respondent_id"]))
    (tmp_path / "tables" / "areas").mkdir(parents=True)
    pd.DataFrame({"year": [2023], "business_area": [SMALL_AREA], "n_respondents": [3.0], "overall": [50.0],
                  "suppressed": [False], "note": [""]}).to_csv(tmp_path / "tables" / "areas" / "t.csv", index=False)
    (tmp_path / "_book").mkdir()
    with pytest.raises(AssertionError):
        _assert_small_area_suppressed(tmp_path)


@pytest.mark.slow
def test_one_command_on_a_windows_excel_export(tmp_path, export_data):
    """A new user: export + mapping file -> `dimios build ... --organisation auto` -> the report."""
    out = tmp_path / "rapport"
    cmd = [sys.executable, "-m", "dimios.cli", "build", "--data", str(EXPORT), "--mapping", str(MAPPING),
           "--organisation", "auto", "--out", str(out), "--no-quarto"]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    index = out / "_book" / "index.html"
    assert f"report: {index}" in res.stdout
    secs = sections.sections("organisation")
    assert sorted(p.stem for p in (out / "_book").glob("*.html")) == sorted(s.id for s in secs)
    html = index.read_text(encoding="utf-8")
    assert ORG in html and "syntetiska standardpanel" in html and "publicerade" in html
    assert "Digital mognad i den egna organisationen" in html        # the profile's book title
    principles = (out / "_book" / "principles-digital_formaga.html").read_text(encoding="utf-8")
    assert "Nuvarande nivå" in principles and ("För att nå nivå" in principles or "högsta nivån" in principles)
    assert "Percentil" in principles and "<figcaption>" in principles
    peers = (out / "_book" / "peers.html").read_text(encoding="utf-8")     # one organisation: labelled fallback
    assert "Syntetiska jämförelsesiffror" in peers and "kommuner (syntetiska siffror)" in peers
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["report"] == "organisation" and prov["parameters"]["organisation"] == ORG
    assert [s["id"] for s in prov["sections"]] == [s.id for s in secs]
    _assert_no_respondent_ids(out, set(export_data["respondent_id"]))
    _assert_small_area_suppressed(out)


@pytest.mark.slow
def test_many_organisations_default_folder_and_comparison_with_the_rest(tmp_path, monkeypatch,
                                                                        panel_with_small_area):
    monkeypatch.setattr(paths, "REPORT", tmp_path / "report")
    index = build.build(build.BuildOptions(data=panel_with_small_area, organisation=ORG, quarto=None,
                                           command_line="pytest", out=paths.REPORT))
    out = tmp_path / "report" / "organisation" / ORG
    assert index == out / "_book" / "index.html" and index.exists()
    assert not (tmp_path / "report" / "_book").exists()      # the national report is not touched
    html = index.read_text(encoding="utf-8")
    assert "övriga" in html and "i samma datafil" in html
    peers = (out / "_book" / "peers.html").read_text(encoding="utf-8")     # compared with the other kommuner
    assert "Andra kommuner" in peers and "Percentil, andra kommuner" in peers and "Nästa steg" in peers
    ids = set(io.read_responses(panel_with_small_area).data["respondent_id"])
    _assert_no_respondent_ids(out, ids)
    _assert_small_area_suppressed(out)
    quality = pd.read_csv(out / "tables" / "quality" / "tbl-careless.csv")
    assert quality["reference_share_careless"].notna().all()


def test_reference_spread_is_per_principle_and_year():
    """Shares of the data reference are of one principle's organisations in one year."""
    from dimios import scoring
    from tests.conftest import make_responses

    P, R = "portfoljstyrning", "styrning"
    rows = []
    for i, a in enumerate([1, 1, 7, 7]):          # 2022: P levels 1,1,4,4; R all level 3
        rows += [(f"O{i}", 2022, {P: a, R: 5})] * 3
    for i, a in enumerate([3, 3, 3, 5]):          # 2023: P levels 2,2,2,3; R not answered
        rows += [(f"O{i}", 2023, {P: a})] * 3
    scores = scoring.organisation_scores(make_responses(rows))
    sp = org.spread_from_scores(scores).set_index(["principle", "year"])
    assert sp.loc[(P, 2022), org.LEVEL_PCT].tolist() == [50, 0, 0, 50]
    assert sp.loc[(P, 2023), org.LEVEL_PCT].tolist() == [0, 75, 25, 0]
    assert sp.loc[(R, 2022), org.LEVEL_PCT].tolist() == [0, 0, 100, 0]
    assert (R, 2023) not in sp.index
    means = org.national_means(scores).set_index(["principle", "year"])
    assert means.loc[(P, 2022), "mean_pct"] == 50 and means.loc[(P, 2022), "n_organisations"] == 4
    assert means.loc[(P, 2023), "mean_pct"] == pytest.approx((3 * 100 / 3 + 200 / 3) / 4)
    assert means.loc[(R, 2023), "n_organisations"] == 0


# ------------------------------------------------------------------ rough edges (issue 14, item 8)
def test_unknown_organisation_lists_the_ids_in_the_file(export_data, panel_with_small_area):
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(export_data, "NOPE")
    assert str(ei.value) == f"organisation 'NOPE' is not in the file, which holds 1 organisation: {ORG}"
    data = io.read_responses(panel_with_small_area).data
    ids = org.organisations_in(data)
    assert len(ids) > 10
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(data, "NOPE")
    assert str(ei.value) == (f"organisation 'NOPE' is not in the file, which holds {len(ids)} organisations: "
                             + ", ".join(ids[:10]) + f", … ({len(ids)} in all)")


def test_build_of_a_wholly_suppressed_organisation_stops_with_a_message(export_data, tmp_path):
    few = export_data[export_data["year"].isin([2022, 2023])].groupby("year").head(3)
    path = io.write_responses(few.reset_index(drop=True), tmp_path / "few.csv")
    with pytest.raises(org.OrganisationError) as ei:
        org.check_reportable(few, ORG)
    assert str(ei.value).startswith(f"{ORG} has fewer than 5 respondents in every year (respondents per year: "
                                    "2022: 3, 2023: 3); every figure of its report would be hidden")
    org.check_reportable(few, ORG, privacy_threshold="3")      # k = 3: both years can be shown
    org.check_reportable(export_data, ORG, years="2022,2023")
    with pytest.raises(org.OrganisationError, match=r"no respondents in the chosen years \(parameter years: 2015\)"):
        org.check_reportable(export_data, ORG, years=[2015])
    # the build stops before any notebook runs: nothing is written, exit status non-zero
    out = tmp_path / "report"
    with pytest.raises(build.BuildError, match="every figure of its report would be hidden"):
        build.build(build.BuildOptions(data=path, out=out, organisation="auto", quarto=None, command_line="pytest"))
    assert not (out / "_book").exists()
    res = subprocess.run([sys.executable, "-m", "dimios.cli", "build", "--data", str(path), "--organisation", "auto",
                          "--out", str(out)], capture_output=True, text=True, cwd=paths.ROOT)
    assert res.returncode != 0 and "every figure of its report would be hidden" in res.stderr


def test_wholly_suppressed_report_says_so_and_claims_no_single_year(export_data, tmp_path, monkeypatch):
    import IPython.display

    from dimios import display
    from dimios.chapters import organisation as chapter

    from .test_quality_chapter import Recorder

    few = export_data[export_data["year"].isin([2022, 2023])].groupby("year").head(3)
    rep = org.load(io.write_responses(few.reset_index(drop=True), tmp_path / "few.parquet"))
    assert rep.latest is None and rep.hidden_years == [2022, 2023]
    rec = Recorder()
    monkeypatch.setattr(IPython.display, "display", rec)
    pub = display.Publisher(tmp_path / "tables", "x")
    for f in (chapter.title, chapter.respondents, chapter.summary, chapter.overview_table, chapter.change_section,
              chapter.change_figure, chapter.careless_section, chapter.knowledge_section, chapter.areas_intro,
              chapter.areas_table, chapter.areas_heatmap):
        f(rep, pub)
    for dim in instrument.load().dimensions:
        chapter.dimension_heading(rep, dim.id, pub)
        chapter.dimension_figure(rep, dim.id, pub)
        chapter.principle_details(rep, dim.id, pub)
    text = rec.text
    assert ('::: {.callout-note title="Inga resultat kan visas"}\n'
            "Organisationen har färre än 5 svar varje år (2022 och 2023)") in text
    assert "bara ett år" not in text
    assert ("Inget år har tillräckligt många svar (minst 5) för att visas, så någon förändring kan inte visas. "
            "(År som döljs för att de har färre än 5 svar: 2022 och 2023.)") in text
    # one shown year still says that there is only one
    one = export_data[export_data["year"].isin([2022, 2023])]
    one = one[(one["year"] == 2023) | (one.groupby("year").cumcount() < 3)]
    rep1 = org.load(io.write_responses(one.reset_index(drop=True), tmp_path / "one.parquet"))
    rec1 = Recorder()
    monkeypatch.setattr(IPython.display, "display", rec1)
    chapter.change_section(rep1, pub)
    assert "bara ett år med tillräckligt många svar (2023)" in rec1.text


def test_own_quality_control_says_when_an_algorithm_cannot_be_computed(tmp_path, monkeypatch):
    import IPython.display

    from dimios import display
    from dimios.chapters import organisation as chapter

    from .test_quality_chapter import Recorder

    rep = org.load(paths.DATA / "example" / "responses_example.csv", organisation="ORG-K001")
    rec = Recorder()
    monkeypatch.setattr(IPython.display, "display", rec)
    chapter.careless_section(rep, display.Publisher(tmp_path, "quality"))
    assert ("**Mahalanobis D² kan inte beräknas på den här datafilen** (underlaget har 30 svar med minst hälften "
            "av de 26 påståendena besvarade, och minst 50 behövs), så bara fyra algoritmer röstar") in rec.text


if __name__ == "__main__":  # regenerate the test export
    print(make_export())


def test_known_ids_are_all_listed_up_to_the_limit():
    ids = [f"O{i}" for i in range(11)]
    assert org.known_ids(ids[:10]) == ", ".join(ids[:10])          # exactly 10: all, no count
    assert org.known_ids(ids) == ", ".join(ids[:10]) + ", … (11 in all)"
    assert org.known_ids(ids[:3], limit=2) == "O0, O1, … (3 in all)"


def test_safe_dirname():
    assert org.safe_dirname("  Kommun/Å 1 ") == "Kommun_Å_1"
    assert org.safe_dirname("._a.b-c_.") == "a.b-c"
    assert org.safe_dirname("..") == "organisation" and org.safe_dirname("///") == "organisation"
    assert org.safe_dirname("x") == "x"


def test_percentile_rank_reads_missing_values_in_plain_lists():
    assert org.percentile_rank(50.0, [40, None, 60, 50]) == pytest.approx(100 * (1 + 0.5) / 3)
    assert np.isnan(org.percentile_rank(50.0, [None, None]))


def test_reference_spread_columns_and_order_from_scores():
    from dimios import scoring
    from tests.conftest import make_responses

    K, P = "kompetens", "portfoljstyrning"  # alphabetical order differs from the instrument's
    rows = [(f"O{i}", y, {K: a, P: a}) for y in (2023, 2021) for i, a in enumerate([1, 7]) for _ in range(3)]
    sp = org.spread_from_scores(scoring.organisation_scores(make_responses(rows)))
    assert list(sp.columns) == ["principle", "year", *org.LEVEL_PCT]
    assert sp[["principle", "year"]].values.tolist() == [[P, 2021], [P, 2023], [K, 2021], [K, 2023]]
    assert isinstance(sp.index, pd.RangeIndex)
    assert sp.loc[0, org.LEVEL_PCT].tolist() == [50, 0, 0, 50]  # empty levels are 0, not missing


def test_national_means_file_round_trip(tmp_path, monkeypatch):
    from dimios import synthetic

    panel = synthetic.generate(scale=0.05)
    path = org.write_national_means_synthetic(tmp_path / "means.csv", panel=panel)
    assert path == tmp_path / "means.csv"
    text = path.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ",".join(org.NATIONAL_MEANS_COLUMNS) and "\r" not in text
    back = org.read_national_means_synthetic(path)
    pd.testing.assert_frame_equal(back, org.national_means_synthetic(panel))
    # without a path: the shipped file
    monkeypatch.setattr(org, "NATIONAL_MEANS_FILE", tmp_path / "shipped.csv")
    assert org.write_national_means_synthetic(panel=panel) == tmp_path / "shipped.csv"
    assert (tmp_path / "shipped.csv").read_bytes() == path.read_bytes()
    assert org.read_national_means_synthetic().equals(back)


def test_reference_counts_of_organisations():
    means = pd.DataFrame({"principle": ["p", "p", "q"], "year": [2022, 2023, 2023], "mean_pct": [1.0, 2.0, 3.0],
                          "n_organisations": [7, 9, 4]})
    ref = org.Reference(kind="data", label_sv="", means=means, spread=pd.DataFrame(columns=["principle", "year"]))
    assert ref.n_organisations("p", 2023) == 9.0 and ref.n_organisations("q", "2023") == 4.0
    assert ref.n_organisations("p", 2022) == 7.0
    assert np.isnan(ref.n_organisations("q", 2022)) and np.isnan(ref.n_organisations("x", 2023))
    no_counts = org.Reference(kind="shipped", label_sv="", means=means.drop(columns="n_organisations"),
                              spread=pd.DataFrame(columns=["principle", "year"]))
    assert np.isnan(no_counts.n_organisations("p", 2023))


# ------------------------------------------------------------------ unit tests of the helpers (issue 16)
def _small_responses(n_by_org_year: dict) -> pd.DataFrame:
    from tests.conftest import make_responses

    rows = []
    for (o, y), n in n_by_org_year.items():
        rows += [(o, y, {p: 4 + (i % 3) for p in instrument.load().principle_ids}) for i in range(n)]
    return make_responses(rows)


@pytest.mark.parametrize("given, expected", [
    (None, None), ("", None), ([], None), (2023, [2023]), ("2023", [2023]), ("2020,2023", [2020, 2023]),
    ("2020;2023", [2020, 2023]), ("2020 2023", [2020, 2023]), ("[2020, 2023]", [2020, 2023]), ((2021,), [2021]),
    ({2022}, [2022]), ([2020, "2021"], [2020, 2021]),
])
def test_years_parameter_forms(given, expected):
    assert org._as_years(given) == expected


def test_check_reportable_message_and_boundary():
    r = _small_responses({("A", 2022): 3, ("A", 2023): 4, ("B", 2023): 9})
    with pytest.raises(org.OrganisationError) as ei:
        org.check_reportable(r, "A")
    assert str(ei.value) == (
        "A has fewer than 5 respondents in every year (respondents per year: 2022: 3, 2023: 4); every figure "
        "of its report would be hidden by the privacy threshold (k = 5, parameter privacy_threshold), so no "
        "report was built")
    assert org.check_reportable(r, "A", privacy_threshold=4) is None       # 4 respondents = k: reportable
    assert org.check_reportable(r, "A", privacy_threshold="4") is None
    with pytest.raises(org.OrganisationError, match="k = 5"):
        org.check_reportable(r, "A", privacy_threshold="")                  # empty: the instrument's k
    with pytest.raises(org.OrganisationError, match=r"A has no respondents in the chosen years \(parameter years: "
                                                    r"2020\); its years in the file: 2022–2023;"):
        org.check_reportable(r, "A", privacy_threshold=3, years="2020")
    assert org.check_reportable(r, "A", privacy_threshold=3, years="2022") is None


def test_choose_reference_reasons():
    k = 5
    own = {("A", 2023): 5}
    alone = scoring_of(own)
    ref = org.choose_reference(alone, "A", k)
    assert ref.kind == "shipped" and ref.reason_sv == (
        "Datafilen innehåller bara organisationens egna svar. Därför används de medföljande nationella siffrorna.")
    few = scoring_of({**own, **{(f"O{i}", 2023): 5 for i in range(4)}})
    ref = org.choose_reference(few, "A", k)
    assert ref.kind == "shipped" and ref.reason_sv == (
        "Datafilen innehåller för få andra organisationer (färre än 5 med minst 5 svar något år) för att jämföra "
        "med dem utan att röja enskilda organisationer. Därför används de medföljande nationella siffrorna.")
    many = scoring_of({**own, **{(f"O{i}", 2023): 5 for i in range(5)}, ("O9", 2021): 5})
    for mode in ("auto", None, "", " Data "):
        ref = org.choose_reference(many, "A", k, mode=mode)
        assert ref.kind == "data"
        assert ref.reason_sv == ("Datafilen innehåller minst 5 andra organisationer med minst 5 svar varje år som "
                                 "organisationen har mätt, så de används som jämförelse.")
        assert ref.label_sv.startswith("de övriga 6 organisationerna i samma datafil (de organisationsår som har "
                                       "minst 5 svar)")
    ref = org.choose_reference(many, "A", k, mode="shipped")
    assert ref.kind == "shipped" and ref.reason_sv == (
        "Den medföljande referensen valdes uttryckligen (parametern `reference=shipped`).")
    assert ref.label_sv == (
        "de nationella siffror som följer med projektet: fördelningen över mognadsnivåerna är den publicerade "
        "rapportens spridningstabeller (2020–2023), och de nationella medelvärdena är beräknade ur projektets "
        "syntetiska standardpanel (inte verkliga organisationer)")
    with pytest.raises(org.OrganisationError) as ei:
        org.choose_reference(many, "A", k, mode="national")
    assert str(ei.value) == "reference 'national': expected auto, data or shipped"
    # only the organisation's own years count: others in 2023 but the organisation measured 2021 too
    both = scoring_of({("A", 2021): 5, ("A", 2023): 5, **{(f"O{i}", 2023): 5 for i in range(5)}})
    assert org.choose_reference(both, "A", k).kind == "shipped"


def scoring_of(n_by_org_year: dict) -> pd.DataFrame:
    from dimios import scoring

    return scoring.organisation_scores(_small_responses(n_by_org_year))


def test_select_organisation_messages():
    one = _small_responses({("K1", 2023): 1})
    assert org.select_organisation(one, None) == "K1" and org.select_organisation(one, " AUTO ") == "K1"
    assert org.select_organisation(one, " k1 ") == "K1"
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(one.iloc[0:0])
    assert str(ei.value) == "the file holds no organisation"
    many = _small_responses({(f"Kommun{i}", 2023): 1 for i in range(4)})
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(many)
    assert str(ei.value) == ("the file holds 4 organisations; choose one with --organisation ID "
                             "(one of: Kommun0, Kommun1, Kommun2, Kommun3)")
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(many, "Kommun")
    assert str(ei.value) == ("organisation 'Kommun' is not in the file, which holds 4 organisations: Kommun0, "
                             "Kommun1, Kommun2, Kommun3; did you mean Kommun3, Kommun2, Kommun1?")  # the 3 closest
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(one, "Region X")
    assert str(ei.value) == "organisation 'Region X' is not in the file, which holds 1 organisation: K1"
    # similar enough (difflib ratio 2*3/9 = .67 >= .6) is suggested, less similar (2*2/8 = .5) is not
    with pytest.raises(org.OrganisationError, match="did you mean Kommun[?]$"):
        org.select_organisation(_small_responses({("Kommun", 2023): 1}), "Kom")
    with pytest.raises(org.OrganisationError) as ei:
        org.select_organisation(_small_responses({("Kommun", 2023): 1}), "Ko")
    assert "did you mean" not in str(ei.value)


def test_percentile_from_spread_edges():
    assert np.isnan(org.percentile_from_spread(np.nan, [25, 25, 25, 25]))
    assert np.isnan(org.percentile_from_spread(50, [np.nan] * 4))
    assert np.isnan(org.percentile_from_spread(50, [0, 0, 0, 0]))
    # shares that sum to less than 1 (a small reference) are still normalised
    assert org.percentile_from_spread(50, [0, 0.25, 0.25, 0]) == pytest.approx(50)
    assert org.percentile_from_spread(120, [10, 20, 30, 40]) == pytest.approx(100)  # clamped to the band
    assert org.percentile_from_spread(60, [10, None, 40, 50]) == pytest.approx(10 / 100 * 100 + 0.4 * 40)


def test_published_spread_long_layout():
    pub = org.published_spread_long()
    assert list(pub.columns) == ["principle", "year", *org.LEVEL_PCT] and isinstance(pub.index, pd.RangeIndex)
    assert pub["year"].dtype == "int64" and pub["principle"].notna().all()
    assert all(pub[c].dtype == "float64" and pub[c].notna().all() for c in org.LEVEL_PCT)
    assert (pub[org.LEVEL_PCT] == 0).any().any()  # an empty published cell is 0


def test_suppression_with_missing_counts_ties_and_no_group_column():
    k = 5
    # an unknown count (None/NaN) is hidden, but adds nothing: no further group is hidden for it
    assert org.suppression_mask([None, 10, 20], k).tolist() == [True, False, False]
    assert org.suppression_mask([np.nan, 10, 20], k).tolist() == [True, False, False]
    # secondary suppression takes the first of equally small groups (stable order)
    n = [6] * 10 + [2] + [6] * 20 + [1]
    mask = org.suppression_mask(n, k)
    assert np.flatnonzero(mask).tolist() == [0, 10, 31]
    df = pd.DataFrame({"n": [3, 40, 9], "v": [1, 2, 3]})
    s = org.suppress(df, "n", ["v", "absent"], k)
    assert s["suppressed"].tolist() == [True, False, True] and s["v"].isna().tolist() == [True, False, True]


def test_reference_lookups_of_missing_keys():
    means = pd.DataFrame({"principle": ["p"], "year": [2023], "mean_pct": [40.0], "n_organisations": [3]})
    spread = pd.DataFrame({"principle": ["p"], "year": [2023], **{c: [25.0] for c in org.LEVEL_PCT}})
    ref = org.Reference(kind="data", label_sv="", means=means, spread=spread)
    assert ref.mean("p", "2023") == 40.0 and np.isnan(ref.mean("p", 2022))
    assert ref.shares("p", 2023).tolist() == [25.0] * 4
    missing = ref.shares("q", 2023)
    assert len(missing) == 4 and np.isnan(missing).all()
    assert ref.years == [2023]


def test_load_passes_years_threshold_and_reference_on(export_data):
    rep = org.load(EXPORT, mapping=MAPPING, years=[2023], privacy_threshold=3, reference="shipped")
    assert rep.ctx.years == [2023] and rep.k == 3 and rep.organisation == ORG
    assert rep.reference.kind == "shipped" and rep.years == [2023]
    res = rep.principle_results("rykte")
    assert list(res.columns) == list(rep.results.columns) and isinstance(res.index, pd.RangeIndex)
    assert res["principle"].eq("rykte").all() and len(res) == 1


def test_more_helper_edges():
    with pytest.raises(ValueError):
        org._as_years("2023X")
    assert org.safe_dirname("X1") == "X1" and org.safe_dirname("Xa_bX") == "Xa_bX"
    # mid-rank on values rounded to 9 decimals: 3e-10 apart is a tie, 0.2 apart is not
    assert org.percentile_rank(50.4, [50.2, 49.0]) == 100.0
    assert org.percentile_rank(50 + 3e-10, [50.0]) == 50.0
    # within level 1 (0-25) the share is spread from 0: 12.5 is half of level 1
    assert org.percentile_from_spread(12.5, [40, 20, 20, 20]) == pytest.approx(20)
    # the reference must have enough other organisations in each of the organisation's years
    scores = scoring_of({("A", 2021): 5, ("A", 2023): 5, ("B", 2023): 5})
    assert org.choose_reference(scores, "A", 5, min_organisations=1).kind == "shipped"
    assert org.choose_reference(scoring_of({("A", 2023): 5, ("B", 2023): 5}), "A", 5, min_organisations=1).kind == "data"


def test_reference_percentile_from_scores_or_spread():
    scores = scoring_of({("A", 2023): 5, **{(f"O{i}", 2023): 5 for i in range(5)}})
    ref = org.choose_reference(scores, "A", 5)
    assert ref.kind == "data"
    p = "portfoljstyrning"
    same = float(ref.scores.xs(2023, level="year")[p].iloc[0])  # every other organisation has this score
    assert ref.percentile(p, 2023, same) == 50.0 and ref.percentile(p, 2023, same + 1) == 100.0
    assert np.isnan(ref.percentile(p, 2019, 50.0))              # a year the reference does not have
    shipped = org.shipped_reference()
    shares = shipped.shares(p, 2023)
    assert shipped.percentile(p, 2023, 100.0) == pytest.approx(100.0)
    assert shipped.percentile(p, 2023, 0.0) == pytest.approx(0.0)
    assert shipped.percentile(p, 2023, 50.0) == pytest.approx(shares[:2].sum() / shares.sum() * 100)
