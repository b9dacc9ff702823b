# Two commands a newcomer needs (see README.md):
#   make report   build the whole report on the embedded synthetic default data
#   make test     run the test suite
#   make golden   recompute the R reference values (tests/reference/, needs Rscript) and compare
# All bootstrap a virtual environment in .venv on first use.
# Mutation testing of the core modules (hours; never in CI, docs/mutation.md):
#   make mutation [MODULES="scoring spread"]
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test install clean golden mutation fingerprints

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(BIN)/dimios build

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

# R golden values: rerun tests/reference/golden.R where R is installed (R, lavaan, psych,
# GPArotation, semTools, jsonlite), then compare; without R the committed JSON is used.
golden: $(STAMP)
	@if command -v Rscript >/dev/null 2>&1; then Rscript tests/reference/golden.R; \
	else echo "Rscript not found: comparing with the committed tests/reference/golden_r.json"; fi
	$(BIN)/python -m pytest -q -p no:xdist tests/test_golden_r.py

# After an intended change of the default panel: rewrite its committed fingerprint
# (dimios/default_panel.yml; checked by tests/test_fingerprints.py).
fingerprints: $(STAMP)
	$(BIN)/python -c "from dimios import synthetic; print(synthetic.write_default_panel_fingerprints())"

$(BIN)/mutmut: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'

mutation: $(BIN)/mutmut
	$(BIN)/python tools/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) mutants report/_book report/notebooks report/provenance.json \
	    index.ipynb _quarto-national.yml _quarto-organisation.yml .quarto
