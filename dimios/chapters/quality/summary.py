"""Closing summary: each published claim with this build's result and verdict."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios.context import ReportData


def summary_section(ctx: ReportData, pub: d.Publisher, *results: dict) -> list[dict]:
    """Closing list: each published claim with the result of this build and a verdict."""
    status_sv = {"ok": "Stämmer", "partly": "**Stämmer delvis**", "no": "**Stämmer inte**",
                 "na": "**Kan inte prövas**"}
    verdicts = [v for r in results if r for v in r.get("verdicts", [])]
    lines = [f"- {status_sv[v['status']]}: {v['claim']} Här: {v['result']}." for v in verdicts]
    n_ok = sum(v["status"] == "ok" for v in verdicts)
    n_na = sum(v["status"] == "na" for v in verdicts)
    tested = len(verdicts) - n_na
    pub.markdown(
        "## Sammanfattning\n\n"
        f"{ctx.mode_sv} Jämfört med den publicerade rapporten stämmer {n_ok} av {len(verdicts)} påståenden fullt ut"
        + (f"; {n_na} av dem kan inte prövas på dessa data, så {n_ok} av de {tested} som kan prövas stämmer"
           if n_na else "") + ":\n\n"
        + "\n".join(lines)
    )
    if pub.dir is not None:  # machine-readable verdicts beside the tables (the list above is the display)
        pd.DataFrame(verdicts, columns=["claim", "result", "status"]).to_csv(
            pub.dir / "quality-summary.csv", index=False, lineterminator="\n")
    return verdicts
