"""Several OS processes allocate ticket numbers at once against the test database."""

import multiprocessing
import os
import sqlite3
import traceback
from datetime import UTC, datetime

import django
import pytest
from django.conf import settings
from django.db import connection, transaction

PROCESSES = 6
NUMBERS_PER_PROCESS = 50
MOMENT = datetime(2015, 7, 15, 9, 0, tzinfo=UTC)


def _allocate(database, overrides, nested, barrier, results, tickets=False) -> None:
    """Child process: configure Django like the test, wait for the others, allocate numbers
    (or open tickets, which take their numbers in their own transaction)."""
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "ticketry.settings"
        settings.DATABASES = {"default": database}
        for name, value in overrides.items():
            setattr(settings, name, value)
        django.setup()
        # Models can only be imported once django.setup() has run in this fresh process.
        from ticketry.core import clock
        from ticketry.core.actor import Actor
        from ticketry.tickets.numbers import generate_ticket_number
        from ticketry.tickets.services import ticket_create

        def allocate() -> str:
            if tickets:
                return ticket_create(actor=Actor.system(), title="Printer", queue="Raw").tn
            return generate_ticket_number()

        clock.freeze(MOMENT)
        connection.ensure_connection()
        barrier.wait(timeout=120)
        numbers = []
        for _ in range(NUMBERS_PER_PROCESS):
            if nested:
                with transaction.atomic():
                    numbers.append(allocate())
            else:
                numbers.append(allocate())
        results.put(("ok", numbers))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _database_for_children(tmp_path) -> dict:
    database = dict(settings.DATABASES["default"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # An in-memory database lives in this process only: hand the children a file copy.
        path = tmp_path / "numbers.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        database["NAME"] = str(path)
    return database


def _counter_of(generator: str, tn: str) -> int:
    if generator == "AutoIncrement":
        return int(tn[len("10") :])
    return int(tn[len("2015071510") : -1])


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("generator", "tickets"),
    [("DateChecksum", False), ("AutoIncrement", False), ("DateChecksum", True)],
    ids=["DateChecksum", "AutoIncrement", "tickets"],
)
def test_processes_allocating_at_once_get_distinct_gapless_numbers(tmp_path, generator, tickets):
    overrides = {
        "SYSTEM_ID": "10",
        "TIME_ZONE": "UTC",
        "TICKET_NUMBER_GENERATOR": generator,
        "TICKET_NUMBER_MIN_COUNTER_SIZE": 5,
    }
    database = _database_for_children(tmp_path)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    children = [
        context.Process(
            target=_allocate,
            args=(database, overrides, index % 2 == 1, barrier, results, tickets),
        )
        for index in range(PROCESSES)
    ]
    for child in children:
        child.start()

    outcomes = [results.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)

    errors = [detail for status, detail in outcomes if status == "error"]
    assert not errors, "\n".join(errors)
    allocated = [tn for _status, numbers in outcomes for tn in numbers]
    assert len(allocated) == PROCESSES * NUMBERS_PER_PROCESS
    assert len(set(allocated)) == len(allocated)
    counters = sorted(_counter_of(generator, tn) for tn in allocated)
    assert counters == list(range(1, PROCESSES * NUMBERS_PER_PROCESS + 1))
    assert all(child.exitcode == 0 for child in children)
