# Two commands a newcomer needs (see README.md):
#   make report   build the whole report on the embedded synthetic default data
#   make test     run the test suite
#   make golden   recompute the R reference values (tests/reference/, needs Rscript) and compare
# All bootstrap a virtual environment in .venv on first use.
# Mutation testing of the core modules (hours; never in CI, docs/mutation.md):
#   make mutation [MODULES="scoring spread"]
# The environment is exactly the lock (uv.lock, pinned and hashed), installed by uv, which is
# itself bootstrapped from PyPI at a pinned version with hashes (tools/uv-requirements.txt) into
# .tools/. The system python3 is used; uv never downloads a Python.
#   make lock     refresh uv.lock (newest versions the bounds allow) and environment.yml
#   make test-latest   fast tests in a throwaway environment with the newest versions (not the lock)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Bytecode compiled at install: with PYTHONDONTWRITEBYTECODE set (or a read-only .venv) every
# kernel of a build would otherwise compile pandas/scipy from source again (measured: the data
# preparation of a build 11.4 s -> 3.6 s, at load 5 on 2 cores).
export UV_COMPILE_BYTECODE := 1
# the interpreter uv builds .venv with (absolute path of $(PYTHON))
PYTHON_PATH = $(shell command -v $(PYTHON))

.PHONY: report test install clean golden mutation fingerprints lock test-latest

# uv is installed by pip into .tools/ (--target: no venv needed); a Python without pip gets a
# small venv in .tools/venv for it. PIP_CONFIG_FILE=/dev/null: a site pip configuration (extra
# indexes, find-links) plays no part; the hashes decide which bytes are accepted.
$(UV): tools/uv-requirements.txt
	rm -rf $(TOOLS)
	@if $(PYTHON) -m pip --version >/dev/null 2>&1; then pip_py=$(PYTHON); \
	else $(PYTHON) -m venv $(TOOLS)/venv && pip_py=$(TOOLS)/venv/bin/python; fi; \
	echo "installing uv (tools/uv-requirements.txt) into $(TOOLS)"; \
	PIP_CONFIG_FILE=/dev/null $$pip_py -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	    --target $(TOOLS) --only-binary :all: --require-hashes -r tools/uv-requirements.txt
	touch $(UV)

$(STAMP): $(UV) uv.lock pyproject.toml
	$(UV) sync --quiet --locked --extra test --python $(PYTHON_PATH)
	@echo "installed uv.lock into $(VENV)"
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

# After an intended change of a published number: rebuild the default report and rewrite the
# committed fingerprints (fingerprints/printed_numbers.json, dimios/default_panel.yml), which
# tests/test_build.py and tests/test_fingerprints.py compare with. Review `git diff` before committing.
fingerprints: $(STAMP)
	$(BIN)/dimios build
	$(BIN)/dimios fingerprint --write

$(BIN)/mutmut: $(STAMP)
	$(UV) sync --quiet --locked --extra test --extra mutation --python $(PYTHON_PATH)

mutation: $(BIN)/mutmut
	$(BIN)/python tools/mutation.py $(MODULES)

# Refresh the lock on purpose: the newest versions pyproject.toml's bounds allow, then
# environment.yml's pins from the lock (tests/test_setup.py checks that they agree).
lock: $(UV)
	$(UV) lock --upgrade --python $(PYTHON_PATH)
	$(PYTHON) tools/environment_from_lock.py

# Early warning that the lock is ageing (not in CI): the fast tests in a throwaway environment with
# the newest versions pyproject.toml's bounds allow today (uv.lock is not used nor changed).
LATEST := .venv-latest
test-latest: $(UV)
	rm -rf $(LATEST)
	$(UV) venv --quiet --python $(PYTHON_PATH) $(LATEST)
	$(UV) pip install --quiet --python $(LATEST)/bin/python --resolution highest -e '.[test]'
	$(LATEST)/bin/python -m ipykernel install --prefix $(LATEST) --name python3 >/dev/null
	@$(UV) pip list --quiet --python $(LATEST)/bin/python | grep -iE '^(numpy|pandas|scipy|scikit-learn|matplotlib|pyarrow|pandera|semopy|factor.analyzer|pytest) ' || true
	$(LATEST)/bin/python -m pytest -m "not slow" -n auto -q -p no:cacheprovider; status=$$?; rm -rf $(LATEST); exit $$status

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) mutants report/_book report/notebooks report/provenance.json \
	    index.ipynb _quarto-national.yml _quarto-organisation.yml .quarto
