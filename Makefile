# motcua: `make run` starts everything on this machine, `make test` runs the suite against real servers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run run-cluster test soak soak-cluster token migrate lint format bench lock clean help

help:
	@echo "make run                       start PostgreSQL, NATS and the five services (Ctrl-C stops all)"
	@echo "make run-cluster               the same as deploy/k8s runs it: 3 NATS servers, PostgreSQL primary"
	@echo "                               + synchronous standby, 2 replicas per service behind a proxy"
	@echo "make test                      run the test suite against real PostgreSQL and NATS"
	@echo "make soak [SOAK_MINUTES=10] [SOAK_SEED=n]   load + faults on all five services, then checks"
	@echo "make soak-cluster [SOAK_SEED=n]            the same on the replicated topology, through a cluster's faults"
	@echo "make token ROLE=admin [AGENCY=VPDK] [UNIT=000.00.12.H57]   print a local JWT"
	@echo "make migrate                   migrate every schema (MOTCUA_<SERVICE>_DATABASE_URL)"
	@echo "make lock [LOCK_ARGS=--upgrade]   rewrite requirements/*.lock from pyproject.toml, keeping pins"
	@echo "make lint | format | bench | clean"

# The versions CI tested: every package from requirements/dev.lock, its hash checked (pip and the
# build backend included), then the project itself, built with that backend and nothing fetched.
$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m tools.devstack.run

# The deploy/k8s topology on loopback, made anew under .run/cluster at each start (tools/devstack/run_cluster.py).
run-cluster: $(STAMP)
	$(PY) -m tools.devstack.run_cluster

# First the browser the dashboard's tests drive: Debian's chromium, installed with apt-get when it is
# missing and this user may. When it may not, those tests skip and the end of the run lists them;
# with CI=true a missing browser fails here instead.
test: $(STAMP)
	$(PY) -m tools.ci.chromium
	$(PY) -m pytest $(PYTEST_ARGS)

# The long soak and fault test (tests/system/); SOAK_MINUTES, SOAK_SEED, SOAK_FAULTS pass through.
soak: $(STAMP)
	$(PY) -m tests.system

# The cluster fault test alone: the soak on the replicated topology, through a cluster's faults.
soak-cluster: $(STAMP)
	SOAK_TOPOLOGY=replicated $(PY) -m tests.system

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

# requirements/dev.lock (runtime, embedded and dev) first, then requirements/runtime.lock (what the
# image installs) inside it, so the image runs the versions the suite tested. For Python 3.11 on
# Linux x86_64, CI's platform and the image's. Existing pins stay unless LOCK_ARGS moves them:
# make lock LOCK_ARGS=--upgrade, or LOCK_ARGS="--upgrade-package fastapi".
LOCK = $(PY) -m uv pip compile --quiet --generate-hashes --no-header --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu $(LOCK_ARGS) pyproject.toml requirements/build.in

lock: $(STAMP)
	$(LOCK) --extra dev -o requirements/dev.lock
	$(LOCK) -c requirements/dev.lock -o requirements/runtime.lock
	@for lock in requirements/dev.lock requirements/runtime.lock; do \
	  { printf '%s\n' \
	      "# $$lock: pinned with hashes for Python 3.11 on Linux x86_64 (CI and the image)." \
	      '# Written by `make lock` (uv pip compile) from pyproject.toml and requirements/build.in: edit' \
	      '# those, then run `make lock`, which keeps every pin it can; `make lock LOCK_ARGS=--upgrade`' \
	      '# (or LOCK_ARGS="--upgrade-package NAME") moves them. Installed with pip --require-hashes.'; \
	    cat "$$lock"; } > "$$lock.new" && mv "$$lock.new" "$$lock"; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
