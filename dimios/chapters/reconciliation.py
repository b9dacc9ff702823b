"""Appendix "Avstämning mot publicerade siffror": the build against the published figures.

Every spread cell (share of organisations per principle, year and level) is compared
with the published table in ``data/reference/``, and every principle's trend class
2020-23 with the published one. Everything is computed, so on real data the appendix
shows the real differences.
"""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, reference
from dimios.chapters.common import DATA_APPENDIX, heading
from dimios.context import ReportData
from dimios.reconcile import TOLERANCE, per_table, spread_cells, spread_summary, trend_comparison  # noqa: F401

CLASS_SV = {"negative": "negativ", "stable": "stabil", "positive": "positiv"}
def reconciliation(ctx: ReportData, pub: d.Publisher) -> None:
    inst = instrument.load()
    cells = spread_cells(ctx.org_scores)
    s = spread_summary(cells)
    pub.markdown(
        heading(ctx, "Avstämning mot publicerade siffror")
        + "Bilagan jämför rapportens beräknade siffror med den publicerade rapportens, cell för cell, så att en "
        "granskare kan se var de stämmer och var de skiljer sig. De publicerade spridningstabellerna finns i "
        "`data/reference/published_spread_2020_2023.csv` och trendklasserna i "
        "`data/reference/published_report.yml`. En tom publicerad cell räknas som 0 %, och de beräknade "
        "andelarna avrundas på samma sätt som de publicerade (uppåt vid halva procent)."
        + ("\n\nPå den syntetiska panelen är överensstämmelsen gjord, inte funnen: panelen är kalibrerad så att "
           "varje organisations steg ger de publicerade andelarna och varje princips förändring hamnar i den "
           f"publicerade trendklassen (@{DATA_APPENDIX}). Att cellerna och klasserna stämmer visar alltså att "
           "beräkningarna från svar till tabell återger de publicerade tabellerna, inte att data bekräftar den "
           "publicerade rapportens resultat." if ctx.default_panel else "")
    )
    n_tables = cells["table"].nunique()
    text = (f"## Spridningstabellerna\n\nDe {n_tables} publicerade spridningstabellerna har {d.count(s['cells'])} "
            f"celler (princip, år och steg). ")
    if s["missing"]:
        text += (f"Av dem saknar {d.count(s['missing'])} motsvarighet i data (år eller principer utan "
                 "organisationer med poäng) och jämförs inte. ")
    big = cells[(cells["difference"].abs() > TOLERANCE).fillna(False).astype(bool)]
    if s["compared"] and s["exact"] == s["compared"]:
        text += f"Alla {d.count(s['compared'])} jämförda celler är exakt lika" + (
            ", som panelen är kalibrerad för." if ctx.default_panel else ".")
    elif s["compared"]:
        w = s["worst"]
        text += (f"Av de {d.count(s['compared'])} celler som jämförs är {d.count(s['exact'])} exakt lika och "
                 f"{d.count(s['within'])} ligger inom {TOLERANCE} procentenhet. Den största skillnaden är "
                 f"{d.count(s['max_abs'])} {'procentenhet' if s['max_abs'] == 1 else 'procentenheter'} "
                 f"({w.principle} år {w.year}, steg {w.level}: publicerat {d.pct(w.published)}, beräknat "
                 f"{d.pct(w.computed)}).")
        if not len(big):
            text += f" Ingen cell skiljer sig med mer än {TOLERANCE} procentenhet."
    pub.markdown(text)

    if len(big):
        shown = pd.DataFrame({"Tabell": big["table"], "Princip": big["principle"], "År": big["year"].astype(str),
                              "Steg": big["level"].astype(str), "Publicerat (%)": big["published"],
                              "Beräknat (%)": big["computed"],
                              "Skillnad": [d.signed(int(v), 0) for v in big["difference"]]})
        pub.markdown(f"Alla {d.count(len(big))} celler som skiljer sig med mer än {TOLERANCE} procentenhet:")
        pub.table(shown, "reconciliation-differences", f"Celler som skiljer sig med mer än {TOLERANCE} "
                  "procentenhet från den publicerade tabellen", align="llrrrrr", csv=big)

    tab = per_table(cells)
    shown = pd.DataFrame({"Tabell": tab["table"], "Princip": tab["principle"],
                          "Lika celler": [f"{e} av {c}" for e, c in zip(tab["equal"], tab["compared"])],
                          "Största skillnad": ["–" if pd.isna(m) else d.count(int(m)) for m in tab["max_abs"]]})
    pub.table(shown, "reconciliation-tables", "Per publicerad spridningstabell: lika celler och största skillnad "
              "(procentenheter)", align="llrr", csv=tab)
    pub.markdown("Hela jämförelsen, cell för cell: en cell visar det publicerade värdet när det beräknade är "
                 "detsamma och annars *publicerat → beräknat*; – är en tom cell (inga organisationer på steget).")
    pub.table(wide_view(cells), "reconciliation-cells", "Varje cell i de publicerade spridningstabellerna mot "
              "den beräknade (procent)", align="llrrrrr", csv=cells)
    _notes(pub)
    _trends(ctx, pub, inst)


