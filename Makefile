# Two commands on a fresh machine: `make run` and `make test`. Both create .venv on first use.
# `make run` installs only what the app needs; test, lint, bench and screenshots add the dev
# extra. Each install leaves a stamp newer than pyproject.toml, so it runs again only when
# pyproject.toml changes (a dev install covers the app too, so it stamps both).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP := $(VENV)/.app
DEV := $(VENV)/.dev

.PHONY: run test lint demo serve screenshots bench clean

$(BIN)/python:
	@echo "Creating $(VENV) (first run only)"
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(APP): pyproject.toml | $(BIN)/python
	@echo "Installing doubletext and what it needs into $(VENV)"
	$(BIN)/python -m pip install -e .
	touch $(APP)

$(DEV): pyproject.toml | $(BIN)/python
	@echo "Installing doubletext with its dev tools (pytest, ruff, ...) into $(VENV)"
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(APP) $(DEV)

run: $(APP)
	$(BIN)/doubletext

demo: $(APP)
	$(BIN)/doubletext demo

serve: $(APP)
	$(BIN)/doubletext serve

test: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

screenshots: $(DEV)
	$(BIN)/python -m doubletext.screenshots screenshots

bench: $(DEV)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache
