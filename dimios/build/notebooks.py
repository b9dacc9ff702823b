"""Executed notebooks as the cache stores them (no timing metadata, placeholders for the
temporary folders they ran in) and as the report publishes them (naming the report folder),
and the one-line description of a notebook that failed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dimios import paths
from dimios.sections import Section

OUT_ABS, OUT_REL = "@@dimios-report-folder@@", "@@dimios-report-folder-relative@@"
TIMING_KEYS = ("start_time", "end_time", "duration")


def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _python_escaped(value: str) -> str:
    """How papermill writes a text parameter into the injected cell (non-ASCII as \\x/\\u escapes)."""
    return value.encode("unicode_escape").decode("ascii").replace('"', r'\"')


def _escaped_token(token: str) -> str:
    return token[:-2] + "-escaped@@"


def canonical_notebook(path: Path, places: dict[str, str]) -> str:
    """The executed notebook as stored: no timing metadata; each temporary folder in ``places``
    replaced by its placeholder (``OUT_ABS``/``OUT_REL`` + rest), as written and as papermill
    escapes it in the injected parameters. Serialised as nbformat writes notebooks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):  # papermill gives its cell a random id
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    for meta in [nb.get("metadata", {})] + [c.get("metadata", {}) for c in nb.get("cells", [])]:
        meta.pop("execution", None)
        pm = meta.get("papermill")
        if isinstance(pm, dict):
            for k in TIMING_KEYS:
                pm.pop(k, None)
    text = json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"
    pairs = {}
    for old, new in places.items():
        pairs[_json_text(old)] = new
        escaped = _json_text(_python_escaped(old))
        if escaped != _json_text(old):
            token = next(t for t in (OUT_REL, OUT_ABS) if new.startswith(t))
            pairs[escaped] = _escaped_token(token) + new[len(token):]
    for old in sorted(pairs, key=len, reverse=True):  # longest first: a folder inside another
        text = text.replace(old, pairs[old])
    return text


def materialise_notebook(text: str, out: Path) -> str:
    """A stored notebook naming the report folder ``out``."""
    rel = os.path.relpath(out, paths.ROOT)
    for token, value in ((_escaped_token(OUT_REL), _python_escaped(rel)), (_escaped_token(OUT_ABS), _python_escaped(str(out))),
                         (OUT_REL, rel), (OUT_ABS, str(out))):
        text = text.replace(token, _json_text(value))
    return text


def describe_failure(section: Section, out_nb: Path, exc: BaseException) -> str:
    """One message: notebook, cell and the error (no traceback)."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    cell = getattr(exc, "exec_count", None)
    cell_index = None
    try:
        nb = json.loads(out_nb.read_text(encoding="utf-8"))
        position = 0  # position in the source notebook: skip cells papermill added
        for c in nb["cells"]:
            tags = set(c.get("metadata", {}).get("tags", []))
            if tags & {"injected-parameters", "papermill-error-cell-tag"}:
                continue
            if c["cell_type"] == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                cell_index = position
                break
            position += 1
    except Exception:  # noqa: BLE001 - the executed copy may not exist
        pass
    where = f"cell {cell_index + 1}" if cell_index is not None else (f"execution count {cell}" if cell else "a cell")
    nb_path = paths.NOTEBOOKS / section.notebook
    shown = os.path.relpath(nb_path, paths.ROOT) if nb_path.is_relative_to(paths.ROOT) else str(nb_path)
    return f"section '{section.id}' ({shown}) failed in {where}: {ename}: {evalue}"
