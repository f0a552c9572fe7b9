# LDN Journal — developer entry points. `make run` for the demo, `make test` for the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# The suite runs in parallel processes (pytest-xdist), one per core on the 2-core CI machine,
# fed one test at a time (--maxschedchunk 1): test times vary from milliseconds to a minute
# (the hostile-input forms), and in xdist's default chunks one process ran the last twenty
# minutes alone. Each process still runs its tests in collection order, so pytest-django's
# order holds (the transactional tests, which empty the tables, after the others).
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails (sent by the worker) point at the server `make run` starts, on its port.
SITE_URL ?= http://$(HOST):$(PORT)
# DEBUG is off unless set (ldn_journal/settings.py): these are development targets.
export DEBUG ?= true

.PHONY: run serve install lock audit test test-deep lint fmt bench migrate seed clean screenshots messages makemessages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Every dependency, transitive ones too, from the lock with its hashes (a changed or
# substituted file is refused); then the project itself, its dependencies already there.
$(STAMP): pyproject.toml requirements-dev.lock | $(BIN)/python
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

## messages: compile the translations (locale/*/LC_MESSAGES/django.po -> .mo; needs GNU gettext).
## The .mo files are not committed, so they can never be older than the .po they come from.
messages: install
	@command -v msgfmt >/dev/null || { echo "GNU gettext is required (apt-get install gettext)"; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules

## makemessages: refresh the Spanish and German catalogs from the code and templates
makemessages: install
	$(PY) manage.py makemessages -l es -l de --no-obsolete --ignore=.venv --ignore=var \
	  --ignore=node_modules --ignore=tests --ignore=bench --ignore=staticfiles

## run: install, migrate, load the demo and serve on http://127.0.0.1:8000 with a worker and beat
## (PORT=8001 make run serves on another port; emailed links use it too)
run: seed messages
	$(PY) manage.py dev_keys
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops web, worker and beat)"
	@# Background jobs of a non-interactive shell ignore SIGINT, so Ctrl-C reaches them only
	@# through this trap; when any of the three stops, the other two are stopped too.
	@export SITE_URL='$(SITE_URL)'; \
	  $(BIN)/celery -A ldn_journal worker --loglevel=INFO --concurrency=2 & pids=$$!; \
	  $(BIN)/celery -A ldn_journal beat --loglevel=INFO & pids="$$pids $$!"; \
	  $(PY) manage.py runserver $(HOST):$(PORT) & pids="$$pids $$!"; \
	  trap 'kill -TERM $$pids 2>/dev/null' INT TERM; \
	  wait -n; kill -TERM $$pids 2>/dev/null; wait; echo "Stopped web, worker and beat."

## lock: re-resolve the locks from pyproject.toml (after changing a dependency there)
LOCK_OPTIONS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: install
	$(BIN)/pip-compile $(LOCK_OPTIONS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTIONS) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

## audit: known vulnerabilities in the locked dependencies (skips, saying why, when offline)
audit: install
	$(PY) .ci/audit_lock.py

## lint: ruff checks, format check, the import layers (import-linter, pyproject.toml), and
## the locks still match pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(PY) .ci/check_lock.py

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## test: lint, migrations up to date, then the whole suite
# The catalogs are compiled first (a prerequisite line of its own; `test: lint audit` stays
# as tests/security/test_locked_dependencies.py reads it).
test: messages
test: lint audit
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load --maxschedchunk 1 $(PYTEST_ARGS)

## test-deep: the suite with 5,000 hostile-input examples per form instead of CI's 1,000
## (about 20 more minutes on two cores)
test-deep: lint messages
	HOSTILE_EXAMPLES=5000 $(BIN)/pytest -n $(PYTEST_WORKERS) --dist load --maxschedchunk 1 $(PYTEST_ARGS)

## screenshots: run the browser journeys and refresh the pictures in docs/
screenshots: install messages
	LDN_DOCS_DIR=docs $(BIN)/pytest tests/e2e tests/patients/test_push_browser.py

## bench: the page benchmark (wrk against gunicorn, 500 patients x 365 nights) and the
## reminder benchmark; figures in bench/results/ (BENCH=pages or BENCH=reminders runs one;
## BENCH_PATIENTS=5000 builds the bigger clinic). Installs wrk with apt-get when missing.
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk || \
	  { apt-get update && apt-get install -y wrk; } || \
	  { echo "bench: needs wrk (apt-get install wrk)"; exit 1; }
	$(PY) -m bench $(BENCH)

clean:
	rm -rf var/ staticfiles/ .pytest_cache .ruff_cache
