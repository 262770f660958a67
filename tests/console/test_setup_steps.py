"""The set-up prints one line per step; installers' output goes to the log and is shown only
when its step fails."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
. scripts/steps.sh
step "Installing quietly …" sh -c 'echo "WARNING: chatter"; echo "more chatter" >&2'
step "Failing …" sh -c 'echo "the reason it broke"; exit 4'
echo "not reached"
"""


def test_steps_print_one_line_each_and_the_log_only_on_failure(tmp_path):
    log = tmp_path / "setup.log"

    result = subprocess.run(
        ["sh", "-eu", "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SETUP_LOG": str(log)},
        timeout=30,
    )

    assert result.returncode == 4
    assert result.stdout == "Installing quietly …\nFailing …\n"
    assert "exit code 4" in result.stderr and str(log) in result.stderr
    assert "the reason it broke" in result.stderr
    text = log.read_text()
    assert "WARNING: chatter" in text and "more chatter" in text


def test_the_log_goes_to_the_data_dir(tmp_path):
    data_dir = tmp_path / "data"

    result = subprocess.run(
        ["sh", "-eu", "-c", '. scripts/steps.sh; step "Working …" echo done'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **{k: v for k, v in os.environ.items() if k != "SETUP_LOG"},
            "TICKETRY_DATA_DIR": str(data_dir),
        },
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Working …\n"
    assert "done" in (data_dir / "setup.log").read_text()
