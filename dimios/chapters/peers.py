"""The organisation report's peer chapter: the organisation among organisations like it.

Computations live in ``dimios.peers``; here they become Swedish prose, tables and a figure.
Only groups the privacy rule lets through are shown; for the others the chapter says why and
which wider group is used instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dimios import display as d
from dimios import instrument, ladders, synthetic
from dimios import peers as pe
from dimios.chapters.common import LEVEL_COLOURS, heading, style
from dimios.organisation import OrganisationReport

VERDICT_SV = {"above": "tydligt över", "below": "tydligt under", "within": "ingen tydlig skillnad", "": "–"}
OWN_COLOUR = "#d55e00"


def _name(measure: str) -> str:
    inst = instrument.load()
    if measure == "overall":
        return "Total mognad"
    if measure in {x.id for x in inst.dimensions}:
        return inst.dimension(measure).name_sv
    return inst.principle(measure).name_sv


def _plural(otype: str) -> str:
    return pe.TYPE_PLURAL_SV.get(otype, otype)


def group_label(pc: pe.PeerComparison, level: str, group: str | None = None) -> str:
    """The Swedish name of a comparison group, e.g. 'kommuner i jämförelsegruppen ”Större städer”'."""
    plural = _plural(pc.organisation_type)
    if level == "peer_group":
        return (f"{plural} i jämförelsegruppen ”{group}”" if isinstance(group, str) and group else
                "jämförelsegruppen (`peer_group`)")
    if level == "type":
        return f"{plural} (syntetiska siffror)" if pc.source == "shipped" else f"andra {plural}"
    return "den nationella jämförelsen (medföljande siffror)" if pc.source == "shipped" else \
        "alla andra organisationer i datafilen"


def reason_sv(pc: pe.PeerComparison, row, wider: str) -> str:
    """Why a group is not shown (one sentence), or '' when it is."""
    m, k, n = pc.m, pc.k, int(row["number"])
    reason = row["reason"]
    if row["shown"]:
        return "Samma organisationer som den vidare gruppen." if reason == "same" else ""
    if reason == "missing":
        return "Organisationen har ingen jämförelsegrupp (kolumnen `peer_group` är tom eller saknas) det året."
    if reason == "too_few":
        have = "inga andra organisationer" if n == 0 else f"bara {d.plural(n, 'annan organisation', 'andra organisationer')}"
        return (f"Gruppen har {have} med minst {k} svar; det krävs minst {m} för att ingen enskild organisations "
                "värde ska gå att urskilja.")
    if reason == "difference":
        whose = "den organisationens" if n == 1 else "de organisationernas"
        return (f"Gruppen skiljer sig från {wider} med bara {d.plural(n, 'organisation', 'organisationer')}. "
                f"Visades båda medelvärdena skulle {whose} värde kunna räknas fram som skillnaden, så "
                f"gruppen visas bara när skillnaden är noll eller minst {m} organisationer.")
    if reason == "shipped_no_groups":
        return "De medföljande siffrorna har inga jämförelsegrupper, bara organisationstyper."
    if reason == "shipped_too_few":
        return (f"Den syntetiska standardpanelen har färre än {m} {_plural(pc.organisation_type)} det året, så "
                "de medföljande siffrorna har ingen jämförelse för typen.")
    if reason == "shipped_no_year":
        return "De medföljande siffrorna saknar det året; någon ärlig jämförelse finns inte."
    if reason == "shipped":
        return "Den nationella jämförelsen är de medföljande siffrorna."
    return ""


def _wider_label(pc: pe.PeerComparison, year: int, level: str) -> str:
    g = pc.groups[(pc.groups["year"] == year) & pc.groups["shown"]].set_index("level")
    for wider in pe.LEVELS[pe.LEVELS.index(level) + 1:]:
        if wider in g.index:
            return group_label(pc, wider)
    return "den nationella jämförelsen"


def _primary_label(pc: pe.PeerComparison, year: int) -> tuple[str | None, str]:
    lvl = pc.primary_level(year)
    if lvl is None:
        return None, ""
    grp = pc.groups[(pc.groups["year"] == year) & (pc.groups["level"] == lvl)]["group"].iloc[0]
    return lvl, group_label(pc, lvl, grp)


# ------------------------------------------------------------------ the groups
def intro(rep: OrganisationReport, pub: d.Publisher) -> None:
    pc = rep.peers
    plural = _plural(pc.organisation_type)
    pub.markdown(
        heading(rep.ctx, "Jämförelse med liknande organisationer")
        + f"Här jämförs {rep.organisation} med andra {plural} – och, när datafilen anger en jämförelsegrupp "
        "(`peer_group`), med organisationerna i samma grupp – bredvid den nationella jämförelsen. Organisationens "
        "eget värde bygger på dess respondenter och har en osäkerhet; en skillnad kallas tydlig först när hela "
        f"organisationens {d.num(pe.CONFIDENCE * 100)}-procentiga konfidensintervall ligger på samma sida om "
        "gruppens medelvärde. Percentilen är andelen av gruppens organisationer med lägre värde, där lika värden "
        "räknas till hälften."
    )
    if pc.source == "shipped":
        pub.callout(
            f"{rep.reference.reason_sv} Även jämförelsen per organisationstyp bygger därför på siffror som följer "
            "med projektet. Publicerade siffror per organisationstyp finns inte; de "
            "medföljande är beräknade ur projektets **syntetiska** standardpanel (`data/reference/"
            "peer_reference_synthetic.csv`). De visar hur jämförelsen fungerar, men inte var organisationen står "
            "bland verkliga organisationer av samma typ.", title="Syntetiska jämförelsesiffror", kind="warning")
    if not pc.years:
        pub.markdown(f"Inget år har minst {rep.k} svar, så ingen jämförelse kan visas.")
        return
    rows, sentences = [], []
    for y in pc.years:
        g = pc.groups[pc.groups["year"] == y]
        for _, r in g.iterrows():
            if (r["level"] == "national" and pc.source == "shipped") or r["reason"] == "missing":
                continue
            label = group_label(pc, r["level"], r["group"])
            why = reason_sv(pc, r, _wider_label(pc, y, r["level"]))
            rows.append({"År": str(y), "Jämförelsegrupp": label[:1].upper() + label[1:],
                         "Andra organisationer": d.count(r["n_organisations"]) if pc.source == "data" or
                         r["level"] == "type" else "–",
                         "Visas": "ja" if r["shown"] else "nej", "Kommentar": why or "–"})
        lvl, label = _primary_label(pc, y)
        hidden = g[~g["shown"] & g["level"].isin(pe.LEVELS[:2]) & (g["reason"] != "missing")]
        if len(hidden):
            parts = []
            for _, h in hidden.iterrows():
                name = group_label(pc, h["level"], h["group"])
                parts.append(f"{name[:1].upper() + name[1:]} visas inte. "
                             f"{reason_sv(pc, h, _wider_label(pc, y, h['level']))}")
            target = label if lvl is not None else (group_label(pc, "national") if
                                                   g.set_index("level").loc["national", "shown"] else None)
            sentences.append(f"{y}: " + " ".join(parts) + " "
                             + (f"Jämförelsen görs i stället med {target}." if target else
                                "Någon ärlig jämförelse med liknande organisationer finns inte det året."))
    counted = (f"antal andra organisationer med minst {rep.k} svar" if pc.source == "data" else
               "antal organisationer av typen i den syntetiska standardpanelen")
    pub.table(pd.DataFrame(rows), "groups", f"Jämförelsegrupper per år: {counted} och om gruppen visas",
              csv=pc.groups, align="llrll")
    no_group = [y for y in pc.years if pc.groups[(pc.groups["year"] == y) & (pc.groups["level"] == "peer_group")
                                                  ]["reason"].eq("missing").all()]
    if no_group and pc.source == "data":
        sentences.insert(0, f"Datafilen anger ingen jämförelsegrupp (`peer_group`) för {rep.organisation} "
                            f"{d.join_sv(str(y) for y in no_group)}, så den jämförs med andra {plural}.")
    if sentences:
        pub.markdown("\n\n".join(sentences))


# ------------------------------------------------------------------ förmåga, arv and total
def _dimension_measures() -> list[str]:
    return [*(x.id for x in instrument.load().dimensions), "overall"]


def positions(rep: OrganisationReport, pub: d.Publisher) -> None:
    pc = rep.peers
    y = pc.latest
    if y is None:
        return
    lvl, label = _primary_label(pc, y)
    shown_levels = [lv for lv in pe.LEVELS if lv in set(pc.groups[(pc.groups["year"] == y) & pc.groups["shown"]]["level"])]
    pub.markdown(f"## Förmåga, arv och total mognad {y}")
    rows, sentences = [], []
    for meas in _dimension_measures():
        own = pc.rows(y, shown_levels[0] if shown_levels else "national").loc[meas]
        row = {"Mått": _name(meas), "Värde (%)": d.num(own["score_pct"], 1),
               "95 % intervall": _interval(own)}
        for lv in shown_levels:
            r = pc.rows(y, lv).loc[meas]
            name = group_label(pc, lv, _group_of(pc, y, lv))
            row[f"Medel, {name} (%)"] = d.num(r["peer_mean_pct"], 1) if r["shown"] else "–"
            row[f"Percentil, {name}"] = d.num(r["percentile"]) if r["shown"] else "–"
        rows.append(row)
        if lvl is not None:
            r = pc.rows(y, lvl).loc[meas]
            if r["shown"]:
                sentences.append(_measure_sentence(meas, r, label))
    table_csv = pc.table[(pc.table["year"] == y) & pc.table["measure"].isin(_dimension_measures())]
    pub.table(pd.DataFrame(rows), "positions", f"Digital förmåga, digitalt arv och total mognad {y}: organisationen "
              "med konfidensintervall bredvid jämförelsegrupperna", csv=_csv(table_csv))
    if lvl is None:
        pub.markdown(f"Ingen grupp av liknande organisationer kan visas {y}; organisationen jämförs bara med "
                     f"{group_label(pc, 'national')}.")
    else:
        pub.markdown(" ".join(sentences))
    figure(rep, pub)


def _group_of(pc: pe.PeerComparison, year: int, level: str):
    g = pc.groups[(pc.groups["year"] == year) & (pc.groups["level"] == level)]["group"]
    return g.iloc[0] if len(g) else None


def _interval(r) -> str:
    if np.isnan(r["low_pct"]):
        return "–"
    return f"{d.num(r['low_pct'], 1)}–{d.num(r['high_pct'], 1)}"


def _measure_sentence(meas: str, r, label: str) -> str:
    v = r["verdict"]
    where = {"above": f"tydligt över medelvärdet för {label}",
             "below": f"tydligt under medelvärdet för {label}",
             "within": f"inom osäkerheten från medelvärdet för {label}, alltså ingen tydlig skillnad"}.get(v, "")
    return (f"{_name(meas)}: {d.pct(r['score_pct'], 1)} (95 % intervall {_interval(r)}) mot "
            f"{d.pct(r['peer_mean_pct'], 1)}, percentil {d.num(r['percentile'])} – {where}.")


def figure(rep: OrganisationReport, pub: d.Publisher) -> None:
    """The organisation as a marked point (with its interval) on the peers' distribution."""
    import matplotlib.pyplot as plt

    pc = rep.peers
    y = pc.latest
    lvl, label = _primary_label(pc, y)
    if lvl is None and pc.source == "data":
        lvl, label = "national", group_label(pc, "national")
    if lvl is None:
        return
    style()
    inst = instrument.load()
    meas_list = _dimension_measures()
    edges = pe.bin_edges()
    width = edges[1] - edges[0]
    fig, axes = plt.subplots(len(meas_list), 1, figsize=(7.5, 1.9 * len(meas_list) + 0.6), sharex=True)
    parts = []
    for ax, meas in zip(axes, meas_list):
        r = pc.rows(y, lvl).loc[meas]
        for k, (a, b) in enumerate(zip([0, *inst.scoring.cut_points], [*inst.scoring.cut_points, 100])):
            ax.axvspan(a, b, color=LEVEL_COLOURS[k], alpha=0.10, lw=0)
        if r["shown"]:
            shares = r[pe.BIN_PCT].to_numpy(dtype="float64")
            ax.bar(edges[:-1], shares, width=width * 0.95, align="edge", color="#999999", label=f"Andel av {label}")
            ax.axvline(r["peer_mean_pct"], color="#333333", ls="--", lw=1.2, label=f"Medel, {label}")
        top = max(float(np.nanmax(r[pe.BIN_PCT].to_numpy(dtype="float64"))) if r["shown"] else 0.0, 10.0) * 1.25
        h = top * 0.85
        if not np.isnan(r["low_pct"]):
            ax.plot([r["low_pct"], r["high_pct"]], [h, h], color=OWN_COLOUR, lw=2.5, solid_capstyle="butt",
                    label="95 % intervall")
        ax.plot([r["score_pct"]], [h], marker="D", ms=9, color=OWN_COLOUR, ls="none", label=rep.organisation)
        ax.set_ylim(0, top)
        ax.set_ylabel("Andel (%)", fontsize=8)
        title = f"{_name(meas)}: {d.pct(r['score_pct'], 1)}"
        if r["shown"]:
            title += f", percentil {d.num(r['percentile'])}"
            parts.append(f"{_name(meas)}: organisationen {d.pct(r['score_pct'], 1)} (intervall {_interval(r)}), "
                         f"medel {d.pct(r['peer_mean_pct'], 1)}, percentil {d.num(r['percentile'])}.")
        ax.set_title(title, fontsize=9, loc="left")
    axes[-1].set_xlim(0, 100)
    axes[-1].set_xlabel("Värde (%)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, -0.06), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    alt = (f"Tre histogram, för digital förmåga, digitalt arv och total mognad {y}: grå staplar visar hur {label} "
           f"fördelar sig över värden i steg om {d.num(width, 1)} procentenheter, en streckad linje gruppens medelvärde "
           f"och en romb organisationens värde med dess 95-procentiga intervall. " + " ".join(parts))
    pub.figure(fig, "positions", f"{rep.organisation} i fördelningen för {label} {y}: förmåga, arv och total mognad",
               alt)


