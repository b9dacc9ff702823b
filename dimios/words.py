"""Swedish words for results that more than one chapter tells (below the chapters, so that no
chapter imports another): the careless indices in running text, small counts, and why a
statistic cannot be computed."""

from __future__ import annotations

from dimios import display as d
from dimios import instrument
from dimios.quality.feasibility import NotComputable

INDEX_PROSE = {
    "longstring": "längsta rad",
    "irv": "svarsvariationen",
    "mahad": "Mahalanobis D²",
    "evenodd": "jämn–udda-konsistensen",
    "psychsyn": "psykometriska synonymer",
}
COUNT_WORDS = {1: "en", 2: "två", 3: "tre", 4: "fyra", 5: "fem"}


def why_sv(reason) -> str:
    """The reason a statistic cannot be computed, as a Swedish clause (no final full stop).

    ``reason``: a :class:`~dimios.quality.feasibility.NotComputable` or its ``as_dict()``."""
    r = reason.as_dict() if isinstance(reason, NotComputable) else dict(reason)
    code = r.get("code", "failed")
    if code == "too_few":
        if r.get("unit") == "eligible":
            return (f"underlaget har {d.count(r['n'])} svar med minst hälften av de {r['what']} påståendena "
                    f"besvarade, och minst {d.count(r['required'])} behövs")
        return (f"underlaget har {complete_answers(r['n'])} på "
                f"{'de ' + str(r['what']) + ' påståendena' if r.get('what') else 'påståendena'}, "
                f"och minst {d.count(r['required'])} behövs")
    if code == "singular":
        if "rank" in r:
            return (f"korrelationsmatrisen för de {r['p']} påståendena är singulär (rang {r['rank']}): i dessa svar "
                    "är några principer helt bestämda av andra, så matrisen kan inte inverteras")
        return "en matris i beräkningen är singulär och kan inte inverteras"
    if code == "constant":
        names = d.join_sv(instrument.load().name_sv(i) for i in r["items"])
        return (f"{names} har samma svar i alla {d.count(r['n'])} fullständiga svar, så korrelationerna med "
                f"{'den' if len(r['items']) == 1 else 'dem'} är inte definierade")
    if code == "one_item":
        n_ans = len(r.get("answered", []))
        return (f"{'ingen' if n_ans == 0 else 'bara en'} av gruppens {r['k']} principer har svar, och alfa "
                "kräver minst två")
    if code == "no_variance":
        return f"summan av svaren varierar inte mellan de {d.count(r['n'])} fullständiga svaren"
    if code == "small_group":
        return (f"gruppen {r['group']} har {d.count(r['n'])} svar, och minst {d.count(r['required'])} behövs "
                "(och en grupp med färre svar än integritetsgränsen visas inte)")
    if code == "no_pairs":  # a correlation cut-off: shown as given (it is no published threshold)
        return f"inget par av påståenden korrelerar starkare än {d.num(r['critval'], 2)} i dessa svar"
    return f"beräkningen misslyckades ({r.get('message', 'okänt fel')})"


def complete_answers(n: int) -> str:
    return f"{d.count(n)} fullständigt svar" if n == 1 else f"{d.count(n)} fullständiga svar"
