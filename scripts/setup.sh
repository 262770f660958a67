#!/bin/sh
# Creates .venv with Ticketry and its dependencies (with the test tools when given "test").
# Prints one line per step; the installers' output goes to the data dir's setup.log.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
. scripts/steps.sh
mkdir -p "$(dirname "$SETUP_LOG")"
: >"$SETUP_LOG"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Ticketry needs Python 3.11 or newer as '$PYTHON'." >&2
    exit 1
fi

create_venv() {
    "$PYTHON" -m venv .venv && return
    # Debian ships venv in a separate package.
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv &&
            "$PYTHON" -m venv .venv
    else
        echo "Please install python3-venv (sudo apt-get install python3-venv)."
        return 1
    fi
}

install_packages() {
    .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
        .venv/bin/python -m pip install --disable-pip-version-check -e ".$1"
}

extras=""
[ "${1:-}" = "test" ] && extras="[test]"
[ -x .venv/bin/python ] || step "Creating the virtual environment …" create_venv
step "Installing Python packages …" install_packages "$extras"
# Byte-compiled up front: an MTA starts a process per mail, which should not compile anything.
step "Byte-compiling Ticketry …" .venv/bin/python -m compileall -q ticketry
step "Compiling translations …" .venv/bin/ticketry compiletranslations
step "Fetching front-end libraries …" .venv/bin/ticketry fetchassets
