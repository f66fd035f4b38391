# The README's two commands are `make demo` and `make test`; everything else here serves them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: demo test lint translations screenshots bench clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,hardware]'
	touch $@

## Start the demo: embedded SQLite, seeded community; kiosk /kiosk, phone /, staff /staff
demo: $(VENV)/.installed
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## Run every test (DATABASE_URL=postgresql+psycopg://… to run them on PostgreSQL)
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) instance .pytest_cache
