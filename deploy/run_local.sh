#!/usr/bin/env bash
# Runs the development web server and two django-q2 clusters side by side (light tasks on the
# default queue; pose estimation, embedding and fine-tuning on the heavy one); Ctrl-C stops all.
set -euo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

"$PYTHON" manage.py qcluster &
worker=$!
Q_CLUSTER_NAME=gaitportal-heavy "$PYTHON" manage.py qcluster &
heavy=$!
trap 'kill "$worker" "$heavy" 2>/dev/null || true; wait "$worker" "$heavy" 2>/dev/null || true' EXIT INT TERM
echo "GaitPortal on http://$HOST:$PORT/ (workers: light pid $worker, heavy pid $heavy). Demo logins are printed above."
"$PYTHON" manage.py runserver "$HOST:$PORT"
