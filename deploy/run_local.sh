#!/usr/bin/env bash
# Runs the development web server and a django-q2 worker side by side; Ctrl-C stops both.
set -euo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PYTHON" manage.py qcluster &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
echo "GaitPortal on http://$HOST:$PORT/ (worker pid $worker). Demo logins are printed above."
"$PYTHON" manage.py runserver "$HOST:$PORT"
