import os
import subprocess
import sys

import pytest


def _run(args, **env):
    environment = {**os.environ, **env}
    environment.pop("TICKETRY_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ticketry", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_production_configuration_passes_the_deploy_check(tmp_path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        TICKETRY_PRODUCTION="1",
        TICKETRY_DATA_DIR=str(tmp_path),
        TICKETRY_FQDN="helpdesk.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_and_kept(tmp_path):
    for _ in range(2):
        assert _run(["check"], TICKETRY_DATA_DIR=str(tmp_path)).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://u:p@db.example.com:5432/helpdesk", "django.db.backends.postgresql"),
        ("mysql://u:p@db.example.com:3306/helpdesk", "django.db.backends.mysql"),
    ],
)
def test_database_urls(tmp_path, url, engine):
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ticketry.settings",
            "TICKETRY_DATABASE_URL": url,
            "TICKETRY_DATA_DIR": str(tmp_path),
        },
        timeout=60,
    )
    assert result.stdout.strip() == engine, result.stderr


def test_bad_system_id_is_refused(tmp_path):
    result = _run(["check"], TICKETRY_DATA_DIR=str(tmp_path), TICKETRY_SYSTEM_ID="1a")
    assert result.returncode != 0
    assert "TICKETRY_SYSTEM_ID" in result.stderr
