"""The periodic scheduler: each due run is enqueued once, however many workers ask."""

import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from ticketry.core.models import PeriodicRun
from ticketry.core.schedule import (
    enqueue_due_runs,
    periodic,
    registered_schedules,
    unregister,
)

from .periodic_jobs import EVERY, heartbeat, race_for_due_runs

NAME = "TestHeartbeat"
MOMENT = datetime(2015, 7, 15, 9, 0, tzinfo=UTC)
THREADS = 8
PROCESSES = 6
ROUNDS = 10


@task()
def other_job() -> str:
    return "other"


@pytest.fixture
def heartbeat_schedule():
    periodic(NAME, every=EVERY)(heartbeat)
    yield NAME
    unregister(NAME)


def _enqueued(job) -> int:
    return DBTaskResult.objects.filter(task_path=job.module_path).count()


def _next_run(name: str = NAME) -> datetime:
    return PeriodicRun.objects.get(name=name).next_run_at


@pytest.mark.django_db
def test_a_new_schedule_runs_at_once_and_then_every_interval(heartbeat_schedule):
    assert NAME in enqueue_due_runs(now=MOMENT)
    assert _enqueued(heartbeat) == 1
    assert _next_run() == MOMENT + EVERY
    run = PeriodicRun.objects.get(name=NAME)
    assert run.last_run_at == MOMENT
    assert DBTaskResult.objects.filter(pk=run.last_task_id, task_path=heartbeat.module_path)

    assert NAME not in enqueue_due_runs(now=MOMENT + EVERY - timedelta(seconds=1))
    assert _enqueued(heartbeat) == 1

    assert NAME in enqueue_due_runs(now=MOMENT + EVERY)
    assert _enqueued(heartbeat) == 2
    assert _next_run() == MOMENT + 2 * EVERY


@pytest.mark.django_db
def test_runs_missed_while_no_worker_ran_are_not_caught_up(heartbeat_schedule):
    enqueue_due_runs(now=MOMENT)

    later = MOMENT + 10 * EVERY + timedelta(seconds=30)
    assert NAME in enqueue_due_runs(now=later)

    assert _enqueued(heartbeat) == 2
    assert _next_run() == MOMENT + 11 * EVERY


@pytest.mark.django_db
def test_a_failing_enqueue_keeps_the_run_due_and_others_go_on(heartbeat_schedule, monkeypatch):
    periodic("TestOther", every=EVERY)(other_job)
    try:
        original = DatabaseBackend.enqueue

        def enqueue(backend, job, args, kwargs):
            if job.module_path == heartbeat.module_path:
                raise RuntimeError("queue table gone")
            return original(backend, job, args, kwargs)

        monkeypatch.setattr(DatabaseBackend, "enqueue", enqueue)
        enqueued = enqueue_due_runs(now=MOMENT)
    finally:
        unregister("TestOther")

    assert NAME not in enqueued
    assert "TestOther" in enqueued
    assert _next_run() == MOMENT
    assert _next_run("TestOther") == MOMENT + EVERY
    monkeypatch.undo()
    assert NAME in enqueue_due_runs(now=MOMENT)


def test_periodic_takes_task_objects_and_unique_names(heartbeat_schedule):
    with pytest.raises(ImproperlyConfigured):
        periodic("TestPlainFunction", every=EVERY)(lambda: None)
    with pytest.raises(ImproperlyConfigured):
        periodic(NAME, every=EVERY)(other_job)
    with pytest.raises(ImproperlyConfigured):
        periodic("TestNever", every=timedelta(0))

    periodic(NAME, every=EVERY)(heartbeat)  # registering the same task again is harmless
    assert [s.task for s in registered_schedules() if s.name == NAME] == [heartbeat]


def test_the_ticket_number_counter_cleanup_runs_every_ten_minutes():
    from ticketry.tickets.tasks import ticket_number_counter_cleanup

    [schedule] = [s for s in registered_schedules() if s.name == "TicketNumberCounterCleanup"]
    assert schedule.task is ticket_number_counter_cleanup
    assert schedule.every == timedelta(minutes=10)


@pytest.mark.django_db
def test_the_ticket_number_counter_cleanup_task_calls_the_cleanup():
    from ticketry.tickets.tasks import ticket_number_counter_cleanup

    assert ticket_number_counter_cleanup.call() == 0


def _database_for_others(tmp_path) -> dict:
    """Settings of the database other threads and processes should open: this one, or for
    an in-memory SQLite test database (which has table locks without waiting, and which other
    processes cannot reach) a file copy set up like the embedded default."""
    database = dict(connections.settings[DEFAULT_DB_ALIAS])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        path = tmp_path / "schedule.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        database["NAME"] = str(path)
    return database


def _task_paths_enqueued(database: dict) -> list[str]:
    table = DBTaskResult._meta.db_table
    if database["NAME"] != connection.settings_dict["NAME"]:
        with sqlite3.connect(database["NAME"]) as copy:
            return [row[0] for row in copy.execute(f"SELECT task_path FROM {table}")]
    return list(DBTaskResult.objects.values_list("task_path", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row_exists", [False, True], ids=["new-schedule", "due-row"])
def test_threads_asking_at_once_enqueue_each_run_once(
    heartbeat_schedule, row_exists, tmp_path, monkeypatch
):
    if row_exists:
        PeriodicRun.objects.create(name=NAME, next_run_at=MOMENT - timedelta(seconds=5))
    database = _database_for_others(tmp_path)
    # Connections opened by the threads use these settings; this thread's stays as it is.
    monkeypatch.setitem(connections.settings, DEFAULT_DB_ALIAS, database)
    barrier = threading.Barrier(THREADS)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results.append(enqueue_due_runs(now=MOMENT))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    assert len(results) == THREADS
    assert sum(names.count(NAME) for names in results) == 1
    assert _task_paths_enqueued(database).count(heartbeat.module_path) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_processes_asking_at_once_enqueue_each_run_once(tmp_path):
    database = _database_for_others(tmp_path)
    moments = [MOMENT + round * EVERY for round in range(ROUNDS)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    children = [
        context.Process(target=race_for_due_runs, args=(database, NAME, moments, barrier, results))
        for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)

    errors = [detail for status, detail in outcomes if status == "error"]
    assert not errors, errors[0]
    claimed = [name for status, names in outcomes for name in names]
    assert claimed.count(NAME) == ROUNDS
    paths = _task_paths_enqueued(database)
    assert paths.count(heartbeat.module_path) == ROUNDS
    # The app's own schedules were raced for too, and enqueued once per claim.
    assert len(paths) == len(claimed)
