# motcua: `make run` starts everything on this machine, `make test` runs the suite against real servers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test soak token migrate lint format bench clean help

help:
	@echo "make run                       start PostgreSQL, NATS and the five services (Ctrl-C stops all)"
	@echo "make test                      run the test suite against real PostgreSQL and NATS"
	@echo "make soak [SOAK_MINUTES=10] [SOAK_SEED=n]   load + faults on all five services, then checks"
	@echo "make token ROLE=admin [AGENCY=VPDK] [UNIT=000.00.12.H57]   print a local JWT"
	@echo "make migrate                   migrate every schema (MOTCUA_<SERVICE>_DATABASE_URL)"
	@echo "make lint | format | bench | clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m tools.devstack.run

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The long soak and fault test (tests/system/); SOAK_MINUTES, SOAK_SEED, SOAK_FAULTS pass through.
soak: $(STAMP)
	$(PY) -m tests.system

token: $(STAMP)
	@$(PY) -m tools.dev_token --role $(or $(ROLE),admin) $(if $(AGENCY),--agency $(AGENCY)) $(if $(UNIT),--unit $(UNIT))

migrate: $(STAMP)
	$(PY) -m shared.db.migrate

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
