#!/bin/sh
# Installs Ticketry with its test tools and runs the checks and the whole test suite.
# The database is SQLite unless TICKETRY_DATABASE_URL names another.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test
# The mail fetching tests run a real Dovecot; install it where we may (root with apt-get).
if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ] \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd dovecot-pop3d >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/ticketry makemigrations --check --dry-run >/dev/null
exec .venv/bin/pytest "$@"
