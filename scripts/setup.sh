#!/bin/sh
# Creates .venv with Ticketry and its dependencies (with the test tools when given "test").
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Ticketry needs Python 3.11 or newer as '$PYTHON'." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        # Debian ships venv in a separate package.
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$PYTHON" -m venv .venv
        else
            echo "Please install python3-venv (sudo apt-get install python3-venv)." >&2
            exit 1
        fi
    fi
fi
extras=""
[ "${1:-}" = "test" ] && extras="[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
# Byte-compiled up front: an MTA starts a process per mail, which should not compile anything.
.venv/bin/python -m compileall -q ticketry >/dev/null
.venv/bin/ticketry compiletranslations >/dev/null
.venv/bin/ticketry fetchassets >/dev/null
