# MOps Desk. Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# Test processes (pytest-xdist); 2 matches the CI machine's cores.
WORKERS ?= 2

# Port of the servers started by make run/serve/loadtest (PORT=8166 make run).
PORT ?= 8000

.PHONY: serve backup restore loadtest pgclient install run test test-sqlite test-postgres lint lint-imports bench bench-pages clean browser messages test-api

# Not an editable install: the code runs from this directory (no packages are installed), and
# setuptools' editable mode prints a warning box about folders shadowing the package.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== installing Python packages (pyproject.toml changed)"
	@$(BIN)/pip install -q --upgrade pip 2>&1 | grep -v WARNING || true
	@$(BIN)/pip install -q '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c "import django, django_fsm, django_q, rest_framework, pandas, xhtml2pdf, holidays, pytest_django"
	@touch $(STAMP)

install: $(STAMP)

# Web server on 127.0.0.1:$(PORT) plus a django-q2 worker (config/management/commands/run_dev.py):
# one line for the database, one with the URL and logins; Ctrl-C stops both and exits 0.
run: install messages
	@$(BIN)/python manage.py run_dev --port $(PORT)

# Production: gunicorn (WEB_CONCURRENCY workers on HOST:PORT) + django-q2 (QCLUSTER_WORKERS) on
# DATABASE_URL and REDIS_URL, after migrate and collectstatic; refuses DEBUG on, a development
# SECRET_KEY or empty ALLOWED_HOSTS. Ctrl-C or SIGTERM stops everything. See docs/deploy.md.
serve: install messages
	PORT=$(PORT) $(BIN)/python manage.py serve

# ruff (rules, line length and layout in pyproject.toml), then the layer contract (docs/architecture.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-imports: install
	$(BIN)/lint-imports

# The end-to-end test drives the distribution's Chromium (never a browser Playwright downloads).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "== installing Debian chromium for the e2e test"; \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
	  || echo "== chromium could not be installed: the e2e test will be skipped"; }

# pg_dump / pg_restore for the backup test and `make backup` on PostgreSQL (Debian postgresql-client).
pgclient:
	@command -v pg_dump >/dev/null 2>&1 || { echo "== installing Debian postgresql-client for backups"; \
	  (apt-get install -y -q postgresql-client >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql-client >/dev/null 2>&1)) \
	  || echo "== postgresql-client could not be installed: the PostgreSQL backup test will be skipped"; }

# Database (pg_dump custom format, or SQLite's online backup) + media files -> backups/mops-backup-*.tar.gz
backup: install pgclient
	$(BIN)/python manage.py backup

# Into an empty database (add ARGS=--clean to replace a full one), plus the media files.
restore: install pgclient
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/mops-backup-....tar.gz [ARGS=--clean]"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)" $(ARGS)

messages: install
	@$(BIN)/python manage.py compilemessages --ignore=.venv -v0 || echo "== msgfmt missing: using the committed .mo files"

test-sqlite: install browser messages
	env -u DATABASE_URL $(BIN)/pytest --create-db -n $(WORKERS)

# PostgreSQL run: DATABASE_URL when set, else the local server when it answers.
test-postgres: install messages pgclient
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(BIN)/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$$url" 2>/dev/null; then \
	  echo "== PostgreSQL: $$url"; DATABASE_URL="$$url" $(BIN)/pytest --create-db -n $(WORKERS) -m "not e2e"; \
	else echo "== PostgreSQL not answering at $$url: PostgreSQL run skipped"; fi

test: lint lint-imports test-sqlite test-postgres

bench: install
	$(BIN)/python -m bench

# Only the page-latency bench: make bench-pages [SIZES=1000,100000] [ARGS="--no-postgres --only calendar"]
SIZES ?= 1000,100000
bench-pages: install
	$(BIN)/python -m bench pages --sizes $(SIZES) $(ARGS)

# 50 simulated users for 60 s (LOADTEST_USERS, LOADTEST_SECONDS) against make serve's runtime on a
# scratch PostgreSQL database and Redis db 1, all on 127.0.0.1; prints req/s, p50/p95/p99, errors.
loadtest: install
	$(BIN)/python -m bench.loadtest

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles

# The API property check with schemathesis' coverage phase too (hundreds of boundary cases per
# operation, ~10 min): not part of `make test`, run it before a release or after API changes.
test-api: install messages
	env -u DATABASE_URL SCHEMATHESIS_COVERAGE=1 $(BIN)/pytest --create-db -n $(WORKERS) tests/api/test_schemathesis.py
