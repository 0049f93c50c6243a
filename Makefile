# 消保通 — the two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-10)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test security setup translations system-deps bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

translations: $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d webapp/translations

setup: $(STAMP) translations

## Set up, migrate the embedded SQLite database, load the demo city and serve it with waitress.
## 4 threads: one Python process runs one thread at a time, and on 2 cores 4 threads served every page of
## bench/throughput.py faster than 8 (less time lost passing the interpreter lock between them); see BENCHMARKS.md.
run: setup
	$(VENV)/bin/flask --app webapp migrate
	$(VENV)/bin/flask --app webapp demo
	@echo "Serving 消保通 on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(VENV)/bin/waitress-serve --host $(HOST) --port $(PORT) --threads 4 --connection-limit 500 --call webapp:create_app

## Chromium and CJK fonts for the browser tests, PostgreSQL for the second database.
system-deps:
	@bash tools/system-deps.sh

## Set up and run every test (unit, integration, e2e) on SQLite and PostgreSQL.
test: setup system-deps
	@source tools/test-db.sh && $(PY) -m pytest tests e2e

## Attack and fault tools against a running server: bandit, sqlmap, the CSP of every page in Chromium,
## kill -9 during uploads, concurrent writers, a PostgreSQL restart, and 100 consumers for 60 s. See SECURITY.md.
security: setup system-deps
	$(VENV)/bin/bandit -q -c pyproject.toml -r webapp --severity-level high
	@source tools/test-db.sh && $(PY) -m pytest -p no:cacheprovider -rP security e2e/test_csp.py
	@source tools/test-db.sh && $(PY) security/sqlmap_scan.py
	@source tools/test-db.sh && $(PY) security/load.py

## Every benchmark, one table against the budgets (BENCHMARKS.md); `make bench BENCH_ARGS=--write=BENCHMARKS.md`
## records the figures there. The dashboard's 1,000,000 complaints are generated once (a few minutes per engine).
bench: setup system-deps
	@source tools/test-db.sh && $(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/xiaobao.db* instance/uploads .pytest_cache bench/.data
