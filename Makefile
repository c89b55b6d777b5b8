# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test check fix serve clean translations
CATALOGS := $(wildcard voting/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[service,dev]'
	touch $(STAMP)

voting/translations/%/LC_MESSAGES/messages.mo: voting/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d voting/translations -l $*

## make run: development server with an embedded SQLite database, demo data and a local SMTP sink
run: $(STAMP) $(COMPILED)
	$(BIN)/stembus dev

## make test: static checks, then the whole suite on SQLite and on PostgreSQL, browser tests included
test: $(STAMP) $(COMPILED)
	scripts/check
	scripts/test

check: $(STAMP)
	scripts/check

fix: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make translations: extract the messages and update each catalog (then translate the new ones)
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o voting/translations/messages.pot .
	$(BIN)/pybabel update -i voting/translations/messages.pot -d voting/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis
