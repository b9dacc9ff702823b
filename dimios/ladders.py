"""Ladder content (data/ladders/*.yml): loading and schema checks."""

from __future__ import annotations

from functools import cache

import yaml

from dimios import paths

LEVEL_FIELDS = ("level", "title", "description", "risks", "recommendations")


@cache
def load(principle_id: str) -> dict:
    path = paths.LADDERS / f"{principle_id}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def general() -> dict:
    return yaml.safe_load((paths.LADDERS / "_general.yml").read_text(encoding="utf-8"))


def level(principle_id: str, k: int) -> dict:
    return next(lv for lv in load(principle_id)["levels"] if int(lv["level"]) == int(k))
