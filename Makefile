# Qibu: two commands for a newcomer — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(QIBU_PORT),5000)

.PHONY: run test bench lint translations catalogs browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations

## run: install, migrate the embedded SQLite database, load demo data, serve
run: translations
	$(BIN)/qibu db upgrade
	$(BIN)/qibu seed-demo --if-empty
	$(BIN)/qibu match fit-categories
	$(BIN)/qibu demo-accounts
	$(BIN)/qibu run --host 127.0.0.1 --port $(PORT) --no-reload

## test: the whole suite (QIBU_TEST_DATABASE_URL picks PostgreSQL)
test: translations
	$(BIN)/python -m pytest

## bench: speed and memory benchmarks, outside the default test run
bench: translations
	$(BIN)/python -m pytest tests/benchmarks -o python_files='bench_*.py' -p no:randomly -s -q

lint: $(VENV)/.installed
	$(BIN)/ruff check .

## catalogs: extract strings and update both catalogs (then translate zh_CN)
catalogs: $(VENV)/.installed
	$(BIN)/qibu i18n update

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache
