"""Closing summary: each published claim with this build's result and verdict."""

from __future__ import annotations

import pandas as pd

from dimios import display as d
from dimios.chapters.quality.common import STATUS_SV, STATUS_SYNTHETIC_SV
from dimios.context import ReportData


def summary_section(ctx: ReportData, pub: d.Publisher, *results: dict) -> list[dict]:
    """Closing list: each published claim with the result of this build and a verdict.

    On the synthetic default panel the list says whether the method recovers what the generator
    put in, not whether a claim about DiMiOS holds. A range compared with a published observed
    range (AVE) is listed as a comparison and not counted among the claims that hold."""
    status_sv = STATUS_SYNTHETIC_SV if ctx.default_panel else STATUS_SV
    verdicts = [v for r in results if r for v in r.get("verdicts", [])]
    lines = [f"- {status_sv[v['status']]}: {v['claim']} Här: {v['result']}." for v in verdicts]
    claims = [v for v in verdicts if v["status"] != "range"]
    n_ok = sum(v["status"] == "ok" for v in claims)
    n_na = sum(v["status"] == "na" for v in claims)
    n_range = len(verdicts) - len(claims)
    tested = len(claims) - n_na
    ranges = (f" {'Ett mått jämförs' if n_range == 1 else f'{n_range} mått jämförs'} bara som spann bredvid det "
              "publicerade, eftersom rapporten anger det observerade spannet och ingen gräns." if n_range else "")
    if ctx.default_panel:
        lead = (f"{ctx.mode_sv} Listan visar vad kontrollerna ger på den syntetiska panelen: av de {len(claims)} "
                f"egenskaper som den publicerade rapporten anger återfinns {n_ok} i panelen"
                + (f" ({n_na} kan inte prövas på dessa data)" if n_na else "") + ". Eftersom panelen är gjord "
                "efter samma modell som kontrollerna prövar är det ett prov på metoden, inte en bekräftelse av "
                "DiMiOS." + ranges)
    else:
        lead = (f"{ctx.mode_sv} Jämfört med den publicerade rapporten stämmer {n_ok} av {len(claims)} påståenden "
                "fullt ut"
                + (f"; {n_na} av dem kan inte prövas på dessa data, så {n_ok} av de {tested} som kan prövas stämmer"
                   if n_na else "") + "." + ranges)
    pub.markdown("## Sammanfattning\n\n" + lead + "\n\n" + "\n".join(lines))
    if pub.dir is not None:  # machine-readable verdicts beside the tables (the list above is the display)
        pd.DataFrame(verdicts, columns=["claim", "result", "status"]).to_csv(
            pub.dir / "quality-summary.csv", index=False, lineterminator="\n")
    return verdicts
