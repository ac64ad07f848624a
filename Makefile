# labkit: the two commands a newcomer runs are `make lab` and `make test`.
# Both set everything up first: a project venv with the pinned requirements, labkit itself,
# and Debian's graphviz (`dot`) when it is missing; `make test` also installs Debian's chromium
# for the browser test.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.labkit-installed
PORT   ?= 8888
JUPYTER_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test setup dot chromium student browser-test bench doctor clean help

help:
	@echo "make lab    - set up and open JupyterLab on notebooks/00-start-here.ipynb (offline lab)"
	@echo "make test   - set up and run every test (unit, property, notebooks, real browser)"
	@echo "make student - write the student copies of notebooks/ (solutions removed) into student/"
	@echo "make browser-test - only the real-browser test (JupyterLab in Debian's chromium)"
	@echo "make bench  - run the benchmarks and write bench/results.json"
	@echo "make doctor - check this machine (Python, packages, dot, widgets, moto)"

setup: $(STAMP) dot

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "labkit needs Python 3.11 or newer; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# graphviz's `dot` renders the pictures. Install Debian's package when it is missing.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing graphviz (the 'dot' program) with apt-get..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
		|| { echo "Could not install graphviz. Install it yourself: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS)"; exit 1; }; \
	else \
		echo "graphviz's 'dot' program is missing and this script can't install it (needs root and apt-get)."; \
		echo "Install it yourself: sudo apt-get install graphviz (Debian/Ubuntu) or brew install graphviz (macOS), then run make again."; \
		exit 1; \
	fi

# Debian's chromium, driven by the Python playwright package in the browser test (no browser download).
# When it can't be installed (not root, no apt-get, apt failed) the browser test is skipped with the
# reason, except in CI (CI=true), where a missing browser fails it.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing chromium (for the browser test) with apt-get..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| echo "Note: apt-get could not install chromium; the browser test will be skipped. Try: sudo apt-get install chromium"; \
	else \
		echo "Note: /usr/bin/chromium is missing and this script can't install it (needs root and apt-get);"; \
		echo "the browser test will be skipped. Install it with: sudo apt-get install chromium"; \
	fi

# JupyterLab settings every learner gets (no news prompt, no update check): binder/overrides.json, copied
# into the venv's JupyterLab application directory, where JupyterLab reads overrides.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

lab: setup
	@mkdir -p $(LAB_SETTINGS) && cp binder/overrides.json $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(JUPYTER_ROOT_FLAG) \
		--ServerApp.root_dir=$(CURDIR) notebooks/00-start-here.ipynb

# Notebooks and the browser test never touch the learner's progress file: they get a scratch one.
TEST_ENV := LABKIT_PROGRESS=$(CURDIR)/test-output/progress.json LABKIT_INSTRUCTOR=0

test: setup chromium
	$(BIN)/python -m pytest -m "not browser"
	$(TEST_ENV) $(BIN)/python -m pytest -p no:cacheprovider --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg
	$(TEST_ENV) $(BIN)/python -m pytest -m browser tests/browser

browser-test: setup chromium
	$(TEST_ENV) $(BIN)/python -m pytest -m browser tests/browser

student: setup
	$(BIN)/python tools/make_student.py notebooks student

bench: setup
	$(BIN)/python -m bench

doctor: setup
	$(BIN)/labkit doctor

clean:
	rm -rf $(VENV) bench/results.json student test-output
