"""The numbers a built report prints, as printed: a manifest to compare builds with.

Read from the executed notebooks of a report folder (``report/notebooks/*.ipynb``), which hold
exactly the Markdown both editions and the PDF render:

- every numbered table (``: caption {#tbl-…}``): per row, the numeric tokens of each cell as
  printed (rounded, Swedish format: ``41 %`` -> ``41``, ``1 045`` -> ``1045``, ``52,3``); text
  without digits counts as an empty cell, so ladder texts do not matter, empty cells do;
- the prose of every section: per paragraph, the numbers it prints (code spans, links,
  cross-references and attributes left out: they are names, not results).

The manifest of the default report is committed (``fingerprints/printed_numbers.json``);
``tests/test_build.py`` rebuilds and compares, ``dimios fingerprint --write`` (``make
fingerprints``) rewrites it after an intended change. ``compare`` names every table or section
whose printed numbers changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from dimios import paths

MANIFEST = paths.ROOT / "fingerprints" / "printed_numbers.json"

_NUMBER = re.compile(r"[−+\-]?\d+(?:[\u202f\u00a0 ]\d{3})*(?:,\d+)?")
_CAPTION = re.compile(r"^: .*\{#(tbl-[^}\s]+)\}\s*$", re.M)
_NOT_RESULTS = [
    re.compile(r"```.*?```", re.S),                 # fenced code
    re.compile(r"`[^`]*`"),                         # code spans (commands, file names, versions)
    re.compile(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?"),  # images (figures)
    re.compile(r"\]\([^)]*\)"),                     # link targets
    re.compile(r"\{[^}]*\}"),                       # attributes, labels
    re.compile(r"@(?:tbl|fig|sec)-[\w-]+"),         # cross-references
    re.compile(r"<[^>]+>"),                         # raw HTML tags
]


def numbers(text: str) -> list[str]:
    """The numeric tokens of a text, digit groups joined (``1 045`` -> ``1045``)."""
    return [re.sub(r"[\u202f\u00a0 ]", "", t) for t in _NUMBER.findall(text)]


def _table(markdown: str) -> list[str]:
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    out = []
    for i, row in enumerate(rows):
        if i == 1 and re.fullmatch(r"[|:\- ]+", row):
            continue  # the alignment row
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        out.append("|".join(" ".join(numbers(c)) for c in cells))
    return out


def _prose(markdown: str) -> list[str]:
    for pattern in _NOT_RESULTS:
        markdown = pattern.sub(" ", markdown)
    paragraphs = [" ".join(numbers(p)) for p in re.split(r"\n\s*\n", markdown)]
    return [p for p in paragraphs if p]


def notebook_numbers(path: Path) -> dict[str, list[str]]:
    """{"<section>/<table label>": rows, "<section>/prose": paragraphs} of one executed notebook."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    section = Path(path).stem
    out: dict[str, list[str]] = {}
    prose: list[str] = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            md = output.get("data", {}).get("text/markdown")
            if md is None:
                continue
            md = "".join(md) if isinstance(md, list) else md
            caption = _CAPTION.search(md)
            if caption:
                rows = _table(md[:caption.start()])
                if any(r.replace("|", "") for r in rows):
                    out[f"{section}/{caption.group(1)}"] = rows
                md = md[caption.end():]
            prose += _prose(md)
    if prose:
        out[f"{section}/prose"] = prose
    return out


def report_numbers(report: Path) -> dict[str, list[str]]:
    """The manifest of a report folder: every section's printed numbers, sorted by key."""
    folder = Path(report) / "notebooks"
    books = sorted(folder.glob("*.ipynb"))
    if not books:
        raise FileNotFoundError(f"{folder}: no executed notebooks (build the report first: make report)")
    out: dict[str, list[str]] = {}
    for nb in books:
        out.update(notebook_numbers(nb))
    return dict(sorted(out.items()))


def read_manifest(path: Path = MANIFEST) -> dict[str, list[str]]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["printed"]


def write_manifest(printed: dict[str, list[str]], path: Path = MANIFEST) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"about": "Numbers the default report prints (dimios.printed); rewrite with `make fingerprints` "
                       "after an intended change.",
              "printed": printed}
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def compare(want: dict[str, list[str]], got: dict[str, list[str]], limit: int = 3) -> list[str]:
    """One line per table or section whose printed numbers differ, with its first differences."""
    lines = []
    for key in sorted(set(want) | set(got)):
        if key not in got:
            lines.append(f"{key}: no longer printed")
        elif key not in want:
            lines.append(f"{key}: new, not in the manifest")
        elif want[key] != got[key]:
            a, b = want[key], got[key]
            diffs = [f"row {i + 1}: {x or '∅'!r} -> {y or '∅'!r}"
                     for i, (x, y) in enumerate(zip(a, b)) if x != y][:limit]
            if len(a) != len(b):
                diffs.append(f"{len(a)} -> {len(b)} rows")
            lines.append(f"{key}: " + "; ".join(diffs))
    return lines
