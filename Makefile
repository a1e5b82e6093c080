# armsledger — the two commands a reader needs are `make report` and `make test`.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARCHIVE ?= ../shared/seeds
JOBS   ?= 2

.DEFAULT_GOAL := help
.PHONY: help report test test-fast snapshot check bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3  # the pip the lock was tested with
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

report: $(STAMP) ## validate the data, run the notebooks and publish every edition to public/
	$(BIN)/armsledger build --all --jobs $(JOBS)

test: $(STAMP) ## run every test: unit, data, pipeline (notebooks, build, renderers, browser)
	$(BIN)/pytest -q

test-fast: $(STAMP) ## run the unit and data lanes only (about a minute)
	$(BIN)/pytest -q tests/unit tests/data

snapshot: $(STAMP) ## accept a data change: rewrite tests/data/snapshot.json, the editions' headline numbers
	$(BIN)/armsledger snapshot --out tests/data/snapshot.json

check: $(STAMP) ## lint code, check notebooks are stripped, validate data with the archive, lint the workflow
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/nbstripout --verify notebooks/*.ipynb
	$(BIN)/armsledger datadict --check
	@if [ -d $(ARCHIVE) ]; then $(BIN)/armsledger validate --archive $(ARCHIVE); else $(BIN)/armsledger validate; fi
	$(BIN)/zizmor --offline --min-severity medium --config .github/zizmor.yml .github/workflows/report.yml

bench: $(STAMP) ## measure cold, no-op and one-table builds, both renderers, 30,000- and 300,000-record ledgers (figures)
	$(BIN)/python benchmarks/bench.py

clean: ## remove build outputs (keeps .venv)
	rm -rf build public .doit.db .doit.db.* benchmarks/out
