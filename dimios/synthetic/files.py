"""The synthetic panel on disk: writing a panel and its careless ground truth, and the default
panel, made again when the generator that made it has changed (``dimios.panel_stamp``)."""

from __future__ import annotations

from pathlib import Path

from dimios import panel_stamp, paths
from dimios.panel_stamp import generator_fingerprint
from dimios.synthetic.draw import generate

def truth_path_for(out) -> "Path":
    """The careless ground-truth file written beside a synthetic panel file."""
    out = Path(out)
    return out.with_name(out.name.split(".")[0] + ".careless_truth.csv")


def write_panel(out, seed: int | None = None, scale: float = 1.0) -> Path:
    """Generate and write the panel (format by suffix) and its ground truth; returns the truth path."""
    from dimios import io

    panel = generate(seed=seed, scale=scale)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    io.write_responses(panel.responses, out)
    truth = truth_path_for(out)
    panel.truth.to_csv(truth, index=False, lineterminator="\n")
    return truth


def default_panel_path() -> Path:
    """Where the default panel lives (generated on first use; deterministic)."""
    return paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"


def ensure_default_panel() -> Path:
    """The default panel, (re)generated when missing or made by another version of the generator."""
    path = default_panel_path()
    stamp = panel_stamp.stamp_path(path)
    fingerprint = generator_fingerprint()
    if not path.exists() or not stamp.exists() or stamp.read_text().strip() != fingerprint:
        write_panel(path)
        stamp.write_text(fingerprint + "\n")
    return path
