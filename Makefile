# The portal's commands. `make help` lists them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# The embedded default: SQLite and background jobs run inline, no services needed.
RUN_ENV := DEBUG=true
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret STATIC_MANIFEST=false \
	SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false CELERY_TASK_ALWAYS_EAGER=true

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(bash scripts/find_python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# A checkout is a development machine: manage.py runs in DEBUG unless the environment says
# otherwise (the test, bench and deploy-check targets do). Production sets its environment.
.env:
	@printf '# Local development settings; every variable is listed in .env.example.\nDEBUG=true\n' > $@

.PHONY: setup
setup: $(VENV)/.installed .env ## Create .venv and a local .env, and install the pinned requirements
	@bash scripts/ensure_pango.sh

.PHONY: run
run: seed ## Serve the portal with demo content on http://127.0.0.1:8000/ (SQLite, no services)
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

.PHONY: seed
seed: setup ## Load the register, similar councils, real datasets and demo users (safe to rerun)
	$(RUN_ENV) $(MANAGE) seed

.PHONY: worker
worker: setup ## Start a Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A selfreg worker --loglevel=info --concurrency=2

.PHONY: beat
beat: setup ## Start the Celery beat scheduler (needs REDIS_URL)
	$(VENV)/bin/celery -A selfreg beat --loglevel=info

# The tests spread over one worker more than there are cores (XDIST= runs them in one
# process): a test spends about 40% of its time waiting on PostgreSQL, Redis or a worker
# process, so a spare worker keeps the cores busy. Workers steal tests from one another at
# the end instead of waiting on the slowest. The plugin gives each worker its own Redis
# database (it must load before Django reads its settings). Compiled
# modules are cached even where PYTHONDONTWRITEBYTECODE is set: every worker otherwise
# compiles the portal and rewrites the asserts of each test module again, which is over half
# of the CPU it spends collecting the tests.
XDIST ?= -n $(shell echo $$(( $$(nproc) + 1 ))) --dist worksteal -p tests.redis_per_worker

.PHONY: test
test: setup ## Run the whole suite on real PostgreSQL and Redis, with browser tests
	@bash scripts/ensure_chromium.sh
	@PANGO_REQUIRED=1 bash scripts/ensure_pango.sh
	@$(TEST_ENV) PYTHONDONTWRITEBYTECODE= XDIST="$(XDIST)" bash scripts/with_services.sh \
		bash scripts/run_tests.sh $(PY) $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: setup ## Run the suite in parallel, without the browser tests and the slow fuzzing
	@PANGO_REQUIRED=1 bash scripts/ensure_pango.sh
	@$(TEST_ENV) PYTHONDONTWRITEBYTECODE= bash scripts/with_services.sh $(PY) -m pytest \
		-m "not browser and not slow" $(XDIST) $(PYTEST_ARGS)

.PHONY: lint
lint: setup ## Check style, import layers, long functions and that migrations match the models
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/long_functions.py
	$(RUN_ENV) $(MANAGE) makemigrations --check --dry-run

.PHONY: format
format: setup ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

.PHONY: audit
audit: setup ## Security: bandit finds no high-severity issue; no pinned package has a known vulnerability
	$(VENV)/bin/bandit -q -r selfreg benchmarking earlywarning peerchallenge knowledgehub \
		-x '*/migrations/*' --severity-level high
	$(PY) scripts/audit_pins.py requirements-dev.txt

.PHONY: check-deploy
check-deploy: setup ## Django's deployment checks with production-like settings
	DEBUG=false SECRET_KEY=$$(openssl rand -hex 32) SECURE_SSL_REDIRECT=true \
		SECURE_HSTS_SECONDS=31536000 $(MANAGE) check --deploy --fail-level WARNING

.PHONY: assets
assets: setup ## Rebuild the vendored GOV.UK Frontend and plotly.js files (needs Node)
	bash scripts/build_assets.sh

.PHONY: migrations
migrations: setup ## Make migrations for model changes
	$(RUN_ENV) $(MANAGE) makemigrations

.PHONY: backtest
backtest: setup ## Back-test early warning on an events file: make backtest EVENTS=file.csv [ARGS=--json]
	@DEBUG=false SECRET_KEY=backtest-only-secret STATIC_MANIFEST=false CELERY_TASK_ALWAYS_EAGER=true \
		bash scripts/with_services.sh bash scripts/backtest.sh "$(EVENTS)" $(ARGS)

.PHONY: bench
bench: setup ## Measure import and recompute speed on PostgreSQL (see BENCHMARKS.md)
	@set -o pipefail; DEBUG=false SECRET_KEY=bench STATIC_MANIFEST=false CELERY_TASK_ALWAYS_EAGER=true \
		bash scripts/with_services.sh $(PY) -m scripts.bench values $(BENCH_ARGS) \
		| awk '/^[{]/ { print; next } { print > "/dev/stderr" }'
	@set -o pipefail; DEBUG=false SECRET_KEY=bench $(PY) -m scripts.bench matching $(or $(BENCH_MATCHING_ARGS),--scale both) \
		| awk '/^[{]/ { print; next } { print > "/dev/stderr" }'

.PHONY: bench-page
bench-page: setup ## Measure page: table on screen and charts drawn, cold cache (needs a seeded DATABASE_URL)
	@bash scripts/ensure_chromium.sh
	$(PY) scripts/bench_page_load.py $(BENCH_PAGE_ARGS)

.venv-load/.installed: scripts/loadtest/requirements.txt
	@test -x .venv-load/bin/python || "$$(bash scripts/find_python.sh)" -m venv .venv-load
	.venv-load/bin/python -m pip install --quiet --upgrade pip
	.venv-load/bin/python -m pip install --quiet -r scripts/loadtest/requirements.txt
	@touch $@

.PHONY: loadtest
loadtest: setup .venv-load/.installed ## Load: locust against gunicorn on seeded PostgreSQL (see BENCHMARKS.md)
	bash scripts/loadtest/run.sh