# ------------------------------------------------------------------ principles
def principles_table(rep: OrganisationReport, pub: d.Publisher) -> None:
    pc = rep.peers
    y = pc.latest
    if y is None:
        return
    lvl, label = _primary_label(pc, y)
    pub.markdown(f"## Principerna {y}")
    if lvl is None:
        pub.markdown(f"Ingen grupp av liknande organisationer kan visas {y} (se ovan); principerna jämförs med "
                     f"{group_label(pc, 'national')} i kapitlen om digital förmåga och digitalt arv.")
        return
    ids = list(instrument.load().principle_ids)
    r = pc.rows(y, lvl).loc[ids]
    table = pd.DataFrame({
        "Princip": [_name(p) for p in ids],
        "Värde (%)": [d.num(v, 1) for v in r["score_pct"]],
        "95 % intervall": [_interval(row) for _, row in r.iterrows()],
        "Medel (%)": [d.num(v, 1) if s else "–" for v, s in zip(r["peer_mean_pct"], r["shown"])],
        "Fördelning nivå 1/2/3/4 (%)": [" / ".join(d.num(x) for x in row[pe.LEVEL_PCT]) if row["shown"] else "–"
                                         for _, row in r.iterrows()],
        "Percentil": [d.num(v) if s else "–" for v, s in zip(r["percentile"], r["shown"])],
        "Bedömning": [VERDICT_SV[v] if s else "–" for v, s in zip(r["verdict"], r["shown"])],
    })
    above = r[r["shown"] & (r["verdict"] == "above")]
    below = r[r["shown"] & (r["verdict"] == "below")]
    within = r[r["shown"] & (r["verdict"] == "within")]
    hidden = r[~r["shown"]]
    text = (f"Jämfört med {label} ligger {rep.organisation} {y} tydligt över medelvärdet på "
            f"{d.plural(len(above), 'princip', 'principer')}"
            + (f" ({d.join_sv(_name(p) for p in above.index)})" if len(above) else "")
            + f" och tydligt under på {'ingen' if len(below) == 0 else d.count(len(below))}"
            + (f" ({d.join_sv(_name(p) for p in below.index)})" if len(below) else "") + ". "
            + (f"På {d.plural(len(within), 'princip', 'principer')} är skillnaden mindre än osäkerheten i "
               "organisationens eget värde och räknas inte som en skillnad." if len(within) else ""))
    if len(hidden):
        text += (f" {d.plural(len(hidden), 'princip', 'principer')} visas inte för gruppen: för få av dess "
                 f"organisationer har ett värde, eller skillnaden mot den vidare gruppen är färre än {pc.m} "
                 "organisationer.")
    pub.markdown(text)
    pub.table(table, "principles", f"Principerna {y}: organisationen och {label}",
              csv=_csv(pc.table[(pc.table["year"] == y) & (pc.table["level"] == lvl) & pc.table["measure"].isin(ids)]),
              align="lrrrrrl")


