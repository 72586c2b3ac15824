#!/usr/bin/env bash
# The web server as `make run` starts it (and as tests/test_run_stack.py starts it to check its connection bound):
# gunicorn with the production settings of platform/carehub/gunicorn_conf.py, plus --reload for development.
#
#   deploy/web.sh ADDRESS:PORT
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/.venv/bin/gunicorn" --config=python:carehub.gunicorn_conf --bind="$1" --reload
