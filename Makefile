# The two commands: `make run` (the whole platform, embedded) and `make test` (the suite).
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .sela/tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin

# uv uses the Python already on the machine (3.11+) and never downloads one.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_LINK_MODE := copy

.PHONY: install run test drills lint check-format format typecheck bench help

help:
	@echo "make run    install, start PostgreSQL + NATS embedded, migrate, load demo data, serve"
	@echo "make test   install, lint, type-check and run the whole test suite"
	@echo "make drills whole-platform drills through the gateway (load, outages, fuzzing)"
	@echo "make lint   ruff + mypy only"
	@echo "make bench  benchmarks (on demand, reports in bench/results/)"

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.9,<1'

install: $(UV)
	$(UV) sync --frozen --all-packages

run: install
	$(BIN)/sela up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

# The whole platform as `sela up` runs it, on servers the drills stop and restart; figures
# in .sela/drills-report.json (see docs/drills.md).
drills: install
	$(BIN)/pytest tests/drills -m drill

bench: install
	$(BIN)/python -m bench