# ------------------------------------------------------------------ next steps
def next_steps(rep: OrganisationReport, pub: d.Publisher) -> None:
    pc = rep.peers
    pub.markdown("## Nästa steg")
    y = pc.latest
    lvl, label = _primary_label(pc, y) if y is not None else (None, "")
    if lvl is None:
        pub.markdown("Utan en grupp av liknande organisationer tas ingen prioriterad lista fram här; "
                     "rekommendationerna per princip finns i kapitlen om digital förmåga och digitalt arv.")
        return
    ns = pc.next_steps
    if ns.empty:
        pub.markdown(f"{rep.organisation} ligger inte under medelvärdet för {label} på någon princip {y}.")
        return
    n_levels = instrument.load().scoring.n_levels
    clear = int((ns["verdict"] == "below").sum())
    parts = [f"De principer där {rep.organisation} {y} ligger längst under medelvärdet för {label}, störst "
             f"skillnad först ({d.plural(len(ns), 'princip', 'principer')}; "
             f"{'ingen' if clear == 0 else d.count(clear)} av dem tydligt under med hänsyn till osäkerheten). "
             "För var och en: mognadstrappans rekommendationer för att nå nästa nivå."]
    for i, r in enumerate(ns.itertuples(index=False), start=1):
        k = int(r.own_level)
        lv = ladders.level(r.principle, k)
        noise = "tydligt under" if r.verdict == "below" else "inom osäkerheten"
        head = (f"{i}. **{_name(r.principle)}**: {d.pct(r.score_pct, 1)} mot {d.pct(r.peer_mean_pct, 1)} "
                f"({d.signed(-r.gap_pct, 1)} procentenheter, {noise}); nivå {k}.")
        if k < n_levels:
            nxt = ladders.level(r.principle, k + 1)
            head += f" För att nå nivå {k + 1} – {nxt['title']}:"
        else:
            head += " Organisationen är på den högsta nivån; för att behålla den:"
        parts.append(head + "\n" + "\n".join(f"    - {rec}" for rec in lv["recommendations"]))
    pub.markdown("\n\n".join(parts))
    out = ns.copy()
    out["recommendations"] = [" | ".join(ladders.level(p, int(k))["recommendations"])
                              for p, k in zip(ns["principle"], ns["own_level"])]
    if pub.dir is not None:
        _csv(out).to_csv(pub.dir / "next-steps.csv", index=False, lineterminator="\n")


