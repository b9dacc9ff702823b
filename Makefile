# Two commands a newcomer needs (see README.md):
#   make report   build the whole report on the embedded synthetic default data
#   make test     run the test suite
# Both bootstrap a virtual environment in .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test install clean

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

clean:
	rm -rf $(VENV) report/_book report/notebooks report/provenance.json
