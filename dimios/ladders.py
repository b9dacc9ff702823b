"""Ladder content (data/ladders/*.yml): loading and schema checks.

A risk or recommendation in a ladder file is either plain text (the published ladder's
content in the project's words) or a mapping ``{text, own, note}`` marking a departure
from the published ladder that is the project's own work:

- ``own: added`` – the published ladder has nothing corresponding to it;
- ``own: completed`` – the published text breaks off mid-sentence and the project
  completed it (``note`` says where the published text ends).

``load`` returns every risk and recommendation as plain text, so callers need not care,
and lists the marked items of each level under ``own`` (field, index, text, kind, note).
"""

from __future__ import annotations

import copy
from functools import cache

import yaml

from dimios import paths

LEVEL_FIELDS = ("level", "title", "description", "risks", "recommendations")
ITEM_FIELDS = ("risks", "recommendations")
OWN_KINDS = {
    "added": "projektets tillägg; finns inte i den publicerade trappan",
    "completed": "den publicerade texten slutar mitt i meningen; fortsättningen är projektets",
}
# How the published report points to a reference (its footnote wording).
CITED_KINDS = ("inspiration", "details", "source")


@cache
def _raw(principle_id: str) -> dict:
    path = paths.LADDERS / f"{principle_id}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _normalise(lad: dict, name: str) -> dict:
    out = copy.deepcopy(lad)
    for lv in out.get("levels", []):
        own = []
        for field in ITEM_FIELDS:
            items = []
            for i, item in enumerate(lv.get(field) or []):
                if isinstance(item, dict):
                    kind = item.get("own")
                    if kind not in OWN_KINDS or not str(item.get("text", "")).strip():
                        raise ValueError(f"data/ladders/{name}.yml, level {lv.get('level')}, {field} item {i + 1}: "
                                         f"expected a text and own: one of {', '.join(OWN_KINDS)}, got {item!r}")
                    own.append({"field": field, "index": i, "text": item["text"], "kind": kind,
                                "note": item.get("note", "")})
                    items.append(item["text"])
                else:
                    items.append(item)
            lv[field] = items
        lv["own"] = own
    return out


@cache
def load(principle_id: str) -> dict:
    return _normalise(_raw(principle_id), principle_id)


@cache
def general() -> dict:
    return yaml.safe_load((paths.LADDERS / "_general.yml").read_text(encoding="utf-8"))


def level(principle_id: str, k: int) -> dict:
    return next(lv for lv in load(principle_id)["levels"] if int(lv["level"]) == int(k))


def own_items(principle_id: str) -> list[dict]:
    """Every item the project added or completed, with its level: [{level, field, index, text, kind, note}]."""
    return [{"level": int(lv["level"]), **o} for lv in load(principle_id)["levels"] for o in lv["own"]]


def references(principle_id: str) -> list[dict]:
    return list(load(principle_id).get("references") or [])