# ------------------------------------------------------------------ method
def method(rep: OrganisationReport, pub: d.Publisher) -> None:
    pc = rep.peers
    m, k = pc.m, rep.k
    conf = d.num(pe.CONFIDENCE * 100)
    text = (
        "## Jämförelse med liknande organisationer\n\n"
        "- Jämförelsegrupperna är, från den snävaste: organisationer av samma typ i samma jämförelsegrupp "
        "(kolumnen `peer_group`, om den finns), organisationer av samma typ (kommun, region eller myndighet) och "
        "alla andra organisationer i datafilen. Organisationen själv ingår aldrig i gruppen, och bara "
        f"organisationsår med minst {k} svar räknas (integritetsgränsen, parametern `privacy_threshold`).\n"
        f"- En grupp visas bara om den har minst {m} andra organisationer det året (inställningen "
        "`reference_min_organisations` i `dimios/instrument.yml`, som parametern `privacy_threshold` inte ändrar). "
        "Annars säger rapporten varför och jämför med nästa vidare grupp: jämförelsegrupp → typ → nationellt.\n"
        "- Ingen organisations värde får gå att räkna fram som skillnaden mellan två visade grupper. Därför visas en "
        "grupp bara om den del av nästa vidare visade grupp som ligger utanför den är tom eller har minst "
        f"{m} organisationer. Regeln prövas för gruppen som helhet och för varje princip och dimension för sig, "
        "eftersom en organisation kan sakna värde på en enskild princip. Regeln gäller det som kan räknas ut ur en "
        "och samma rapport: varje organisationsrapport lämnar den egna organisationen utanför grupperna, så den som "
        "har två organisationers rapporter kan räkna ut skillnaden mellan deras värden. Rapporten är avsedd för "
        "organisationen själv.\n"
        "- Medelvärdet är medel av organisationernas värden; fördelningen är andelen av gruppens organisationer på "
        "varje mognadsnivå. Percentilen är en mittrang: 100 × (antal organisationer i gruppen med lägre värde + "
        "hälften av dem med samma värde) / antal organisationer i gruppen.\n"
        f"- Organisationens eget värde har en osäkerhet eftersom det bygger på dess respondenter. Standardfelet för "
        "en princip är standardavvikelsen av respondenternas giltiga svar delad med roten ur deras antal; för "
        "förmåga, arv och total mognad (medel av principvärden) räknas det ut med linjärisering över "
        f"respondenterna. Intervallet är ett {conf}-procentigt t-intervall (antal respondenter − 1 frihetsgrader). "
        "Organisationen ligger *tydligt över* (*under*) gruppen när hela intervallet ligger över (under) gruppens "
        "medelvärde; annars kallas skillnaden inte en skillnad.\n"
        "- Nästa steg: de principer där organisationen ligger mest under den snävaste visade gruppens medelvärde, "
        f"högst {pe.NEXT_STEPS}, med mognadstrappans rekommendationer för att nå nästa nivå från den nuvarande.\n"
    )
    if pc.source == "shipped":
        text += (
            "- Den här rapporten jämför med de medföljande siffrorna per organisationstyp i "
            "`data/reference/peer_reference_synthetic.csv`. Den publicerade rapporten ger inga siffror per "
            "typ; de medföljande är beräknade ur projektets syntetiska standardpanel med kommandot "
            "`python -m dimios.peers` och är inte uppmätta. De räknar alla organisationsår i panelen, som var och "
            f"ett har minst {synthetic.params()['respondents']['min']} respondenter, och ger ett värde bara där minst "
            f"{m} organisationer av typen har ett; integritetsgränsen i den här rapporten ({k} svar) ändrar dem "
            "inte. "
            "Percentilen uppskattas där ur andelarna i "
            f"{pe.N_BINS} lika breda värdeintervall (jämnt fördelade inom intervallet). Jämförelsegrupper "
            "(`peer_group`) finns inte i de medföljande siffrorna.\n")
    pub.markdown(text)


def _csv(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(6)
    return out.reset_index(drop=True)
