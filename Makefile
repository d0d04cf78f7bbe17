# LocalLibrary's one entry point: `make run` to use the site, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The test suite's own settings: DEBUG off as in production, a throwaway key.
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=test-only-insecure-key

.PHONY: help run test test-sqlite lint migrations-check demo-data clean

help:
	@echo "make run    - set everything up and serve the site at http://127.0.0.1:8000/"
	@echo "make test   - install what the tests need and run the whole suite"

# Virtual environments: rebuilt only when the pinned requirements change.
$(VENV)/.runtime-installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The development .env: DEBUG on and a random secret key, written once, never committed.
.env:
	@echo "Writing .env for development (DEBUG on, a random secret key)"
	@printf 'DJANGO_DEBUG=1\nDJANGO_SECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

run: $(VENV)/.runtime-installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data --if-empty
	$(PY) manage.py runserver 127.0.0.1:8000

demo-data: $(VENV)/.runtime-installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data

test: test-sqlite

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(VENV)/.dev-installed lint
	$(TEST_ENV) $(BIN)/pytest

migrations-check: $(VENV)/.dev-installed
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
