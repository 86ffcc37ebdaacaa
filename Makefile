# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# xstatic-bootstrap ships only an sdist whose setup.py still imports pkg_resources,
# which setuptools 81 removed; the constraint applies to pip's isolated build envs too.
export PIP_CONSTRAINT := $(CURDIR)/constraints-build.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install lint bench bench-export clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints-build.txt | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# As production runs it: PDFs and emails go to a real Celery worker (with beat inside it)
# through an embedded broker (kombu's filesystem transport, files under var/celery-broker/),
# so nothing else is installed or started. Ctrl-C stops runserver and the worker together.
RUN_ENV := DEBUG=1 CELERY_BROKER_URL=filesystem://localhost/
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py import_framework fixtures/imhcf.json --activate --skip-existing
	DEBUG=1 $(BIN)/python manage.py import_training fixtures/training.json --skip-existing
	DEBUG=1 $(BIN)/python manage.py create_demo_accounts
	@export $(RUN_ENV); \
	$(BIN)/celery -A imhcpd worker --beat --schedule var/celerybeat-schedule \
		--concurrency 2 --loglevel INFO --without-gossip --without-mingle \
		--hostname imhcpd-dev@%h & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# SQLite, eager Celery, whatever the calling shell has set.
test: install
	env -u DATABASE_URL -u CELERY_BROKER_URL $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/framework_pages.py
	$(BIN)/python bench/portfolio.py
	$(BIN)/python bench/team_page.py
	$(BIN)/python bench/list_pages.py

# A real Celery worker on Redis renders a 300-item portfolio.
bench-export: install
	$(BIN)/python bench/export.py

# Exports per minute with 1 and 2 worker processes (PostgreSQL imhcpd_bench_export, Redis db 12).
.PHONY: bench-export-throughput
bench-export-throughput: install
	$(BIN)/python bench/export.py --throughput $(BENCH_EXPORT_ARGS)

# Signed-in users against gunicorn (DEBUG off) on PostgreSQL + Redis; BENCH_LOAD_ARGS to resize.
.PHONY: bench-load
bench-load: install
	$(BIN)/python bench/load.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 var
