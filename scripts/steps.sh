# One line per step of the set-up; the installers' own output goes to a log file, shown
# (its end) only when a step fails. Source it, then: step "Doing X …" command [argument ...]
# A shell function given as the command runs without `set -e`: chain its commands with &&.
SETUP_LOG=${SETUP_LOG:-${TICKETRY_DATA_DIR:-var}/setup.log}

step() {
    message=$1
    shift
    printf '%s\n' "$message"
    mkdir -p "$(dirname "$SETUP_LOG")"
    printf '\n== %s\n' "$message" >>"$SETUP_LOG"
    status=0
    "$@" >>"$SETUP_LOG" 2>&1 || status=$?
    if [ "$status" != 0 ]; then
        {
            printf 'This step failed (exit code %s). The end of %s:\n' "$status" "$SETUP_LOG"
            tail -n 40 "$SETUP_LOG"
        } >&2
        exit "$status"
    fi
}
