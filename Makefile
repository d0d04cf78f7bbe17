# LocalLibrary's one entry point: `make run` to use the site, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# pytest takes DEBUG off and a throwaway key from pyproject.toml (`env`); manage.py needs them here.
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=test-only-insecure-key

.PHONY: help run daily serve bench deps test test-sqlite test-services test-browser lint migrations-check demo-data clean

help:
	@echo "make run    - set everything up and serve the site at http://127.0.0.1:8000/"
	@echo "make test   - install what the tests need and run the whole suite"
	@echo "make daily  - run the library's daily jobs by hand (expire holds, send reminders)"
	@echo "make serve  - run the Procfile as the PaaS does (DEBUG off, gunicorn) on this machine"
	@echo "make bench  - measure every page under load against a bare-Django ceiling (docs/benchmarks.md)"

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
	@echo "Starting the site. Next time, in a new shell, without make:"
	@echo "    source .venv/bin/activate && python manage.py runserver"
	$(PY) manage.py runserver 127.0.0.1:8000

# The library's daily jobs, as the PaaS scheduler or cron runs them (README: "Daily jobs").
daily: $(VENV)/.runtime-installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py expire_holds
	$(PY) manage.py send_overdue_reminders

demo-data: $(VENV)/.runtime-installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data

# `make serve`: the Procfile itself, run by honcho with production settings, on loopback only.
# honcho would read `.env` (development values) and let it override: give it this file instead.
SERVE_ENV := $(VENV)/serve.env
$(SERVE_ENV): | $(VENV)/.runtime-installed
	@echo "Writing $@ (DEBUG off, a random secret key for this machine only)"
	@{ echo "DJANGO_DEBUG=0"; \
	  echo "DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	  echo "DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1"; \
	  echo "DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3"; \
	  echo "DJANGO_SESSION_ENGINE=db"; \
	  echo "REDIS_URL="; \
	  echo "PORT=8000"; \
	  echo "WEB_CONCURRENCY=2"; \
	  echo "GUNICORN_CMD_ARGS=--bind=127.0.0.1:8000"; } > $@

HONCHO := PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -e $(CURDIR)/$(SERVE_ENV)

serve: $(VENV)/.dev-installed $(SERVE_ENV)
	$(HONCHO) run python manage.py collectstatic --noinput
	$(HONCHO) start release
	@echo "Production mode at http://127.0.0.1:8000/ : clients must send X-Forwarded-Proto: https,"
	@echo "as the PaaS router does (plain HTTP is redirected to https://), for example:"
	@echo "    curl -H 'X-Forwarded-Proto: https' http://127.0.0.1:8000/catalog/"
	$(HONCHO) start web

# `make bench`: every page under load against a bare-Django ceiling and beside the MDN
# tutorial's own code (not part of `make test`). BENCH_REFERENCE=<git directory or checkout of
# mdn/django-locallibrary-tutorial> says where that code is (bench/reference.py).
bench: $(VENV)/.runtime-installed
	scripts/install-deps.sh bench
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py

# What the tests need beyond Python, installed when missing: PostgreSQL, Redis, Debian's
# chromium, axe-core (scripts/install-deps.sh: as root or with `sudo -n`, never a prompt).
deps:
	scripts/install-deps.sh test

# Lint, the suite on SQLite, again on real PostgreSQL and Redis servers (cached_db sessions),
# then the real-browser tests: every part runs, the summary names those that failed.
TEST_PARTS := lint test-sqlite test-services test-browser
test: $(VENV)/.dev-installed deps
	@failed=""; \
	for part in $(TEST_PARTS); do \
	  $(MAKE) --no-print-directory $$part || failed="$$failed $$part"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: passed ($(TEST_PARTS))"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(VENV)/.dev-installed
	$(BIN)/pytest

# Real-browser tests (browser_tests/, with the playwright plugin that the other runs leave
# out); a failing test leaves a screenshot and a trace (`playwright show-trace`).
BROWSER_ARTIFACTS := test-artifacts/browser
BROWSER_OPTIONS := --screenshot only-on-failure --full-page-screenshot \
	--tracing retain-on-failure --output $(BROWSER_ARTIFACTS)
test-browser: $(VENV)/.dev-installed deps
	$(BIN)/pytest -p playwright $(BROWSER_OPTIONS) browser_tests || \
	  { echo "Browser test screenshots and traces: $(CURDIR)/$(BROWSER_ARTIFACTS)"; exit 1; }

test-services: $(VENV)/.dev-installed deps
	scripts/with-services.sh $(BIN)/pytest

migrations-check: $(VENV)/.dev-installed
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
