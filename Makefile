# The README's two commands are `make demo` and `make test`; everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: demo test lint translations screenshots bench clean lock audit

$(BIN)/activate:
	$(PY) -m venv $(VENV)

# Installs exactly what requirements.lock pins (with hashes), then the project itself without resolving again.
$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

## Pin the dependencies again after a change in pyproject.toml (the app, test and hardware extras)
lock: $(BIN)/activate
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra hardware --generate-hashes --python-version 3.11 \
		--universal -o requirements.lock

## Check requirements.lock against published advisories (needs a network that reaches an advisory source)
audit: $(VENV)/.installed
	bash .ci/audit

## Start the demo: embedded SQLite, seeded community; kiosk /kiosk, phone /, staff /staff
# The links the demo prints and its cards carry (card, kiosk pairing, sign-in) name the port it serves on, unless
# LINLI_BASE_URL says otherwise.
# The job queue's worker (messages, reminders, escalation) runs beside the web server and stops with it.
demo: $(VENV)/.installed
	LINLI_BASE_URL=$${LINLI_BASE_URL:-http://127.0.0.1:$(PORT)} $(FLASK) demo
	export LINLI_BASE_URL=$${LINLI_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Run every check: ruff, mypy, then every test (DATABASE_URL=postgresql+psycopg://… to run them on PostgreSQL)
# Two test processes (pytest-xdist), each test file whole in one of them: the browser tests keep one core busy
# with Chromium, the rest wait on the database, servers and clocks; one process took 45 minutes of CI's 40.
PYTEST_JOBS ?= 2
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_JOBS) --dist loadfile

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext --add-comments=Translators: \
		--sort-by-file --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --width 110 --no-fuzzy-matching
	$(BIN)/python translations/fill_en.py
	$(BIN)/pybabel compile -d translations --statistics

screenshots: $(VENV)/.installed
	$(BIN)/python docs/screenshots.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache
