"""`ticketry worker`: runs queued tasks and enqueues due periodic jobs."""

import time

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
