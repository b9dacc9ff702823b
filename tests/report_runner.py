"""Run a report's sections in this process, as the build's notebooks would, and keep their text.

Each section's notebook code cells are executed in a fresh namespace after the parameters the
build would inject (``build.section_parameters``: only the names the notebook declares), with
IPython's ``display`` replaced by a recorder. Respondent data is read once per file and parameter
set (a pickled copy per section, as the build's prepared data). The result is the Markdown each
section shows, by section id: prose, tables, figure captions and alt texts.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from dimios import context, paths, sections

_LOADED: dict = {}


def _code_cells(notebook: str) -> list[str]:
    nb = json.loads((paths.NOTEBOOKS / notebook).read_text(encoding="utf-8"))
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def _load_once(real):
    def load(data, years=None, exclude_careless=False, privacy_threshold=None, mapping=None, **kw):
        key = (str(data), context._parameters_key(years, exclude_careless, privacy_threshold), str(mapping),
               tuple(sorted(kw.items())))
        if key not in _LOADED:
            _LOADED[key] = pickle.dumps(real(data, years=years, exclude_careless=exclude_careless,
                                             privacy_threshold=privacy_threshold, mapping=mapping, **kw))
        return pickle.loads(_LOADED[key])  # noqa: S301 - made by this process
    return load


def render(data: Path, out: Path, user: dict | None = None, kind: str = "national", only=None) -> dict[str, str]:
    """``{section id: Markdown}`` of every section of ``kind`` (or those in ``only``) built from
    ``data`` with the user parameters ``user`` (text, as after ``-P``)."""
    import IPython.display

    from dimios import build

    typed = sections.parse_parameters(dict(user or {}), kind)
    texts: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(context, "load", _load_once(context.load))
        for s in sections.sections(kind):
            if only is not None and s.id not in only:
                continue
            shown: list[str] = []

            def record(obj, raw=False, _shown=shown, **kw):
                _shown.append(obj.get("text/markdown", "") if isinstance(obj, dict) else str(obj))

            mp.setattr(IPython.display, "display", record)
            params = build.section_parameters(s, typed, {"data": str(data), "output_dir": str(out / "tables"),
                                                         "careless_truth": ""})
            namespace: dict = {}
            cells = _code_cells(s.notebook)
            exec(cells[0], namespace)  # noqa: S102 - the project's own notebooks
            namespace.update(params)
            for code in cells[1:]:
                exec(code, namespace)  # noqa: S102
            texts[s.id] = "\n\n".join(shown)
    return texts
