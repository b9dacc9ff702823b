"""Overview of digital maturity over time (section 2.4)."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios import instrument, trends
from dimios.chapters.common import TREND_COLOURS, style
from dimios.context import ReportData


def trend_section(ctx: ReportData, pub: d.Publisher, threshold: float | None = None) -> None:
    import matplotlib.pyplot as plt

    style()
    inst = instrument.load()
    thr = inst.scoring.trend_threshold if threshold is None else float(threshold)
    tr = trends.principle_trends(ctx.org_scores, threshold=thr).sort_values("change")
    names = [inst.principle(p).name_sv for p in tr.index]
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    ax.barh(names, tr["change"], color=[TREND_COLOURS[c] for c in tr["trend"]])
    for x in (-thr, thr):
        ax.axvline(x, color="black", lw=0.8, ls="--")
    ax.set_xlabel("Förändring av medelvärdet (procentenheter)")
    first, last = int(tr["first_year"].min()), int(tr["last_year"].max())
    alt = (f"Liggande staplar för de 26 principernas förändring {first}–{last}, sorterade från störst minskning "
           f"till störst ökning; streckade linjer vid ±{d.num(thr)} procentenheter.")
    pub.markdown("# Digital mognad över tid\n\n## Trend per princip")
    groups = {c: [inst.principle(p).name_sv for p in tr.index[tr["trend"] == c]] for c in ("negative", "stable", "positive")}
    pub.markdown(
        f"Mellan {first} och {last} utvecklades {len(groups['negative'])} principer negativt "
        f"({d.join_sv(groups['negative'])}), {len(groups['stable'])} var stabila ({d.join_sv(groups['stable'])}) och "
        f"{len(groups['positive'])} utvecklades positivt ({d.join_sv(groups['positive'])})."
    )
    pub.figure(fig, "trend", f"Förändring av principernas medelvärden {first}–{last}, färgad efter trendklass", alt)
    table = pd.DataFrame({"Princip": names,
                          f"Medel {first} (%)": [d.num(v, 1) for v in tr["first_mean"]],
                          f"Medel {last} (%)": [d.num(v, 1) for v in tr["last_mean"]],
                          "Förändring": [d.signed(v, 1) for v in tr["change"]],
                          "Trend": [trends.CLASS_SV[c] for c in tr["trend"]]})
    pub.table(table, "trend", f"Principernas medelvärden {first} och {last} och trendklass",
              csv=tr.reset_index().round(6))
