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

.PHONY: lab test test-static test-unit test-integration setup dot chromium student browser-test bench doctor clean help \
	lite lite-setup lite-cache hub classroom-setup chp classroom-bench

help:
	@echo "make lab    - set up and open JupyterLab on notebooks/00-start-here.ipynb (offline lab)"
	@echo "make test   - set up and run every test (unit, property, notebooks, real browser)"
	@echo "make student - write the student copies of notebooks/ (solutions removed) into student/"
	@echo "make browser-test - only the real-browser test (JupyterLab in Debian's chromium)"
	@echo "make bench  - run the benchmarks and write bench/results.json"
	@echo "make lite   - build the lessons as a static JupyterLite site into lite/_output/ (PYODIDE=DIR: self-contained)"
	@echo "make doctor - check this machine (Python, packages, dot, widgets, moto)"
	@echo "make hub    - a JupyterHub for a class on 127.0.0.1 (classroom/; see docs/classroom.md)"
	@echo "make classroom-bench LEARNERS=30 - a simulated class on a real local hub; writes bench/classroom.json"

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

test: setup chromium classroom-setup lite-cache
	@mkdir -p test-output
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-unit test-integration

# Two lanes, one per core. The unit lane: static checks, then unit, table-driven, property and fuzz tests,
# doctests and the lessons' student copies (run twice in one kernel).
test-unit: test-static
	$(BIN)/python -m pytest -m "not browser and not lite and not hub"

test-static:
	$(BIN)/ruff check labkit tests bench tools lite classroom
	$(BIN)/ruff format --check labkit tests bench tools lite classroom
	$(BIN)/python -m mypy

# The integration lane: nbval on every lesson, JupyterLab in chromium, a small class on a real JupyterHub,
# the JupyterLite site (the Pyodide harness compares against the outputs nbval has just checked).
test-integration:
	@rm -f test-output/progress.json  # each run starts with an empty progress log, as the stored outputs did
	$(TEST_ENV) $(BIN)/python -m pytest -p no:cacheprovider --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg
	$(TEST_ENV) $(BIN)/python -m pytest -m browser tests/browser
	$(TEST_ENV) $(BIN)/python -m pytest -m hub tests/classroom
	$(TEST_ENV) $(BIN)/python -m pytest -m lite tests/lite

browser-test: setup chromium
	$(TEST_ENV) $(BIN)/python -m pytest -m browser tests/browser

student: setup
	$(BIN)/python tools/make_student.py notebooks student

bench: setup
	$(BIN)/python -m bench

doctor: setup
	$(BIN)/labkit doctor

# The lite site: JupyterLite + the Pyodide kernel (requirements-lite.txt, same venv). Pyodide and its
# compiled packages come from Pyodide's CDN, or from PYODIDE=DIR (a downloaded Pyodide release of the
# version in lite/lock.py) for a self-contained site. See docs/lite.md.
LITE_STAMP := $(VENV)/.labkit-lite-installed
LITE_CACHE := .cache/lite

$(LITE_STAMP): requirements-lite.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-lite.txt
	@touch $@

lite-setup: $(LITE_STAMP)

# npm's Pyodide core and the wasm graphviz, the locked wheels, and what the offline tests use in place of
# Pyodide's compiled packages, into $(LITE_CACHE) (needs node and npm: installed with apt-get when missing).
lite-cache: setup lite-setup
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
		|| echo "Note: node/npm are missing (sudo apt-get install nodejs npm); the lite tests will be skipped."
	@mkdir -p $(LITE_CACHE)
	@if command -v npm >/dev/null 2>&1; then $(BIN)/python lite/fetch.py tests --cache $(LITE_CACHE); fi

lite: setup lite-setup
	@mkdir -p $(LITE_CACHE)
	$(BIN)/python lite/build.py --cache $(LITE_CACHE) $(if $(PYODIDE),--pyodide $(PYODIDE))


# --- a class on JupyterHub (classroom/, docs/classroom.md) ----------------------------------------------
CLASSROOM_STAMP := $(VENV)/.labkit-classroom-installed
HUB_DIR ?= $(CURDIR)/.hub
HUB_PORT ?= 8000
LEARNERS ?= 30

classroom-setup: setup chp $(CLASSROOM_STAMP)

$(CLASSROOM_STAMP): requirements-classroom.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-classroom.txt
	@touch $@

# JupyterHub's proxy: Debian's node-configurable-http-proxy, else the npm package (like chromium above).
# When neither can be installed, the hub tests are skipped with the reason (failed in CI) and `make hub` stops.
CHP_OK = command -v configurable-http-proxy >/dev/null 2>&1 && NODE_PATH=/usr/share/nodejs configurable-http-proxy --version >/dev/null 2>&1
chp:
	@if $(CHP_OK); then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ echo "Installing configurable-http-proxy (JupyterHub's proxy) with apt-get..."; \
		  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq node-configurable-http-proxy >/dev/null 2>&1; } && \
		$(CHP_OK); then :; \
	elif command -v npm >/dev/null 2>&1 && npm install -g --silent configurable-http-proxy >/dev/null 2>&1 && $(CHP_OK); then :; \
	else \
		echo "Note: JupyterHub's configurable-http-proxy is missing and could not be installed; the hub tests will be"; \
		echo "skipped. Install it: sudo apt-get install node-configurable-http-proxy, or npm install -g configurable-http-proxy"; \
	fi

# A hub on this machine: every learner a local process (no limits; a real class uses systemd: docs/classroom.md).
hub: classroom-setup
	@$(CHP_OK) || { echo "make hub needs configurable-http-proxy: sudo apt-get install node-configurable-http-proxy (or npm install -g configurable-http-proxy)"; exit 1; }
	@echo "JupyterHub on http://127.0.0.1:$(HUB_PORT)/ — sign in as 'instructor' (choose its password at the first"
	@echo "sign-in); the admin page is http://127.0.0.1:$(HUB_PORT)/hub/admin and the class report"
	@echo "http://127.0.0.1:$(HUB_PORT)/services/labkit-progress/report. State in $(HUB_DIR). Ctrl-C stops it."
	cd $(CURDIR) && PATH=$(abspath $(BIN)):$$PATH LABKIT_HUB_SPAWNER=local LABKIT_HUB_DIR=$(HUB_DIR) \
		LABKIT_HUB_PORT=$(HUB_PORT) PYTHONPATH=$(CURDIR) $(BIN)/jupyterhub -f classroom/jupyterhub_config.py

classroom-bench: classroom-setup
	PYTHONPATH=$(CURDIR) $(BIN)/python -m bench.classroom --learners $(LEARNERS)


clean:
	rm -rf $(VENV) bench/results.json test-output lite/_output .hub
