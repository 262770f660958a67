"""`ticketry worker`: runs queued tasks and enqueues due periodic jobs."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tests.core.periodic_jobs import EVERY, heartbeat
from ticketry.console.management.commands.worker import Scheduler
from ticketry.core.models import PeriodicRun
from ticketry.core.schedule import periodic, unregister

NAME = "TestWorkerHeartbeat"
ROOT = Path(__file__).resolve().parents[2]


@task()
def shout(word: str) -> str:
    return word.upper()


@pytest.fixture
def heartbeat_schedule():
    periodic(NAME, every=EVERY)(heartbeat)
    yield NAME
    unregister(NAME)


@pytest.mark.django_db(transaction=True)
def test_batch_runs_the_queued_tasks_then_exits():
    result = shout.enqueue("hello")

    call_command("worker", "--batch", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "HELLO"


@pytest.mark.django_db(transaction=True)
def test_batch_enqueues_due_periodic_jobs_and_runs_them(heartbeat_schedule):
    call_command("worker", "--batch", verbosity=0)

    run = PeriodicRun.objects.get(name=NAME)
    result = DBTaskResult.objects.get(pk=run.last_task_id)
    assert result.task_path == heartbeat.module_path
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "beat"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_enqueues_due_runs_until_stopped(heartbeat_schedule):
    scheduler = Scheduler(every=0.05, parent_pid=None)
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while not _enqueued():
            assert time.monotonic() < deadline, "the scheduler enqueued nothing"
            time.sleep(0.05)
    finally:
        scheduler.stop()

    assert not scheduler.is_alive()
    assert DBTaskResult.objects.filter(task_path=heartbeat.module_path).count() == 1


def _enqueued() -> bool:
    try:
        return PeriodicRun.objects.filter(name=NAME).exclude(last_task_id="").exists()
    except OperationalError:
        # SQLite's in-memory test database locks whole tables while the scheduler thread
        # writes; a busy timeout does not apply there, so look again.
        return False


def test_the_worker_refuses_a_negative_interval():
    with pytest.raises(CommandError):
        call_command("worker", "--batch", "--interval=-1")


def _task_status(database: Path, task_id: str) -> str | None:
    with closing(sqlite3.connect(database, timeout=30)) as db:
        row = db.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
            [task_id.replace("-", "")],
        ).fetchone()
    return row[0] if row else None


@pytest.mark.skipif(os.name != "posix", reason="stops the worker with SIGTERM")
def test_the_worker_carries_on_after_a_database_error(tmp_path):
    database = tmp_path / "ticketry.sqlite3"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"TICKETRY_DATABASE_URL", "TICKETRY_TEST_DATABASE_NAME"}
    }
    env.update(TICKETRY_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    ticketry = [sys.executable, "-m", "ticketry"]
    subprocess.run([*ticketry, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [*ticketry, "worker", "--interval=0.1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # The task table vanishes under the worker: every look for tasks fails.
        with closing(sqlite3.connect(database, timeout=30)) as db:
            db.execute("ALTER TABLE django_tasks_database_dbtaskresult RENAME TO away")
        deadline = time.monotonic() + 60
        while "Database error in the task loop" not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        with closing(sqlite3.connect(database, timeout=30)) as db:
            db.execute("ALTER TABLE away RENAME TO django_tasks_database_dbtaskresult")

        enqueued = subprocess.run(
            [*ticketry, "shell", "-c", ENQUEUE],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        task_id = enqueued.stdout.split()[-1]
        while _task_status(database, task_id) != TaskResultStatus.SUCCESSFUL:
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


ENQUEUE = "from ticketry.mail.tasks import process_waiting; print(process_waiting.enqueue().id)"
