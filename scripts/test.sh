#!/bin/sh
# Installs Ticketry with its test tools and runs the checks and the whole test suite.
# The database is SQLite unless TICKETRY_DATABASE_URL names another.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test
. scripts/steps.sh
# The mail fetching tests run a real Dovecot and the browser tests Debian's Chromium; install
# them where we may (root with apt-get).
packages=""
if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ]; then
    packages="dovecot-imapd dovecot-pop3d"
fi
[ -x /usr/bin/chromium ] || packages="$packages chromium"
install_test_servers() {
    apt-get update -qq &&
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages
}
if [ -n "$packages" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "Installing Dovecot and Chromium for the tests …" install_test_servers
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/ticketry makemigrations --check --dry-run >/dev/null
exec .venv/bin/pytest "$@"
