# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test check fix serve clean bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[service,dev]'
	touch $(STAMP)

## make run: development server with an embedded SQLite database, demo data and a local SMTP sink
run: $(STAMP)
	$(BIN)/stembus dev

## make test: static checks, then the whole suite on SQLite and on PostgreSQL, browser tests included
test: $(STAMP)
	scripts/check
	scripts/test

check: $(STAMP)
	scripts/check

fix: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis
