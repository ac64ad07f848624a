# labkit: the two commands a newcomer runs are `make lab` and `make test`.
# Both set everything up first: a project venv with the pinned requirements, labkit itself,
# and Debian's graphviz (`dot`) when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.labkit-installed
PORT   ?= 8888
JUPYTER_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test setup dot bench doctor clean help

help:
	@echo "make lab    - set up and open JupyterLab on notebooks/00-start-here.ipynb (offline lab)"
	@echo "make test   - set up and run every test (unit, property, notebooks)"
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

lab: setup
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(JUPYTER_ROOT_FLAG) \
		--ServerApp.root_dir=$(CURDIR) notebooks/00-start-here.ipynb

test: setup
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -p no:cacheprovider --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg

bench: setup
	$(BIN)/python -m bench

doctor: setup
	$(BIN)/labkit doctor

clean:
	rm -rf $(VENV) bench/results.json
