# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PRESET ?= founder-24x7
# `make run DEMO=1` adds demo incidents (never paging, never on /status/); default: none.
DEMO ?=
# Links the portal prints and sends (admin login, ack links) point at this server.
export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
# The portal's DEBUG is off unless set; these targets are for working on it, so they
# turn it on (manage.py, mypy's settings import and pytest then need no SECRET_KEY).
export DEBUG ?= 1

.PHONY: run test venv setup lint layers typecheck migrations-check pytest bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

# Migrate, load the default policy, install the task schedules, print the admin login
# (and load demo data when DEMO=1).
setup: venv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	# The admin first: the preset's rotation member "founder" is the first superuser, so
	# the founder rotation is not left empty on a first run (issue 23).
	$(PY) manage.py demo $(if $(filter 1 yes true,$(DEMO)),,--login-only)
	$(PY) manage.py loadpolicy $(PRESET)
	$(PY) manage.py setup_schedules

# Web server and django-q2 worker together; Ctrl-C stops both.
run: setup
	$(PY) manage.py runportal --host $(HOST) --port $(PORT)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The floors (README "Layout"): one import-linter contract in pyproject.toml.
layers: venv
	$(VENV)/bin/lint-imports --no-logo

typecheck: venv
	$(PY) -m mypy .

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

# pytest-xdist: one worker per core, at most four (each worker has its own test database).
# `make pytest PYTEST_WORKERS=0` runs in one process. Tests marked `slow` (the schema
# fuzz, the 10,000-incident list) run in CI (.ci/run sets CI=true) and with
# `make test CI=true`; a plain `make test` leaves them out.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= $(if $(filter true 1 yes,$(CI)),,-m "not slow")
pytest: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)

test: lint layers typecheck migrations-check pytest

bench: venv
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
