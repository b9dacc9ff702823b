"""The plan of a build, from hashes alone (no data read, no kernel started): each section's
cache key and cache entry, and the key of the whole report, compared with the manifest of the
last build to decide a no-op rebuild."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from dimios import paths, quarto
from dimios.build.cache import CACHE_DIR, Cache, cache_key, section_parameters
from dimios.build.fingerprint import ContentFiles, file_sha256, sha_of_input
from dimios.build.options import MANIFEST, PUBLISHED_ITEMS
from dimios.sections import Section

ASSEMBLY_FILES = ["_quarto.yml", "_quarto-pdf.yml"]  # the book's styles are in dimios/styles (content files)
DEFAULT_DATA_LABEL = "standarddata: syntetisk panel (dimios synth, standardfrö)"
DEFAULT_PANEL = paths.DATA / "default" / "dimios_synthetic_2020_2023.parquet"  # synthetic.files.default_panel_path()


def default_panel() -> Path:
    """The default panel, regenerated when its generator changed (only then importing the generator)."""
    from dimios import panel_stamp

    if panel_stamp.is_current(DEFAULT_PANEL):
        return DEFAULT_PANEL
    from dimios import synthetic

    return synthetic.ensure_default_panel()


def truth_path(data: Path) -> Path:
    """``synthetic.truth_path_for`` without importing the synthetic module (and the analysis stack)."""
    return data.with_name(data.name.split(".")[0] + ".careless_truth.csv")


@dataclass
class Plan:
    """What this build would produce, from hashes only (no data read, no kernel)."""
    data_path: Path
    data_label: str
    data_hash: str
    key_data: str
    keys: dict
    hits: dict
    build_key: str
    problems: dict = field(default_factory=dict)  # section id -> why its cache entry was not used

    def todo(self, secs: list[Section]) -> list[Section]:
        """The sections to execute: those without a cache entry."""
        return [s for s in secs if not self.hits.get(s.id)]


def make_plan(use_cache: bool, kind: str, secs: list[Section], key_user: dict, out: Path, data_path: Path,
              data_label: str, mapping: Path | None, fingerprint: str, content: ContentFiles,
              quarto_exe: str | None, pdf: bool = True) -> Plan:
    truth = truth_path(data_path)
    data_hash = sha_of_input(data_path)
    key_data = data_hash + (file_sha256(mapping) if mapping else "") + (sha_of_input(truth) if truth.exists() else "")
    keys = {s.id: cache_key(s, section_parameters(s, key_user), fingerprint, key_data) for s in secs}
    cache = Cache(out / CACHE_DIR)
    hits = {s.id: cache.lookup(keys[s.id], content) for s in secs} if use_cache else {}
    problems = {s.id: cache.problems[keys[s.id]] for s in secs if keys[s.id] in cache.problems}
    return Plan(data_path, data_label, data_hash, key_data, keys, hits,
                build_key(kind, key_user, key_data, fingerprint, quarto_exe, data_label, pdf), problems)


def build_key(kind: str, user: dict, data_hash: str, fingerprint: str, quarto_exe: str | None,
              data_label: str, pdf: bool = True) -> str:
    """What the whole report depends on, beyond its sections: the book's configuration and every
    content file (so that a no-op rebuild is only taken when nothing at all changed)."""
    assembly = {f: file_sha256(paths.ROOT / f) for f in ASSEMBLY_FILES if (paths.ROOT / f).exists()}
    content = ContentFiles()
    blob = json.dumps({"kind": kind, "parameters": user, "data": data_hash, "code": fingerprint,
                       "quarto": quarto_exe, "pdf_engine": quarto.pdf_engine() if quarto_exe and pdf else None,
                       "assembly": assembly, "label": data_label,
                       "content": content.record(ContentFiles.all())}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def published_state(out: Path) -> dict:
    state = {}
    for name in PUBLISHED_ITEMS:
        p = out / name
        files = [p] if p.is_file() else (sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [])
        for f in files:
            st = f.stat()
            state[str(f.relative_to(out))] = [st.st_size, st.st_mtime_ns]
    return state


def read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def up_to_date(plan: Plan, secs: list[Section], out: Path, use_cache: bool) -> dict | None:
    """The manifest of the last build when it published exactly what this plan would (a no-op
    rebuild), else None."""
    manifest = read_manifest(out)
    if (use_cache and all(plan.hits.get(s.id) for s in secs) and manifest.get("sections") == plan.keys
            and manifest.get("build") == plan.build_key and manifest.get("published") == published_state(out)):
        return manifest
    return None


def write_manifest(out: Path, build: str, keys: dict, how: str) -> None:
    """What the published report was built from (``build_key`` and the sections' keys)."""
    manifest = {"build": build, "sections": keys, "how": how, "published": published_state(out)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
