# dvgen: `make run` builds generated/ from schema_docs/; `make test` runs the suite.
# Both create .venv themselves (Python 3.11+) and reinstall only when
# pyproject.toml changes; `make test` also installs the pinned npm tools into
# node_modules/ with `npm ci`, again only when package-lock.json changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.dvgen-run.stamp
DEV_STAMP := $(VENV)/.dvgen-dev.stamp
BENCH_STAMP := $(VENV)/.dvgen-bench.stamp
# tsc, the OASIS CSDL schemas, an EDMX parser and odata2ts, pinned by package-lock.json
NPM_STAMP := node_modules/.dvgen-npm.stamp

.PHONY: run test lint typecheck pytest snapshots bench fuzz orgs clean help

help:
	@echo "make run        set up .venv and build generated/ from schema_docs/"
	@echo "make test       set up .venv and node_modules, run lint, mypy and pytest"
	@echo "make snapshots  regenerate the syrupy snapshots and generated/ after an intended change"
	@echo "make bench      measure dvgen at Dataverse scale; writes docs/benchmarks.md and .png"
	@echo "make orgs       build the four whole real orgs' \$$metadata and check them with the real tools"
	@echo "make fuzz       fuzz the parser and targets with fresh pages (FUZZ_EXAMPLES=2000 per test)"
	@echo "make clean      remove .venv and caches"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dvgen needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(RUN_STAMP)

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@ $(DEV_STAMP) $(RUN_STAMP)

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js and npm (for tsc and the OData checks)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: $(RUN_STAMP)
	$(BIN)/dvgen build

lint: $(DEV_STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# -n auto: one worker per CPU; --dist loadfile keeps each file's fixtures on one
pytest: $(DEV_STAMP) $(NPM_STAMP)
	$(BIN)/pytest -q -n auto --dist loadfile

test: lint typecheck pytest

snapshots: $(DEV_STAMP) $(NPM_STAMP)
	$(BIN)/dvgen build
	$(BIN)/pytest -q --snapshot-update

# the four whole documents of tests/fixtures/orgs/full/ (CI runs them in make test)
orgs: $(DEV_STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest -q -n auto --slow tests/test_csdl_builds.py tests/test_csdl_model.py

# BENCH_ARGS="--runs 5" and the like: see python -m bench --help
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Fresh examples every run (make test runs a fixed set): pages, and the file system
# around real builds (tests/test_fs_fuzz.py). FUZZ_EXAMPLES=20000 runs longer; the
# smallest page that breaks dvgen is kept in .fuzz-crashes/.
FUZZ_EXAMPLES ?= 2000
fuzz: $(DEV_STAMP)
	DVGEN_HYPOTHESIS_PROFILE=fuzz DVGEN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(BIN)/pytest -q tests/test_fuzz.py tests/test_fs_fuzz.py -k "grammar or mutated or keeps or meanwhile or full_disk"

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache *.egg-info .bench .fuzz-crashes
