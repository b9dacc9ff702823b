"""Fixed places in the project tree (the package is used from a checkout)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REFERENCE = DATA / "reference"
LADDERS = DATA / "ladders"
NOTEBOOKS = ROOT / "notebooks"
REPORT = ROOT / "report"
PUBLISHED_SPREAD = REFERENCE / "published_spread_2020_2023.csv"
