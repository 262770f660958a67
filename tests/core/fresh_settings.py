"""A setting as a newly started process reads it from its environment."""

import os
import subprocess
import sys


def setting_in_new_process(name: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Runs Python with the settings module, the given TICKETRY_* variables and no
    TICKETRY_DEBUG of the calling shell, and prints settings.<name>."""
    code = f"from django.conf import settings; print(settings.{name})"
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            **{key: value for key, value in os.environ.items() if key != "TICKETRY_DEBUG"},
            "DJANGO_SETTINGS_MODULE": "ticketry.settings",
            "TICKETRY_DATA_DIR": str(tmp_path),
            **env,
        },
        timeout=60,
    )
