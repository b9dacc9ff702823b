"""Why a statistic cannot be computed, in Swedish (used by every section and by the
organisation report)."""

from __future__ import annotations

from dimios import display as d
from dimios.chapters.quality.common import _f, _name
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable


def why_sv(reason) -> str:
    """The reason a statistic cannot be computed, as a Swedish clause (no final full stop).

    ``reason``: a :class:`~dimios.quality.feasibility.NotComputable` or its ``as_dict()``."""
    r = reason.as_dict() if isinstance(reason, NotComputable) else dict(reason)
    code = r.get("code", "failed")
    if code == "too_few":
        if r.get("unit") == "eligible":
            return (f"underlaget har {d.count(r['n'])} svar med minst hälften av de {r['what']} påståendena "
                    f"besvarade, och minst {d.count(r['required'])} behövs")
        return (f"underlaget har {_complete_answers(r['n'])} på "
                f"{'de ' + str(r['what']) + ' påståendena' if r.get('what') else 'påståendena'}, "
                f"och minst {d.count(r['required'])} behövs")
    if code == "singular":
        if "rank" in r:
            return (f"korrelationsmatrisen för de {r['p']} påståendena är singulär (rang {r['rank']}): i dessa svar "
                    "är några principer helt bestämda av andra, så matrisen kan inte inverteras")
        return "en matris i beräkningen är singulär och kan inte inverteras"
    if code == "constant":
        names = d.join_sv(_name(i) for i in r["items"])
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
    if code == "no_pairs":
        return f"inget par av påståenden korrelerar starkare än {_f(r['critval'], 2)} i dessa svar"
    return f"beräkningen misslyckades ({r.get('message', 'okänt fel')})"


def _complete_answers(n: int) -> str:
    return f"{d.count(n)} fullständigt svar" if n == 1 else f"{d.count(n)} fullständiga svar"


def _na_list(groups: list[str], na: dict, label) -> str:
    """'a, b och c (6, 10 och 9 fullständiga svar; minst 10 behövs) och d (bara en av …)': reasons
    'too_few' are told once for all groups with that reason."""
    few = [g for g in groups if na[g].get("code") == "too_few"]
    other = [g for g in groups if g not in few]
    parts = []
    if few:
        parts.append(d.join_sv(label(g) for g in few)
                     + f" ({d.join_sv(d.count(na[g]['n']) for g in few)} fullständiga svar; minst "
                     + f"{d.count(na[few[0]]['required'])} behövs)")
    parts += [f"{label(g)} ({why_sv(na[g])})" for g in other]
    return d.join_sv(parts)


def _na_paragraph(what: str, reason) -> str:
    """One paragraph: '**<what> kan inte beräknas på dessa data:** <reason>.'"""
    return f"**{what} kan inte beräknas på dessa data:** {why_sv(reason)}."


def _as_reason(exc: BaseException) -> NotComputable:
    return feasibility.from_error(exc)
