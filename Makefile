# 消保通 — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-10)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup translations system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

translations: $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d webapp/translations

setup: $(STAMP) translations

## Set up, migrate the embedded SQLite database, load the demo city and serve it with waitress.
run: setup
	$(VENV)/bin/flask --app webapp migrate
	$(VENV)/bin/flask --app webapp demo
	@echo "Serving 消保通 on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(VENV)/bin/waitress-serve --host $(HOST) --port $(PORT) --threads 8 --call webapp:create_app

## Chromium and CJK fonts for the browser tests, PostgreSQL for the second database.
system-deps:
	@bash tools/system-deps.sh

## Set up and run every test (unit, integration, e2e) on SQLite and PostgreSQL.
test: setup system-deps
	@source tools/test-db.sh && $(PY) -m pytest tests e2e

bench: setup system-deps
	$(PY) bench/photo_pipeline.py
	$(PY) bench/page_weight.py
	$(PY) bench/sync_inspections.py
	@source tools/test-db.sh && $(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) instance/xiaobao.db* instance/uploads .pytest_cache bench/.data
