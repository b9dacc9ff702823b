"""The DiMiOS instrument loaded from ``instrument.yml`` into typed, immutable objects.

Every other module asks this module for principle ids, categories, the answer scale
and the scoring rules; none of them hard-codes those facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Dimension:
    id: str
    name_sv: str
    name_en: str


@dataclass(frozen=True)
class Category:
    id: str
    name_sv: str
    name_en: str
    dimension: str


@dataclass(frozen=True)
class Principle:
    id: str
    table: int
    name_sv: str
    name_en: str
    dimension: str
    category: str
    statement: str


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    dont_know: str
    labels: tuple[tuple[int, str], ...]

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.min, self.max + 1))

    def to_percent(self, answer):
        """Answer on the agreement scale -> score in percent (works on arrays)."""
        return (answer - self.min) / (self.max - self.min) * 100.0


@dataclass(frozen=True)
class Scoring:
    min_valid_answers: int
    cut_points: tuple[float, ...]
    trend_threshold: float
    privacy_threshold: int
    quadrant_split: float
    reference_min_organisations: int = 5

    @property
    def n_levels(self) -> int:
        return len(self.cut_points) + 1


@dataclass(frozen=True)
class Quadrant:
    id: str
    formaga: str
    arv: str
    name_sv: str


@dataclass(frozen=True)
class Instrument:
    dimensions: tuple[Dimension, ...]
    categories: tuple[Category, ...]
    principles: tuple[Principle, ...]
    scale: Scale
    scoring: Scoring
    quadrants: tuple[Quadrant, ...]

    @property
    def principle_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.principles)

    def principle(self, principle_id: str) -> Principle:
        for p in self.principles:
            if p.id == principle_id:
                return p
        raise KeyError(f"unknown principle {principle_id!r}; known: {', '.join(self.principle_ids)}")

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def category(self, category_id: str) -> Category:
        return next(c for c in self.categories if c.id == category_id)

    def principles_in(self, group_id: str) -> tuple[str, ...]:
        """Principle ids of a dimension or a category, in instrument order."""
        return tuple(p.id for p in self.principles if group_id in (p.dimension, p.category))

    def categories_in(self, dimension_id: str) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories if c.dimension == dimension_id)

    def category_items(self) -> dict[str, list[str]]:
        """{category id: [principle ids]} — the measurement model of the categories."""
        return {c.id: list(self.principles_in(c.id)) for c in self.categories}

    def dimension_items(self) -> dict[str, list[str]]:
        """{dimension id: [principle ids]}."""
        return {d.id: list(self.principles_in(d.id)) for d in self.dimensions}

    def name_sv(self, any_id: str) -> str:
        """Swedish name of a principle, category or dimension id."""
        for group in (self.principles, self.categories, self.dimensions):
            for item in group:
                if item.id == any_id:
                    return item.name_sv
        raise KeyError(any_id)


def _from_dict(raw: dict) -> Instrument:
    scale = raw["scale"]
    scoring = raw["scoring"]
    return Instrument(
        dimensions=tuple(Dimension(**d) for d in raw["dimensions"]),
        categories=tuple(Category(**c) for c in raw["categories"]),
        principles=tuple(Principle(**p) for p in raw["principles"]),
        scale=Scale(
            min=int(scale["min"]),
            max=int(scale["max"]),
            dont_know=str(scale["dont_know"]),
            labels=tuple(sorted((int(k), str(v)) for k, v in scale.get("labels", {}).items())),
        ),
        scoring=Scoring(
            min_valid_answers=int(scoring["min_valid_answers"]),
            cut_points=tuple(float(c) for c in scoring["cut_points"]),
            trend_threshold=float(scoring["trend_threshold"]),
            privacy_threshold=int(scoring["privacy_threshold"]),
            quadrant_split=float(scoring["quadrant_split"]),
            reference_min_organisations=int(scoring.get("reference_min_organisations", 5)),
        ),
        quadrants=tuple(Quadrant(**q) for q in raw["quadrants"]),
    )


@cache
def load() -> Instrument:
    """The instrument declared in ``dimios/instrument.yml`` (loaded once)."""
    text = (Path(__file__).parent / "instrument.yml").read_text(encoding="utf-8")
    return _from_dict(yaml.safe_load(text))
