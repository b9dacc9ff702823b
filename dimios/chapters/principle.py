"""The principle chapter (sections 2.2 and 2.3): one notebook, run once per principle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, ladders, spread, trends
from dimios.chapters.common import LEVEL_COLOURS, style
from dimios.context import ReportData


def heading(principle_id: str, pub: d.Publisher) -> None:
    inst = instrument.load()
    p = inst.principle(principle_id)
    lad = ladders.load(principle_id)
    pub.markdown(
        f"# {p.name_sv}\n\n"
        f"*{inst.dimension(p.dimension).name_sv} · kategori {inst.category(p.category).name_sv} · "
        f"princip {p.table} av {len(inst.principles)}*\n\n{lad['definition']}"
    )


def ladder_table(principle_id: str, pub: d.Publisher) -> None:
    """The four-level ladder as one readable table (level, description, risks, recommendations)."""
    p = instrument.load().principle(principle_id)
    lad = ladders.load(principle_id)
    rows = []
    for lv in lad["levels"]:
        rows.append({
            "Nivå": f"{lv['level']}. {lv['title']}",
            "Kännetecken": lv["description"].strip(),
            "Risker": "; ".join(lv["risks"]),
            "Rekommendationer": " ".join(lv["recommendations"]),
        })
    pub.markdown("## Mognadstrappa")
    pub.table(pd.DataFrame(rows), "ladder", f"Mognadstrappa för {p.name_sv.lower()}: kännetecken, risker och "
              "rekommendationer per nivå", align="llll")


def statement(principle_id: str, pub: d.Publisher) -> None:
    inst = instrument.load()
    p = inst.principle(principle_id)
    lo, hi = inst.scale.min, inst.scale.max
    pub.markdown(
        "## Relaterad fråga i DiMiOS\n\n"
        f"> {p.statement}\n\n"
        f"Svaren ges på en skala från {lo} till {hi} (eller «{inst.scale.dont_know}») och räknas om till "
        "procent; organisationens värde är medelvärdet av respondenternas svar."
    )


def spread_rows(ctx: ReportData, principle_id: str) -> pd.DataFrame:
    wide = spread.spread_wide(ctx.org_scores)
    return wide[wide["principle"] == principle_id].set_index("year")


def spread_section(ctx: ReportData, principle_id: str, pub: d.Publisher) -> None:
    """Spread table in the published layout (years as rows, levels as columns) and a stacked bar chart."""
    import matplotlib.pyplot as plt

    style()
    p = instrument.load().principle(principle_id)
    rows = spread_rows(ctx, principle_id)
    n_levels = instrument.load().scoring.n_levels
    table = pd.DataFrame({"År": rows.index.astype(str)})
    for k in range(1, n_levels + 1):
        pcts = rows[f"level_{k}_pct"].to_numpy()
        counts = rows[f"level_{k}_n"].to_numpy()
        table[f"Nivå {k}"] = ["" if c == 0 else d.pct(v) for v, c in zip(pcts, counts)]
    table["Antal organisationer"] = [d.count(n) for n in rows["n"]]
    answers = ctx.responses[principle_id].notna().groupby(ctx.responses["year"]).sum().reindex(rows.index)
    table["Antal svar"] = [d.count(n) for n in answers]
    csv = rows.reset_index()[["year", *[f"level_{k}_n" for k in range(1, n_levels + 1)],
                              *[f"level_{k}_pct" for k in range(1, n_levels + 1)], "n"]]
    csv["answers"] = answers.to_numpy()
    pub.markdown("## Fördelning av organisationer i mognadsnivåerna")
    pub.table(table, "spread", f"Andel organisationer per mognadsnivå och år, {p.name_sv.lower()} "
              "(procent, avrundat; tom cell = ingen organisation)", csv=csv)

    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(rows) + 1.4))
    left = np.zeros(len(rows))
    for k in range(1, n_levels + 1):
        share = rows[f"level_{k}_n"].to_numpy() / rows["n"].to_numpy() * 100
        ax.barh(rows.index.astype(str), share, left=left, color=LEVEL_COLOURS[k - 1], label=f"Nivå {k}",
                edgecolor="white")
        for y, (l, s) in enumerate(zip(left, share)):
            if s >= 6:
                ax.text(l + s / 2, y, d.num(s), ha="center", va="center", fontsize=8,
                        color="white" if k in (1, 4) else "black")
        left += share
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("Andel organisationer (%)")
    ax.legend(ncol=n_levels, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    first, last = rows.index.min(), rows.index.max()
    alt = (f"Liggande staplar per år {first}–{last} som visar hur organisationerna fördelas över nivå 1–4 för "
           f"{p.name_sv.lower()}. " + " ".join(
               f"{y}: " + ", ".join(f"nivå {k} {d.pct(rows.loc[y, f'level_{k}_pct'])}" for k in range(1, n_levels + 1))
               + "." for y in rows.index))
    pub.figure(fig, "spread", f"Fördelning över mognadsnivåerna per år, {p.name_sv.lower()}", alt)


def mean_and_trend(ctx: ReportData, principle_id: str, pub: d.Publisher, threshold: float | None = None) -> None:
    """National mean per year, its change and trend class, and a paragraph computed from the data."""
    inst = instrument.load()
    p = inst.principle(principle_id)
    thr = inst.scoring.trend_threshold if threshold is None else float(threshold)
    means = trends.national_means(ctx.org_scores)[principle_id].dropna()
    tr = trends.principle_trends(ctx.org_scores, threshold=thr).loc[principle_id]
    rows = spread_rows(ctx, principle_id)
    first, last = int(rows.index.min()), int(rows.index.max())
    high_first = (rows.loc[first, "level_3_n"] + rows.loc[first, "level_4_n"]) / rows.loc[first, "n"] * 100
    high_last = (rows.loc[last, "level_3_n"] + rows.loc[last, "level_4_n"]) / rows.loc[last, "n"] * 100
    low_last = rows.loc[last, "level_1_n"] / rows.loc[last, "n"] * 100
    table = pd.DataFrame({"År": [str(y) for y in means.index],
                          "Medelvärde (%)": [d.num(v, 1) for v in means.values],
                          "Antal organisationer": [d.count(rows.loc[y, "n"]) if y in rows.index else "–"
                                                   for y in means.index]})
    pub.markdown("## Nationellt medelvärde och trend")
    pub.table(table, "mean", f"Nationellt medelvärde per år, {p.name_sv.lower()} (medel av organisationernas värden)",
              csv=pd.DataFrame({"year": means.index, "mean_pct": means.values.round(6)}))
    direction = {"negative": "minskat", "positive": "ökat", "stable": "legat i stort sett still"}[tr["trend"]]
    more_less = "större" if high_last > high_first else "mindre" if high_last < high_first else "lika stor"
    pub.markdown(
        f"Mellan {first} och {last} har medelvärdet för {p.name_sv.lower()} {direction}, från "
        f"{d.pct(tr['first_mean'], 1)} till {d.pct(tr['last_mean'], 1)} "
        f"({d.signed(tr['change'], 1)} procentenheter). Med gränsen ±{d.num(thr, 0)} procentenheter klassas "
        f"utvecklingen som **{trends.CLASS_SV[tr['trend']]}**. "
        f"Andelen organisationer på nivå 3 eller 4 var {d.pct(high_first)} {first} och {d.pct(high_last)} {last}, "
        f"alltså {more_less} {last}; {d.pct(low_last)} av organisationerna låg på nivå 1 {last}."
    )
