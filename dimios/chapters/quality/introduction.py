"""Introduction of the quality chapter: what it tests and on which data."""

from __future__ import annotations

from dimios import display as d
from dimios import trends
from dimios.chapters.common import heading
from dimios.chapters.quality.common import MIN_ALPHA_N, MIN_FACTOR_N, _complete_n, _items, _single_thread
from dimios.context import ReportData


@_single_thread
def introduction(ctx: ReportData, pub: d.Publisher) -> dict:
    """Title, build mode and which data the chapter analyses."""
    n = len(ctx.responses)
    n_complete, _ = _complete_n(ctx)
    years = ctx.years
    span = trends.years_sv(years)
    text = (
        heading(ctx, "Kvalitetskontroll av DiMiOS")
        + "Kapitlet prövar DiMiOS som mätinstrument: hur omsorgsfullt respondenterna svarar, var kunskapen om "
        "principerna brister, om principerna grupperar sig i de kategorier och dimensioner modellen anger, hur "
        "tillförlitligt (reliabilitet) och hur giltigt (validitet) instrumentet mäter, och om mätningen fungerar "
        "likadant alla år. Varje avsnitt jämför resultatet med det den publicerade rapporten anger; ett värde "
        "utanför de publicerade gränserna markeras med **fetstil**.\n\n"
    )
    if ctx.default_panel:
        text += (
            "**På den syntetiska panelen prövar kapitlet metoden, inte DiMiOS.** Panelen är dragen ur en "
            "faktormodell med modellens två dimensioner och sex kategorier, med samma laddningar alla år, och "
            "med en inplanterad andel slarviga respondenter. Kontrollerna kan därför bara visa att beräkningarna "
            "går att köra och att de återfinner den struktur som lades in; att resultaten liknar de publicerade "
            "följer av hur panelen är gjord och säger ingenting om hur väl DiMiOS mäter. Det avgörs först när "
            "kapitlet byggs på verkliga svar.\n\n"
        )
    text += f"{ctx.mode_sv} "
    if ctx.exclude_careless:
        text += (f"Kapitlet analyserar de återstående {d.count(n)} svaren ({span}); "
                 "avsnittet om slarviga svar beskriver bedömningen av alla svar innan de togs bort.")
    else:
        text += f"Kapitlet analyserar alla {d.count(n)} svar ({span})."
    text += (f" Faktoranalyserna och invarianstestet använder bara svar på alla {len(_items())} påståenden "
             f"(fullständiga svar, så kallad listvis borttagning): {d.count(n_complete)} svar "
             f"({d.pct(n_complete / n * 100 if n else float('nan'), 1)}); reliabiliteten för en grupp av principer "
             "använder svaren som är fullständiga för just den gruppen.")
    factor_min = max(MIN_FACTOR_N, len(_items()) + 1)
    if n_complete < factor_min:
        text += "\n\n" + d.callout_markdown(
            f"Faktoranalyserna kräver minst {d.count(factor_min)} "
            f"fullständiga svar och Cronbachs alfa minst {d.count(MIN_ALPHA_N)} för en grupp av principer. "
            "Med färre svar blir skattningarna inte bara osäkra utan ofta omöjliga (korrelationsmatrisen blir "
            "singulär). Ett mått som inte kan beräknas redovisas därför som ej beräkningsbart, med skälet, i "
            "stället för med ett tal.", title="Litet underlag")
    pub.markdown(text)
    return {"n": n, "n_complete": n_complete, "mode": ctx.mode_sv}
