"""Ladder content (data/ladders/*.yml): loading and schema checks.

A risk or recommendation in a ladder file is a mapping, either ``{text, rests_on}`` – the
published ladder's content in the project's words, ``rests_on`` naming the published item it
rests on by a word or two of it (the published cell is the item's own: same principle, level
and kind; tests/test_ladders.py checks the anchor against the published text) – or
``{text, own, note}``, marking a departure from the published ladder that is the project's own:

- ``own: added`` – the published ladder has nothing corresponding to it;
- ``own: completed`` – the published text breaks off mid-sentence and the project
  completed it (``note`` says where the published text ends).

Plain text is accepted too (for a user's own ladder files); the project's files mark every item.
``load`` returns every risk and recommendation as plain text, so callers need not care, lists
the marked items of each level under ``own`` (field, index, text, kind, note) and the anchors
under ``published`` (field, index, anchor).
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
        own, published = [], []
        for field in ITEM_FIELDS:
            items = []
            for i, item in enumerate(lv.get(field) or []):
                if isinstance(item, dict) and "rests_on" in item and "own" not in item:
                    anchor = str(item.get("rests_on") or "").strip()
                    if not anchor or len(anchor.split()) > 3 or not str(item.get("text", "")).strip():
                        raise ValueError(f"data/ladders/{name}.yml, level {lv.get('level')}, {field} item {i + 1}: "
                                         f"expected a text and rests_on: one to three words of the published "
                                         f"item, got {item!r}")
                    published.append({"field": field, "index": i, "anchor": anchor})
                    items.append(item["text"])
                elif isinstance(item, dict):
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
        lv["published"] = published
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


def published_items(principle_id: str) -> list[dict]:
    """Every item resting on the published ladder, with its anchor: [{level, field, index, text, anchor}]."""
    return [{"level": int(lv["level"]), **p, "text": lv[p["field"]][p["index"]]}
            for lv in load(principle_id)["levels"] for p in lv["published"]]


def references(principle_id: str) -> list[dict]:
    return list(load(principle_id).get("references") or [])
