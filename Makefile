# Developer entry points. Everything a target needs (venv, system packages, PostgreSQL, Redis) is prepared
# by deploy/services.sh, which is idempotent and fast when nothing changed.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-k invitations -x"
PYTEST_ARGS ?=
# Loads DATABASE_URL, REDIS_URL and SECRET_KEY written by deploy/services.sh.
ENV := source .run/env

.PHONY: help test run stop lint migrate bench clean

help:
	@echo "make test    ruff + import contracts + pytest (PYTEST_ARGS=... passes options to pytest)"
	@echo "make run     migrate, demo data, gunicorn on :8000 (CAREHUB_RUN_PORT) + Celery worker + beat (Ctrl-C stops them)"
	@echo "make stop    stop everything started under .run/ (never the machine's own PostgreSQL/Redis)"
	@echo "make lint    ruff check ."
	@echo "make migrate migrate the development database"
	@echo "make bench   run every bench/*.py"
	@echo "make clean   stop, then remove .run/ and .venv/"

# Tests run with DEBUG unset, as in CI, whatever the calling shell has exported.
test:
	bash deploy/services.sh
	$(ENV); unset DEBUG; $(VENV)/bin/ruff check .
	$(ENV); unset DEBUG; $(VENV)/bin/lint-imports
	$(ENV); unset DEBUG; export REDIS_URL="$${CAREHUB_TEST_REDIS_URL:-$$REDIS_URL}"; \
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

run:
	bash deploy/services.sh
	bash deploy/run.sh

stop:
	bash deploy/stop.sh

lint:
	bash deploy/services.sh venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

migrate:
	bash deploy/services.sh
	$(ENV); export DEBUG=1; $(VENV)/bin/carehub migrate --noinput

# Benchmarks measure production-like settings, so DEBUG stays unset.
bench:
	bash deploy/services.sh
	$(ENV); unset DEBUG; export DJANGO_SETTINGS_MODULE=carehub.settings; \
	shopt -s nullglob; files=(bench/*.py); \
	if (( ! $${#files[@]} )); then echo "no bench/*.py yet"; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(VENV)/bin/python "$$f"; done

clean: stop
	@# A private cluster may live in /tmp (see deploy/services.sh) with .run/pg linking to it.
	if [[ -L .run/pg ]]; then t="$$(readlink -f .run/pg)"; [[ $$t == /tmp/carehub-pg.* ]] && rm -rf "$$t"; fi
	rm -rf .run $(VENV)
