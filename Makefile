# Infant mental health course for home visitors.  `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export FLASK_APP := wsgi

.PHONY: help run serve test test-sqlite test-postgres lint audit setup bench bench-http

help:  ## Show this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed  ## Install, migrate the database, import the course, create demo accounts
	$(BIN)/flask db upgrade
	$(BIN)/flask course import
	$(BIN)/flask demo setup

run: setup  ## Set everything up and serve the demo at http://127.0.0.1:$(PORT)
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

serve: $(VENV)/.installed  ## Production: migrate, then gunicorn with gunicorn.conf.py (needs SECRET_KEY)
	APP_ENV=production $(BIN)/flask db upgrade
	APP_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: $(VENV)/.installed-dev  ## Run the whole suite on SQLite, then on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.installed-dev  ## Run the suite on a fresh SQLite database
	$(BIN)/python -m pytest

test-postgres: $(VENV)/.installed-dev  ## Run the suite on a fresh PostgreSQL database (PG_TEST_URL)
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

bench: $(VENV)/.installed-dev  ## Time the supervisor grid and CSV export for 2,000 learners
	$(BIN)/python bench/grid.py

bench-http: $(VENV)/.installed-dev  ## Pages under gunicorn (2 workers) as ratios to a bare Flask route
	$(BIN)/python bench/serve.py

audit: $(VENV)/.installed-dev  ## Security checks: bandit (no high findings) and pip-audit of the pinned requirements
	$(BIN)/bandit -q -r app -lll
	$(BIN)/python tools/audit/audit.py requirements.txt

lint: $(VENV)/.installed-dev  ## Check style with ruff
	$(BIN)/ruff check app tests tools
	$(BIN)/ruff format --check app tests tools
