"""Notebooks are thin and parameterised: papermill can read every parameters cell."""

import logging

import nbformat
import papermill as pm
import pytest

from dimios import paths, sections

STANDARD = {"data", "careless_truth", "output_dir", "section", "years", "exclude_careless",
            "privacy_threshold", "organisation"}
NOTEBOOKS = sorted({s.notebook for kind in sections.REPORTS for s in sections.sections(kind)})


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_is_first_and_parseable(name, caplog):
    path = paths.NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    assert nb.metadata["kernelspec"]["name"] == "python3"
    with caplog.at_level(logging.WARNING):
        params = pm.inspect_notebook(str(path))
    assert not [r for r in caplog.records if "Unable to parse" in r.getMessage()]
    assert STANDARD <= set(params), STANDARD - set(params)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_thin(name):
    """Logic lives in dimios/: notebook cells only call into the package and display."""
    nb = nbformat.read(paths.NOTEBOOKS / name, as_version=4)
    for cell in nb.cells[1:]:
        if cell.cell_type != "code":
            continue
        code = [line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")]
        assert len(code) <= 8, f"{name}: a cell with {len(code)} lines belongs in the package"
        assert not any(line.lstrip().startswith(("def ", "class ", "for ", "while ")) for line in code), name
