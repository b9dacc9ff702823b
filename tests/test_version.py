"""Which pipeline made a report: the version (one source), CITATION.cff, the provenance records
of the lock and the BLAS."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml

import dimios
from dimios import paths
from dimios.build import provenance

# The top-level keys of the Citation File Format 1.2.0 (https://citation-file-format.github.io/1.2.0/schema)
CFF_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
            "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
            "repository-artifact", "repository-code", "title", "type", "url", "version"}
CFF_REQUIRED = {"authors", "cff-version", "message", "title"}
PERSON_OR_ENTITY = {"name", "family-names", "given-names", "name-particle", "name-suffix", "affiliation",
                    "alias", "email", "orcid", "website", "address", "city", "country", "post-code", "region",
                    "tel", "fax", "location", "date-start", "date-end"}


def _pyproject() -> dict:
    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_version_comes_from_the_package_metadata():
    assert dimios.__version__ == _pyproject()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", dimios.__version__)


def test_dimios_version_on_the_command_line():
    res = subprocess.run([sys.executable, "-m", "dimios.cli", "--version"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"dimios {dimios.__version__}"


def test_citation_file_is_cff_1_2_with_the_package_version():
    text = (paths.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    cff = yaml.safe_load(text)
    assert isinstance(cff, dict)
    assert CFF_REQUIRED <= set(cff) <= CFF_KEYS, f"unknown keys {set(cff) - CFF_KEYS}, missing {CFF_REQUIRED - set(cff)}"
    assert cff["cff-version"] == "1.2.0"
    assert isinstance(cff["message"], str) and cff["message"].strip()
    assert isinstance(cff["title"], str) and cff["title"].strip()
    assert cff["type"] in ("software", "dataset")
    assert cff["authors"] and all(isinstance(a, dict) and set(a) <= PERSON_OR_ENTITY
                                  and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    assert isinstance(cff["version"], str), "quote the version in CITATION.cff (YAML would read 1.10 as a number)"
    assert cff["version"] == dimios.__version__, "CITATION.cff's version must equal pyproject.toml's"
    assert cff["license"] == _pyproject()["license"]


def test_lock_record_names_the_lock_and_whether_the_environment_is_it():
    rec = provenance.lock_record()
    assert rec["file"] == "uv.lock" and re.fullmatch(r"[0-9a-f]{64}", rec["sha256"])
    assert rec["installed_as_locked"] is (not rec.get("not_as_locked"))


def test_blas_record_names_the_openblas_kernel():
    rec = provenance.blas_record()
    blas = [lib for lib in rec if lib.get("user_api") == "blas"]
    assert blas and all(lib["version"] and lib["library"] for lib in blas)
    assert all("num_threads" not in lib for lib in rec)  # depends on the machine, not on the result
