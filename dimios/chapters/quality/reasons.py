"""Why a statistic cannot be computed, in Swedish: ``why_sv`` (in :mod:`dimios.words`, which the
organisation report uses too) in the sentences of the quality sections."""

from __future__ import annotations

from dimios import display as d
from dimios.quality import feasibility
from dimios.quality.feasibility import NotComputable
from dimios.words import complete_answers as _complete_answers  # noqa: F401 - the chapter's name
from dimios.words import why_sv


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
