"""The principle chapter (sections 2.2 and 2.3): one notebook, run once per principle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, ladders, sections, spread, trends
from dimios.chapters.common import LEVEL_COLOURS, SPREAD_MEAN_HEADING, chapter_link, style
from dimios.chapters.common import heading as chapter_heading
from dimios.chapters.common import source_sv
from dimios.context import ReportData


def heading(principle_id: str, pub: d.Publisher, ctx: ReportData | None = None) -> None:
    inst = instrument.load()
    p = inst.principle(principle_id)
    lad = ladders.load(principle_id)
    pub.markdown(
        (chapter_heading(ctx, p.name_sv) if ctx is not None else f"# {p.name_sv}\n\n")
        + f"*{inst.dimension(p.dimension).name_sv} · kategori {inst.category(p.category).name_sv} · "
        f"princip {p.table} av {len(inst.principles)}*\n\n{lad['definition']}"
    )


LEVEL_NAMES_NOTE = ("Nivåernas namn (som ”{example}”) är projektets egna: den publicerade trappan numrerar bara "
                    "nivåerna 1–4.")
OWN_MARK = {"added": "projektets tillägg", "completed": "kompletterad av projektet"}


def _marked(lv: dict, field: str) -> list[str]:
    """The level's items of ``field``, each the project added or completed marked as such in the text."""
    own = {o["index"]: o["kind"] for o in lv["own"] if o["field"] == field}
    return [f"{t} ({OWN_MARK[own[i]]})" if i in own else t for i, t in enumerate(lv[field])]


def ladder_table(principle_id: str, pub: d.Publisher) -> None:
    """The four-level ladder as one readable table (level, description, risks, recommendations).

    Risks and recommendations the project added to the published ladder, or completed where
    the published text breaks off, are marked in the table and listed below it."""
    p = instrument.load().principle(principle_id)
    lad = ladders.load(principle_id)
    rows = []
    for lv in lad["levels"]:
        rows.append({
            "Nivå": f"{lv['level']}. {lv['title']}",
            "Kännetecken": lv["description"].strip(),
            "Risker": "; ".join(_marked(lv, "risks")),
            "Rekommendationer": " ".join(_marked(lv, "recommendations")),
        })
    pub.markdown(f"## Mognadstrappa\n\n{pub.ref('tbl', 'ladder', capital=True)} beskriver de fyra nivåerna: vad som "
                 "kännetecknar organisationer på nivån, vilka risker som är typiska där och vad som rekommenderas "
                 f"för att ta nästa steg. {LEVEL_NAMES_NOTE.format(example=lad['levels'][0]['title'])}")
    pub.table(pd.DataFrame(rows), "ladder", f"Mognadstrappa för {p.name_sv.lower()}: kännetecken, risker och "
              "rekommendationer per nivå", align="llll")
    for note in lad.get("notes") or []:  # the published report's footnotes on the ladder itself
        pub.markdown(f"*Anmärkning.* {note.strip()}")
    own = ladders.own_items(principle_id)
    if own:
        field_sv = {"risks": "risken", "recommendations": "rekommendationen"}
        items = []
        for o in own:
            text = o["text"].rstrip(".")
            item = f"nivå {o['level']}, {field_sv[o['field']]} ”{text}” ({OWN_MARK[o['kind']]})"
            if o["note"]:
                item += f". {o['note'].strip().rstrip('.')}"
            items.append(f"- {item}.")
        pub.markdown(
            "Trappan återger den publicerade rapportens nivåer, risker och rekommendationer med egna ord. "
            + ("Följande punkt är projektets egen och finns inte" if len(own) == 1 else
               "Följande punkter är projektets egna och finns inte")
            + " i den publicerade trappan i den här formen:\n\n" + "\n".join(items)
        )


def method_link(text: str = "metodbilagan") -> str:
    """A link to the method appendix (the section declared with the method notebook)."""
    sec = next((s for s in sections.national_sections() if s.notebook == "method.ipynb"), None)
    return f"[{text}]({sec.id}.html)" if sec else text


def statement(principle_id: str, pub: d.Publisher) -> None:
    inst = instrument.load()
    p = inst.principle(principle_id)
    lo, hi = inst.scale.min, inst.scale.max
    pub.markdown(
        "## Relaterad fråga i DiMiOS\n\n"
        f"> {p.statement}\n\n"
        "Den publicerade rapporten anger inte svarsskalan. Den här rapporten antar att svaren ges på en skala från "
        f"{lo} till {hi} (eller {d.quote(inst.scale.dont_know)}) och räknar om dem till procent; organisationens "
        f"poäng på principen är medelvärdet av respondenternas giltiga svar. Antagandena beskrivs i {method_link()}."
    )


