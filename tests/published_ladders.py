"""The published ladders' cells, read from the text extraction of the published report (the seed).

Used by tests only, to check that every risk and recommendation of data/ladders/*.yml rests on a
cell of the published ladder (or is marked as the project's own). Nothing here copies published
prose: the parser finds the tables' structure, and the project's ladder files point into it with
short anchors (a word or two of the published item).

The extraction keeps each table's cells as paragraphs (separated by blank lines) in the order
level, description, risks, recommendations. A level starts on a line beginning with its number;
the table ends at "Relaterad fråga i DiMiOS". Within a level, the description is the run of full
sentences at the start, the risks are the short phrases that follow, and the recommendations start
at the first paragraph opening with an imperative. The few cells the extraction put out of that
order are listed in LAYOUT_FIXES by position (paragraph counts, no text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("description", "risks", "recommendations")
# Opening words of published recommendations (imperatives, and the few recommendations the
# published report words otherwise).
_REC_OPENINGS = (
    "Aktivt Allokera Analysera Anpassa Arbeta Balansera Bedriv Bygg Definiera Dela Driv Eftersträva Etablera "
    "Exekvera Expandera Fastställ Finjustera Fokusera Fånga Följ Förankra Fördjupa Föreslå Förfina Förstärk Försök "
    "Förtydliga Genomför Identifiera Implementera Inför Initiera Inkorporera Inled Integrera Inventera Klassa "
    "Kommunicera Komplettera Koppla Kräv Luckra Mät Nyttja Prioritera Representera Samverka Se Separera Sjösätt "
    "Skapa Skifta Sprid Sträva Ställ Säkerställ Sätt Ta Testa Träna Undersök Uppmuntra Uppnå Utbilda Utred Utse "
    "Utveckla Utvärdera Verka Övervaka Måste Kontinuerlig Kontinuerligt Organisationens Dataset"
).split()
REC_START = re.compile(r"^(?:%s|På basis|För dialog)\b" % "|".join(_REC_OPENINGS))
NOISE = re.compile(r"^(\d+\s+(?:För|\()|https?://)")
TABLE = re.compile(r"^\s*Tabell (\d+)\. Mognadstrappa ")
LEVEL = re.compile(r"^\s?([1-4]) (\S.*)$")
# (table, level) -> {kind: (first, end)} paragraph positions where the extraction breaks the usual order.
LAYOUT_FIXES = {
    (9, 1): {"description": (0, 5), "risks": (5, 9), "recommendations": (9, 13)},  # risks written as sentences
}


@dataclass(frozen=True)
class Cell:
    table: int
    level: int
    kind: str
    items: tuple[str, ...]


def _paragraphs(lines: list[str]) -> list[str]:
    out, cur = [], []
    for line in lines:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return [p for p in out if not NOISE.match(p)]


def _split(table: int, level: int, paras: list[str]) -> dict[str, list[str]]:
    if (table, level) in LAYOUT_FIXES:
        return {k: paras[a:b] for k, (a, b) in LAYOUT_FIXES[(table, level)].items()}
    start = next((j for j, p in enumerate(paras) if not p.endswith(".") and not REC_START.match(p)), None)
    if start is None:  # no risk column in this level
        start = next((j for j, p in enumerate(paras) if REC_START.match(p)), len(paras))
        return {"description": paras[:start], "risks": [], "recommendations": paras[start:]}
    end = next((j for j in range(start, len(paras)) if REC_START.match(paras[j])), len(paras))
    out = {"description": paras[:start], "risks": paras[start:end], "recommendations": []}
    for p in paras[end:]:
        # a short phrase among the recommendations is a risk the extraction moved down
        out["risks" if not p.endswith(".") and not REC_START.match(p) else "recommendations"].append(p)
    return out


def parse(text: str) -> dict[tuple[int, int, str], Cell]:
    """Every cell of the 26 published ladders: (table, level, kind) -> Cell."""
    lines = text.split("\n")
    cells = {}
    for i, line in enumerate(lines):
        m = TABLE.match(line)
        if not m:
            continue
        table = int(m.group(1))
        end = next(j for j in range(i, len(lines)) if lines[j].strip().startswith("Relaterad fråga"))
        levels: dict[int, list[str]] = {}
        want = 1
        for row in lines[i + 1:end]:
            lm = LEVEL.match(row)
            if lm and int(lm.group(1)) == want:
                levels[want] = [lm.group(2)]
                want += 1
            elif levels:
                levels[want - 1].append(row)
        for level, rows in levels.items():
            for kind, items in _split(table, level, _paragraphs(rows)).items():
                cells[(table, level, kind)] = Cell(table, level, kind, tuple(items))
    return cells


def normalise(text: str) -> str:
    """Lower case, line-break hyphens joined ("skugg- verksamhet" -> "skuggverksamhet"), one space."""
    text = re.sub(r"(\w)- (?=[a-zåäö])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def find(cell: Cell, anchor: str) -> list[int]:
    """The items of a cell that contain the anchor as whole words."""
    pat = re.compile(r"(?<!\w)%s(?!\w)" % re.escape(normalise(anchor)))
    return [i for i, item in enumerate(cell.items) if pat.search(normalise(item))]


def load(seed_dir: Path) -> dict[tuple[int, int, str], Cell] | None:
    files = sorted(seed_dir.glob("*.txt")) if seed_dir.is_dir() else []
    text = next((t for f in files if re.search(r"Tabell \d+\. Mognadstrappa", t := f.read_text(encoding="utf-8"))),
                None)
    return parse(text) if text else None
