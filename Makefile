# The two commands of the README: `make demo` and `make test`. Needs only python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test smoke-production lint format messages worker beat install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Run the app with the demo trial at http://127.0.0.1:8000 (SQLite, eager Celery by default).
## One line per step; load_demo also syncs the role groups (sync_roles); the system checks run
## once, by runserver.
demo: $(STAMP)
	@started=$$(date +%s); echo "Database: applying the migrations…"; \
	$(BIN)/python manage.py migrate --noinput --verbosity 0 --skip-checks && \
	echo "  Database ready                           $$(( $$(date +%s) - started )) s"
	@$(BIN)/python manage.py load_demo --skip-checks
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Run the whole test suite: lint, format check, the import floors (docs/architecture.md), then pytest.
## Two workers; a module's tests stay on one (--dist loadfile), so its module fixtures (the demo
## trial, throwaway PostgreSQL clusters) are built once.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=40 $(PYTEST_ARGS)

## The production install end to end: fresh venv with `pip install .`, production settings,
## PostgreSQL with owner and application roles, gunicorn + workers, real HTTP requests.
smoke-production:
	bash .ci/production-smoke

## The French and Dutch catalogues (edc/locale): add the source's new messages, then compile.
messages: $(STAMP)
	$(BIN)/python manage.py catalogues

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## A Celery worker and the beat scheduler (need REDIS_URL).
worker: $(STAMP)
	$(BIN)/celery -A edc worker -l info

beat: $(STAMP)
	$(BIN)/celery -A edc beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
