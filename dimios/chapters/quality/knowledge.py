"""Knowledge level: share of "vet ej" and unanswered per principle, year and involvement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument
from dimios.chapters.common import style
from dimios.chapters.quality.common import CLAIMS, _items, _name, _round, _single_thread, _verdict
from dimios.context import ReportData


def _knowledge_figure(wide: pd.DataFrame, col_labels: list[str], names: list[str], group_labels: list[str]):
    import matplotlib.pyplot as plt

    style()
    vals = wide.to_numpy(dtype=float) * 100
    fig, ax = plt.subplots(figsize=(7.5, 0.26 * len(names) + 1.6))
    masked = np.ma.masked_invalid(vals)
    vmax = max(float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0, 1.0)
    im = ax.imshow(masked, aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            ax.text(j, i, "–" if np.isnan(v) else d.num(v, 1), ha="center", va="center", fontsize=7,
                    color="white" if (not np.isnan(v) and v > 0.6 * vmax) else "#222222")
    ax.set_xticks(range(len(col_labels)), col_labels, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.grid(False)
    per_group = len(col_labels) // len(group_labels)
    for i, label in enumerate(group_labels):
        ax.text((i + 0.5) * per_group - 0.5, -1.6, label, ha="center", va="bottom", fontsize=9, fontweight="bold")
        if i:
            ax.axvline(i * per_group - 0.5, color="black", lw=1.2)
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.set_label("Andel ”vet ej” eller obesvarat (%)", fontsize=8)
    fig.tight_layout()
    return fig


@_single_thread
def knowledge_section(ctx: ReportData, pub: d.Publisher) -> dict:
    """Share of "vet ej"/unanswered per principle and year, involved vs not (figure 8)."""
    from dimios.quality import knowledge

    inst = instrument.load()
    items = _items()
    resp = ctx.responses
    years = ctx.years
    k = ctx.privacy_threshold
    dont_know = inst.scale.dont_know
    split = knowledge.missing_share(resp, items, by="year", split="involved")
    overall = knowledge.missing_share(resp, items, by="year", split=None)
    complete = knowledge.complete_share(resp, items, by="year")
    small = split["n"] < k
    split.loc[small, ["n_missing", "share_missing"]] = np.nan

    pooled = resp[items].isna().mean()
    top = pooled.sort_values(ascending=False, kind="stable").head(3)
    low = pooled.sort_values(kind="stable").head(3)
    inv = resp["involved"]
    is_inv, is_not = (inv == True).to_numpy(), (inv == False).to_numpy()  # noqa: E712
    # a group below the privacy threshold is not shown (nor its share)
    miss_inv = resp.loc[is_inv, items].isna().to_numpy().mean() * 100 if is_inv.sum() >= k else np.nan
    miss_not = resp.loc[is_not, items].isna().to_numpy().mean() * 100 if is_not.sum() >= k else np.nan

    def _group_pct(v: float) -> str:
        return d.pct(v, 1) if not np.isnan(v) else f"redovisas inte (färre än {k} svar)"
    first, last = years[0], years[-1]
    c = complete.set_index("year")
    delta = (c.loc[last, "share_complete"] - c.loc[first, "share_complete"]) * 100
    thr = ctx.trend_threshold
    direction = "ökande" if delta > thr else "minskande" if delta < -thr else "stabil"
    all_years_most = bool((complete["share_complete"] > 0.5).all())

    pub.markdown(
        "## Kunskapsnivå\n\n"
        f"En respondent kan svara ”{dont_know}” eller lämna ett påstående obesvarat, till exempel när kunskapen om "
        "principen saknas i den egna rollen. Båda räknas här som en kunskapslucka. Andelen säger inte varför "
        "kunskapen saknas, men visar var i instrumentet och hos vilka respondenter luckorna finns.\n\n"
        "Den publicerade rapporten tolkar luckorna försiktigt. Utan fördjupade studier går det inte att säga vad de "
        "beror på, men de kan vara ett tecken på låg mognad i principen: det som organisationen inte arbetar med "
        "känner respondenterna inte heller till. Att fler svarar på alla påståenden med tiden kan i sin tur bero på "
        "att organisationerna blir bättre på att välja respondenter som har något att säga om principerna, och på "
        "att kunskapen om området växer."
    )
    text = (
        f"Andelen respondenter som svarade på alla {len(items)} påståenden var "
        + d.join_sv(f"{d.pct(c.loc[y, 'share_complete'] * 100, 1)} ({y})" for y in years) + ". "
    )
    if len(years) > 1:
        text += (f"Från {first} till {last} ändrades andelen med {d.signed(delta, 1)} procentenheter, alltså "
                 f"{direction} (gräns ±{d.given(thr)} procentenheter, samma som för principernas trender). ")
    text += (
        f"I genomsnitt besvarades {d.num(resp[items].notna().sum(axis=1).mean(), 1)} av {len(items)} påståenden. "
        + (f"Flest luckor över alla år har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in top.items())}; "
           f"minst har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in low.items())}. "
           if pooled.max() > 0 else "Inget påstående har någon lucka. ")
        + (f"Respondenter som är involverade i digitaliseringsarbetet lämnade i genomsnitt {d.pct(miss_inv, 1)} av "
           f"påståendena obesvarade, övriga {d.pct(miss_not, 1)}."
           if not (np.isnan(miss_inv) or np.isnan(miss_not)) else
           f"Andelen obesvarade påståenden för involverade och övriga respondenter redovisas bara för grupper med "
           f"minst {k} svar: involverade {_group_pct(miss_inv)}, övriga {_group_pct(miss_not)}.")
    )
    pub.markdown(text)

    ct = pd.DataFrame({
        "År": [str(y) for y in complete["year"]],
        "Svar": [d.count(v) for v in complete["n"]],
        "Svarade på alla": [d.count(v) for v in complete["n_complete"]],
        "Andel (%)": [d.num(v * 100, 1) for v in complete["share_complete"]],
        "Medel antal besvarade": [d.num(v, 1) for v in complete["mean_answered"]],
    })
    pub.table(ct, "quality-complete", f"Respondenter som svarade på alla {len(items)} påståenden, per år",
              csv=_round(complete))

    # principle x (group, year) for table and figure
    wide_all = overall.pivot(index="item", columns="year", values="share_missing").reindex(items)
    groups = [(True, "Involverade"), (False, "Ej involverade")]
    cols, labels = [], []
    for flag, label in groups:
        sub = split[split["involved"] == flag].pivot(index="item", columns="year", values="share_missing")
        sub = sub.reindex(index=items, columns=years)
        for y in years:
            cols.append(sub[y].rename((label, y)))
            labels.append(str(y))
    wide = pd.concat(cols, axis=1)
    table = pd.DataFrame({"Princip": [_name(p) for p in items]})
    for y in years:
        table[f"{y} (%)"] = [d.num(v * 100, 1) for v in wide_all[y]]
    for label, sel in (("Involverade", is_inv), ("Ej involverade", is_not)):
        share = resp.loc[sel, items].isna().mean() if sel.sum() >= k else pd.Series(np.nan, index=items)
        table[f"{label}, alla år (%)"] = [d.num(v * 100, 1) for v in share]
    csv = pd.concat([overall.assign(group="alla"),
                     split.assign(group=np.where(split["involved"], "involverade", "ej_involverade"))
                     .drop(columns="involved")], ignore_index=True)
    csv = csv[["year", "group", "item", "n", "n_missing", "share_missing"]]
    pub.table(table, "quality-knowledge", f"Andel ”{dont_know}” eller obesvarat per princip och år, och för "
              "involverade och ej involverade respondenter", csv=_round(csv))

    fig = _knowledge_figure(wide, labels, [_name(p) for p in items], [g[1] for g in groups])
    inv_means = wide.xs("Involverade", axis=1, level=0).mean(axis=1)
    hi_inv = inv_means.idxmax() if inv_means.notna().any() else None
    alt = (f"Värmekarta med en rad per princip och en kolumn per år, först för involverade och sedan för ej "
           f"involverade respondenter; mörkare blått betyder större andel ”{dont_know}” eller obesvarat. "
           f"Störst andel över alla år har {d.join_sv(f'{_name(p)} ({d.pct(v * 100, 1)})' for p, v in top.items())}. "
           f"Involverade lämnar i genomsnitt {_group_pct(miss_inv)} obesvarat, ej involverade {_group_pct(miss_not)}"
           + (f"; bland involverade är andelen störst för {_name(hi_inv)}." if hi_inv is not None else "."))
    note = f" Grupper med färre än {k} svar visas inte." if small.any() else ""
    pub.figure(fig, "quality-knowledge", "Översikt av kunskapsnivå: andel ”vet ej” eller obesvarat per princip, år "
               "och involvering (jfr figur 8 i den publicerade rapporten)." + note, alt)

    status = "ok" if all_years_most and (len(years) < 2 or delta >= -thr) else "no"
    res = (f"{d.pct(c.loc[first, 'share_complete'] * 100, 1)} ({first})"
           + (f" till {d.pct(c.loc[last, 'share_complete'] * 100, 1)} ({last}) svarade på alla påståenden, "
              f"{direction} ({d.signed(delta, 1)} procentenheter)" if len(years) > 1 else " svarade på alla påståenden"))
    return {"complete": complete, "missing": csv, "top": top, "delta": delta, "direction": direction,
            "verdicts": [_verdict(CLAIMS["knowledge"], res, status)]}
