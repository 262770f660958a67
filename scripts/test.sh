#!/bin/sh
# Installs Ticketry with its test tools and runs the checks and the whole test suite.
# The database is SQLite unless TICKETRY_DATABASE_URL names another.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/ticketry makemigrations --check --dry-run >/dev/null
exec .venv/bin/pytest "$@"