def references(principle_id: str, pub: d.Publisher) -> None:
    """The published report's footnote references for the principle ("För inspiration, se ...")."""
    refs = ladders.references(principle_id)
    if not refs:
        pub.markdown("## För inspiration\n\nDen publicerade rapporten hänvisar inte till några källor för den här "
                     "principen.")
        return
    cited = {"details": " – för detaljer", "source": " – källa till ett påstående i den publicerade texten"}
    items = []
    for r in refs:
        medium = f" ({r['medium']})" if r.get("medium") and r.get("title") else ""
        if r.get("title"):
            link = f"[{r['title']}]({r['url']}){medium}"
        else:
            link = f"[{r.get('medium', 'länk')}]({r['url']}), titel anges inte"
        items.append(f"- {r['source']}: {link}{cited.get(r.get('cited'), '')}")
    pub.markdown(
        "## För inspiration\n\n"
        "Den publicerade rapporten hänvisar i fotnoter till följande källor för den som vill fördjupa sig. Den anger "
        "bara länkarna; titlarna nedan är utlästa ur länkadresserna.\n\n" + "\n".join(items)
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
    empty = rows["n"].to_numpy() == 0  # a year of the data in which nobody answered this principle
    for k in range(1, n_levels + 1):
        pcts = rows[f"level_{k}_pct"].to_numpy()
        counts = rows[f"level_{k}_n"].to_numpy()
        table[f"Nivå {k}"] = ["" if c == 0 else d.pct(v) for v, c in zip(pcts, counts)]
    table["Antal organisationer"] = [d.count(n) for n in rows["n"]]
    answers = ctx.responses[principle_id].notna().groupby(ctx.responses["year"]).sum().reindex(rows.index,
                                                                                                 fill_value=0)
    table["Antal svar"] = [d.count(n) for n in answers]
    if empty.any():
        table["Anmärkning"] = [spread.NO_ANSWERS_SV if e else "" for e in empty]
    csv = rows.reset_index()[["year", *[f"level_{k}_n" for k in range(1, n_levels + 1)],
                              *[f"level_{k}_pct" for k in range(1, n_levels + 1)], "n"]]
    csv["answers"] = answers.to_numpy()
    csv["note"] = [spread.NO_ANSWERS_SV if e else "" for e in empty]
    pub.markdown(f"## Fördelning av organisationer i mognadsnivåerna\n\n"
                 f"{pub.ref('tbl', 'spread', capital=True)} visar för varje år hur stor andel av organisationerna "
                 f"i {source_sv(ctx)} som låg på respektive mognadsnivå och motsvarar tabell {p.table}.1 i den publicerade rapporten. "
                 f"{pub.ref('fig', 'spread', capital=True)} visar samma fördelning som staplar.")
    pub.table(table, "spread", f"Andel organisationer per mognadsnivå och år, {p.name_sv.lower()} "
              f"(procent, avrundat; tom cell = ingen organisation); tabell {p.table}.1 i den publicerade rapporten",
              csv=csv)

    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(rows) + 1.4))
    left = np.zeros(len(rows))
    for k in range(1, n_levels + 1):
        share = np.where(empty, 0.0, rows[f"level_{k}_n"].to_numpy() / np.maximum(rows["n"].to_numpy(), 1) * 100)
        ax.barh(rows.index.astype(str), share, left=left, color=LEVEL_COLOURS[k - 1], label=f"Nivå {k}",
                edgecolor="white")
        for y, (l, s) in enumerate(zip(left, share)):
            if s >= 6:
                ax.text(l + s / 2, y, d.num(s), ha="center", va="center", fontsize=8,
                        color="white" if k in (1, 4) else "black")
        left += share
    for y in np.flatnonzero(empty):
        ax.text(50, y, spread.NO_ANSWERS_SV, ha="center", va="center", fontsize=9, color="black")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("Andel organisationer (%)")
    ax.legend(ncol=n_levels, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    alt = (f"Liggande staplar per år {trends.years_sv(rows.index)} som visar hur organisationerna fördelas över "
           f"nivå 1–{n_levels} för {p.name_sv.lower()}. " + " ".join(
               f"{y}: " + (spread.NO_ANSWERS_SV if rows.loc[y, "n"] == 0 else ", ".join(
                   f"{d.pct(rows.loc[y, f'level_{k}_pct'])} på nivå {k}" for k in range(1, n_levels + 1))) + "."
               for y in rows.index))
    pub.figure(fig, "spread", f"Fördelning över mognadsnivåerna per år, {p.name_sv.lower()}", alt)


def _share(rows: pd.DataFrame, year: int, levels) -> float:
    return float(sum(rows.loc[year, f"level_{k}_n"] for k in levels) / rows.loc[year, "n"] * 100)


def mean_and_trend(ctx: ReportData, principle_id: str, pub: d.Publisher, threshold: float | None = None) -> None:
    """National mean per year, its change and trend class, and a paragraph computed from the data.

    With one year there is no change and no class: the text says so. When the share of
    organisations at levels 3-4 and the mean move differently (``trends.spread_vs_mean``),
    a sentence says so and why that can happen."""
    inst = instrument.load()
    p = inst.principle(principle_id)
    name = p.name_sv.lower()
    thr = inst.scoring.trend_threshold if threshold in (None, "") else float(threshold)
    # on the synthetic panel the mean is the panel's, not a national figure
    mean_sv = "Panelens medelvärde" if ctx.default_panel else "Nationellt medelvärde"
    means = trends.national_means(ctx.org_scores)[principle_id].dropna()
    rows = spread_rows(ctx, principle_id)
    rows = rows[rows["n"] > 0]
    if means.empty or rows.empty:
        pub.markdown(f"## {mean_sv}\n\nIngen organisation har poäng på {name} i {source_sv(ctx)}.")
        return
    n_levels = inst.scoring.n_levels
    upper = (n_levels - 1, n_levels)
    upper_sv = f"nivå {upper[0]} eller {upper[1]}"
    unanswered = [y for y in ctx.years if y not in means.index]  # years of the data nobody answered it
    shown_years = sorted(set(means.index) | set(unanswered))
    table = pd.DataFrame({"År": [str(y) for y in shown_years],
                          "Medelvärde (%)": [d.num(means[y], 1) if y in means.index else spread.NO_ANSWERS_SV
                                             for y in shown_years],
                          "Antal organisationer": [d.count(rows.loc[y, "n"]) if y in rows.index else "0"
                                                   for y in shown_years]})
    csv = pd.DataFrame({"year": shown_years, "mean_pct": [round(float(means[y]), 6) if y in means.index else None
                                                          for y in shown_years],
                        "note": ["" if y in means.index else spread.NO_ANSWERS_SV for y in shown_years]})
    first, last = int(means.index.min()), int(means.index.max())
    low_last = _share(rows, last, (1,))
    low_text = (f"År {last} låg ingen organisation på nivå 1." if rows.loc[last, "level_1_n"] == 0 else
                f"År {last} låg {d.pct(low_last)} av organisationerna på nivå 1.")
    if first == last:
        pub.markdown(f"## {mean_sv}")
        pub.table(table, "mean", f"{mean_sv}, {name} (medel av organisationernas poäng)", csv=csv)
        pub.markdown(
            f"{source_sv(ctx, capital=True)} omfattar bara år {last}. Medelvärdet för {name} var då {d.pct(means.loc[last], 1)}, och "
            f"{d.pct(spread.shown_share(rows, last, upper))} av organisationerna låg på {upper_sv}. {low_text} "
            "En förändring över tid, och därmed en trendklass, kräver data från minst två år."
        )
        return

    tr = trends.spread_vs_mean(ctx.org_scores, threshold=thr).loc[principle_id].copy()
    # the shares as the spread table above adds up (rounded per level)
    tr["high_first"] = spread.shown_share(rows, int(tr["first_year"]), upper)
    tr["high_last"] = spread.shown_share(rows, int(tr["last_year"]), upper)
    pub.markdown(f"## {mean_sv} och trend")
    pub.table(table, "mean", f"{mean_sv} per år, {name} (medel av organisationernas poäng)", csv=csv)
    direction = {"negative": "minskat", "positive": "ökat", "stable": "legat i stort sett still"}[tr["trend"]]
    gap = trends.missing_years(ctx.years)
    gap = [y for y in gap if first < y < last]
    gap_text = ""
    if gap:
        gap_text = (f" Underlaget saknar data för {d.join_sv(str(y) for y in gap)}, så jämförelsen hoppar över "
                    + ("det året." if len(gap) == 1 else "de åren."))
    if unanswered:
        gap_text += (f" Ingen organisation har poäng på {name} år {d.join_sv(str(y) for y in unanswered)} (inga svar), "
                     f"så medelvärdet och trenden bygger på {trends.years_phrase_sv(means.index)}.")
    h0, h1 = d.pct(tr["high_first"]), d.pct(tr["high_last"])
    if h0 == h1:
        share_text = f"Andelen organisationer på {upper_sv} var {h0} både år {first} och år {last}."
    else:
        verb = "steg" if tr["high_last"] > tr["high_first"] else "sjönk"
        share_text = f"Andelen organisationer på {upper_sv} {verb} från {h0} år {first} till {h1} år {last}."
    if d.num(tr["first_mean"], 1) == d.num(tr["last_mean"], 1):
        mean_text = (f"Mellan {first} och {last} var medelvärdet för {name} i {source_sv(ctx)} oförändrat "
                     f"{d.pct(tr['last_mean'], 1)} ({pub.ref('tbl', 'mean')}).")
    else:
        mean_text = (f"Mellan {first} och {last} har medelvärdet för {name} i {source_sv(ctx)} {direction} "
                     f"({pub.ref('tbl', 'mean')}), "
                     f"från {d.pct(tr['first_mean'], 1)} till {d.pct(tr['last_mean'], 1)} "
                     f"({d.signed(tr['change'], 1)} procentenheter).")
    text = (
        f"{mean_text}{gap_text} Med gränsen ±{d.given(thr)} procentenheter "
        f"klassas utvecklingen som **{trends.CLASS_SV[tr['trend']]}**. {share_text} {low_text}"
    )
    if tr["disagree"]:
        text += "\n\n" + disagreement_sentence(tr)
    pub.markdown(text)


def disagreement_sentence(tr: pd.Series) -> str:
    """Why the share at the upper levels and the mean can move differently (one principle's row of
    ``trends.spread_vs_mean``)."""
    sc = instrument.load().scoring
    upper_sv = f"nivå {sc.n_levels - 1} eller {sc.n_levels}"
    cut = d.pct(sc.cut_points[-2])
    share_verb = trends.SHARE_DIRECTION_SV[tr["share_direction"]]
    shares = f"från {d.pct(tr['high_first'])} till {d.pct(tr['high_last'])}"
    if tr["trend"] == "stable":
        lead = f"Medelvärdet räknas som stabilt, men andelen på {upper_sv} {share_verb} {shares}"
    else:
        mean_verb = "sjönk" if tr["trend"] == "negative" else "steg"
        lead = (f"Medelvärdet och nivåfördelningen pekar här åt olika håll: medelvärdet {mean_verb} med "
                f"{d.num(abs(tr['change']), 1)} procentenheter medan andelen på {upper_sv} {share_verb} {shares}")
    return (
        f"{lead}. Det går ihop eftersom andelen bara räknar hur många organisationer som ligger över den antagna "
        f"gränsen {cut} för nivå {sc.n_levels - 1}, medan medelvärdet påverkas av alla organisationers poäng: organisationer "
        "nära gränsen kan passera den åt ena hållet samtidigt som poängen längre från gränsen rör sig åt det "
        "andra. "
        + composition_sentence(tr)
        + " Båda måtten bör därför läsas tillsammans. Kapitlet "
        + chapter_link("overview.ipynb")
        + f" samlar alla principer där måtten går isär, i avsnittet ”{SPREAD_MEAN_HEADING}”."
    )


def composition_sentence(tr: pd.Series) -> str:
    """Whether the first and the last year compare the same organisations (a ``spread_vs_mean`` row)."""
    n0, n1, same = int(tr["n_first"]), int(tr["n_last"]), int(tr["n_same"])
    y0, y1 = int(tr["first_year"]), int(tr["last_year"])
    if same == n0 == n1:
        return f"Jämförelsen gäller samma {d.count(same)} organisationer båda åren."
    return (f"Dessutom är det inte samma organisationer som jämförs: {d.count(n0)} organisationer år {y0} och "
            f"{d.count(n1)} år {y1}; av dem finns {d.count(same)} med båda åren.")
