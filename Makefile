# Qibu: two commands for a newcomer — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(QIBU_PORT),5000)
# extra pytest arguments for `make test`, e.g. PYTEST_ARGS='-m "not browser"'
PYTEST_ARGS ?=
# Exact versions with hashes of every runtime, test and lock dependency, made by uv from
# pyproject.toml's ranges (`make lock`); the ranges stay for those who install Qibu as a
# package. One set for every Python ≥ 3.11 and platform (fewest versions across them).
LOCK := requirements.lock
LOCK_OUT := $(LOCK)
UV_COMPILE := pip compile pyproject.toml --extra test --extra lock --universal \
	--fork-strategy fewest --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' --quiet

.PHONY: run test bench lint translations catalogs browser clean lock lock-upgrade check-lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The locked dependencies, hash-checked; then Qibu itself without dependencies (an
# editable install cannot be hash-checked). The log keeps the build's own output, which
# .ci/run checks for deprecation warnings.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK) > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	$(BIN)/python -m pip install -v --no-deps -e . >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	touch $@

## lock: refresh requirements.lock after a change to pyproject.toml (pins kept where
## they still fit); lock-upgrade: every dependency to its newest fitting version
lock: | $(VENV)/.installed
	$(BIN)/uv $(UV_COMPILE) -o $(LOCK_OUT)

lock-upgrade: | $(VENV)/.installed
	$(BIN)/uv $(UV_COMPILE) --upgrade -o $(LOCK_OUT)

## check-lock: fail when requirements.lock no longer matches pyproject.toml
check-lock: | $(VENV)/.installed
	VENV=$(VENV) bash .ci/check-lock

# each catalog compiled when its .po changed: two `make test` side by side (.ci/run) then
# never rewrite a .mo the other is reading
MO_FILES := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))

translations: $(MO_FILES)

$(MO_FILES): %.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

## run: install, migrate the embedded SQLite database, load demo data, serve
run: translations
	$(BIN)/qibu db upgrade
	$(BIN)/qibu seed-reference
	$(BIN)/qibu seed-demo --if-empty
	$(BIN)/qibu match fit-categories
	$(BIN)/qibu demo-accounts
	$(BIN)/qibu run --host 127.0.0.1 --port $(PORT) --no-reload

## test: the whole suite (QIBU_TEST_DATABASE_URL picks PostgreSQL)
test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