def _cell(published, computed) -> str:
    def show(v):
        return "–" if pd.isna(v) or int(v) == 0 else d.count(int(v))

    if pd.isna(computed):
        return f"{show(published)} → saknas"
    return show(published) if int(published) == int(computed) else f"{show(published)} → {show(computed)}"


def wide_view(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells as the published tables show them: one row per table and year, one column per level."""
    inst = instrument.load()
    rows = []
    for (table, principle, year), g in cells.groupby(["table", "principle", "year"], sort=False):
        row = {"Tabell": table, "Princip": principle, "År": str(year)}
        for rec in g.itertuples():
            row[f"Steg {rec.level}"] = _cell(rec.published, rec.computed)
        rows.append(row)
    cols = ["Tabell", "Princip", "År"] + [f"Steg {k}" for k in range(1, inst.scoring.n_levels + 1)]
    return pd.DataFrame(rows).reindex(columns=cols).fillna("")


def _notes(pub: d.Publisher) -> None:
    notes = []
    for tables in reference.identical_tables():
        notes.append(f"Tabell {d.join_sv(tables)} är lika i varje cell i den publicerade rapporten; en avvikelse "
                     "i en av dem kan alltså bero på den publicerade tabellen.")
    inferred = reference.inferred_rows()
    if len(inferred):
        rows = d.join_sv(f"Tabell {t} år {y}" for t, y in inferred[["table", "year"]].itertuples(index=False))
        notes.append(f"I {rows} är de publicerade värdenas steg tolkade (kolumnerna föll bort i textversionen); "
                     "de läses som steg 2 och 3.")
    if notes:
        pub.markdown("\n".join(f"- {n}" for n in notes))


def _trends(ctx: ReportData, pub: d.Publisher, inst) -> None:
    tc = trend_comparison(ctx.org_scores)
    if tc is None:
        first, last = (int(y) for y in reference.facts()["method"]["spread_years"])
        missing = [y for y in (first, last) if y not in ctx.years]
        pub.markdown(f"## Trendklasserna\n\nDe publicerade trendklasserna gäller förändringen {first}–{last}. Data "
                     f"saknar år {d.join_sv(missing)}, så klasserna kan inte jämföras.")
        return
    first, last = int(tc["first_year"].iloc[0]), int(tc["last_year"].iloc[0])
    thr = inst.scoring.trend_threshold
    n_match = int(tc["match"].sum())
    differ = tc[~tc["match"]]
    text = (f"## Trendklasserna\n\nDen publicerade rapporten klassar varje princips utveckling {first}–{last} som "
            f"negativ, stabil eller positiv (förändring av medelvärdet med mer än {d.given(thr)} procentenheter). "
            f"Beräknat från data hamnar {n_match} av {len(tc)} principer i den publicerade klassen"
            + (", vilket panelens kalibrering ser till." if ctx.default_panel else "."))
    if ctx.trend_threshold != thr:
        text += (f" Avstämningen använder den publicerade gränsen {d.given(thr)} procentenheter; rapportens egna "
                 f"trendklasser i övriga kapitel använder gränsen {d.given(ctx.trend_threshold)} procentenheter "
                 "(parametern `trend_threshold`).")
    if len(differ):
        text += " Avvikande: " + d.join_sv(
            f"{inst.principle(r.principle).name_sv} (publicerad {CLASS_SV[r.published]}, beräknad "
            f"{CLASS_SV.get(r.computed, 'saknas')}, {d.signed(r.change, 1)} procentenheter)"
            for r in differ.itertuples()) + "."
    pub.markdown(text)
    shown = pd.DataFrame({
        "Princip": [inst.principle(p).name_sv for p in tc["principle"]],
        "Publicerad klass": [CLASS_SV[c] for c in tc["published"]],
        f"Förändring {first}–{last}": [d.signed(v, 1) if pd.notna(v) else "–" for v in tc["change"]],
        "Beräknad klass": [CLASS_SV.get(c, "–") for c in tc["computed"]],
        "Samma": ["ja" if m else "nej" for m in tc["match"]],
    })
    pub.table(shown, "reconciliation-trends", f"Publicerad och beräknad trendklass per princip {first}–{last}",
              align="llrll", csv=tc.assign(change=tc["change"].round(6)))
