#!/bin/sh
# Installs Ticketry and starts it on SQLite with demo data: web server and worker together.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
exec .venv/bin/ticketry run "$@"
