"""Whether the synthetic default panel on disk was made by the current generator, answered
without importing the generator (``dimios.synthetic`` and its scientific stack), so that a
rebuild on the default data does not pay for it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from dimios import paths

PARAMS_FILE = "synthetic.yml"
PANEL = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"


def generator_fingerprint() -> str:
    """Hash of what the default panel is made from: the generator (the modules of
    ``dimios/synthetic/``), its parameters, the instrument and the published reference it is
    calibrated to."""
    from dimios import reference

    here = paths.ROOT / "dimios"
    published = yaml.safe_load((here / PARAMS_FILE).read_text(encoding="utf-8"))["published_spread"]
    generator = sorted((here / "synthetic").glob("*.py"))
    h = hashlib.sha256()
    for src in (*generator, here / PARAMS_FILE, here / "instrument.yml", paths.DATA / published,
                reference.FACTS_FILE):
        h.update(src.name.encode() + b"\0" + src.read_bytes())
    return h.hexdigest()


def stamp_path(panel: Path) -> Path:
    return panel.with_name(panel.name.split(".")[0] + ".fingerprint")


def is_current(panel: Path = PANEL) -> bool:
    stamp = stamp_path(panel)
    return panel.exists() and stamp.exists() and stamp.read_text().strip() == generator_fingerprint()
