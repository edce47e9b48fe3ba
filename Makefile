# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-prod test lint check messages worker beat clean

$(STAMP): requirements.txt
	@echo "Installeren van de afhankelijkheden (eenmalig, ~1 minuut)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

## run: install, migrate, seed the demo data and serve http://127.0.0.1:8000 (with websockets);
## HOST=… and PORT=… choose the address, which the links in mails then use too (SITE_URL, wijklab/settings.py)
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: $(STAMP)
	@echo "Database bijwerken (migrate)…"
	$(BIN)/python manage.py migrate --noinput
	@echo "Demodata klaarzetten (seed_demo)…"
	$(BIN)/python manage.py seed_demo
	@echo "Wijklab draait op http://$(HOST):$(PORT)/ — stoppen met Ctrl+C"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## run-prod: the production processes of the Procfile on DATABASE_URL + REDIS_URL (README "Deployment"):
## migrate and collect static files, then web (uvicorn, 2 workers), worker and beat until Ctrl+C
run-prod: $(STAMP)
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" -a -n "$$SECRET_KEY" || \
		{ echo "run-prod needs DATABASE_URL, REDIS_URL and SECRET_KEY (README \"Deployment\")"; exit 2; }
	PATH="$(abspath $(BIN)):$$PATH" PYTHONUNBUFFERED=1 $(BIN)/honcho start --no-colour --port $(PORT) release
	PATH="$(abspath $(BIN)):$$PATH" PYTHONUNBUFFERED=1 HOST=$(HOST) $(BIN)/honcho start --no-colour --port $(PORT) web worker beat

## test: install and run the whole suite (browser tests when Chromium is present), one process per core
## (at most 4; TEST_WORKERS=0 runs it in one): each process takes whole test files in the order collected,
## so the browser tests come last in every process (tests/conftest.py says why; tests/parallel.py)
TEST_WORKERS ?= auto
test: $(STAMP)
	@if [ ! -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then \
		echo "NOTE: Chromium not found at $${CHROMIUM_PATH:-/usr/bin/chromium}: browser tests (tests/e2e) will be SKIPPED."; \
		echo "      Install it with: apt-get install -y chromium"; \
	fi
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check: $(STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

## messages: extract Dutch source strings and compile the translations (needs gettext)
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l nl -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py makemessages -d djangojs -l nl -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

## worker / beat: the background processes of the production runtime (REDIS_URL set)
worker: $(STAMP)
	$(BIN)/celery -A wijklab worker --loglevel=info

beat: $(STAMP)
	$(BIN)/celery -A wijklab beat --loglevel=info

clean:
	rm -rf var test-artifacts
