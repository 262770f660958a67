"""`ticketry run`: the embedded set-up serves the web application and runs a worker."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(pattern: str, log: Path, process: subprocess.Popen) -> re.Match:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if match := re.search(pattern, text):
            return match
        if process.poll() is not None:
            if "Cannot listen" in text:
                pytest.skip(f"the port was taken by someone else:\n{text}")
            pytest.fail(f"`ticketry run` stopped with code {process.returncode}:\n{text}")
        time.sleep(0.2)
    pytest.fail(f"`ticketry run` did not start within {START_SECONDS}s:\n{text}")


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _environment(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


@pytest.mark.skipif(os.name != "posix", reason="stops the server with SIGTERM")
def test_run_serves_the_application_and_stops_its_worker(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "TICKETRY_DATABASE_URL",
            "TICKETRY_TEST_DATABASE_NAME",
            "TICKETRY_PORT",
            "TICKETRY_BASE_URL",
            "TICKETRY_DEBUG",
        }
    }
    env.update(TICKETRY_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    port = _free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ticketry", "run", f"--port={port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    worker_pid = None
    try:
        url = _wait_for(rf"http://127\.0\.0\.1:{port}/", log, process).group(0)
        worker_pid = int(_wait_for(r"\(process (\d+)\)", log, process).group(1))

        status, body = _get(url + "admin/login/")
        assert status == 200
        assert b"csrfmiddlewaretoken" in body
        status, _ = _get(url + "static/admin/css/base.css")
        assert status == 200
        # Debug is off: an unknown address gets Ticketry's page, not the list of URL patterns.
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(url + "agent/no-such-page/")
        assert missing.value.code == 404
        page = missing.value.read()
        assert b"Page not found" in page and b"URLconf" not in page
        text = log.read_text()
        assert "demo-agent / demo" in text
        assert "root@localhost / root" in text
        assert _is_running(worker_pid)
        # The worker writes the notification mails: their links lead to this server.
        assert f"TICKETRY_BASE_URL=http://127.0.0.1:{port}".encode() in _environment(worker_pid)

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
        assert not _is_running(worker_pid)
        assert "Worker stopped." in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if worker_pid is not None and _is_running(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)


def test_static_files_are_served_from_static_root_only(settings, tmp_path, rf):
    from django.http import HttpResponse

    from ticketry.console.management.commands.run import CollectedStaticFiles

    settings.STATIC_ROOT = tmp_path / "static"
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text("body {}")
    (tmp_path / "secret_key").write_text("secret")
    handler = CollectedStaticFiles(lambda environ, start_response: HttpResponse("app"))

    def status(path: str) -> int:
        return handler.get_response(rf.get(path)).status_code

    assert status("/static/css/site.css") == 200
    assert status("/static/css/missing.css") == 404
    assert status("/static/../secret_key") == 404


@pytest.mark.parametrize("name", ["run", "worker", "createagent"])
def test_the_help_of_each_command_renders(name):
    from django.core.management import load_command_class

    command = load_command_class("ticketry.console", name)

    text = " ".join(command.create_parser("ticketry", name).format_help().split())
    assert command.help in text


def test_links_lead_to_the_address_the_server_listens_on(settings, monkeypatch):
    from ticketry.console.management.commands.run import _base_url

    monkeypatch.delenv("TICKETRY_BASE_URL", raising=False)
    settings.FQDN = "helpdesk.example.com"

    assert _base_url("127.0.0.1", 8731) == "http://127.0.0.1:8731"
    assert _base_url("::1", 8731) == "http://[::1]:8731"
    assert _base_url("0.0.0.0", 8731) == "http://helpdesk.example.com:8731"

    monkeypatch.setenv("TICKETRY_BASE_URL", "https://help.example.com")
    settings.BASE_URL = "https://help.example.com"

    assert _base_url("127.0.0.1", 8731) == "https://help.example.com"


@pytest.mark.skipif(os.name != "posix", reason="kills the worker with SIGKILL")
def test_run_starts_its_worker_again_when_it_dies(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"TICKETRY_DATABASE_URL", "TICKETRY_TEST_DATABASE_NAME", "TICKETRY_PORT"}
    }
    env.update(TICKETRY_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ticketry", "run", f"--port={_free_port()}", "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    pids: list[int] = []
    try:
        pids.append(int(_wait_for(r"\(process (\d+)\)", log, process).group(1)))

        os.kill(pids[0], signal.SIGKILL)

        _wait_for(r"The worker stopped \(exit code -9\); starting it again in 1 s\.", log, process)
        pids.append(int(_wait_for(r"\(process (\d+)\)(?![\s\S]*\(process)", log, process).group(1)))
        while pids[1] == pids[0]:
            time.sleep(0.2)
            pids[1] = int(
                _wait_for(r"\(process (\d+)\)(?![\s\S]*\(process)", log, process).group(1)
            )
        assert _is_running(pids[1])

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
        assert not _is_running(pids[1])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in pids:
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)
