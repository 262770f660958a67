"""A periodic job for the scheduler tests, and the child process that races for its runs.

Spawned processes import this module before Django is set up, so models are imported
only inside the functions.
"""

import os
import traceback
from datetime import datetime, timedelta

import django
from django.conf import settings
from django_tasks import task

EVERY = timedelta(minutes=1)


@task()
def heartbeat() -> str:
    return "beat"


def race_for_due_runs(database: dict, name: str, moments: list[datetime], barrier, results) -> None:
    """Child process: set Django up like the test, then at each moment wait for the others
    and enqueue the due runs together with them."""
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "ticketry.settings"
        settings.DATABASES = {"default": database}
        django.setup()
        from django.db import connection

        from ticketry.core.schedule import enqueue_due_runs, periodic

        periodic(name, every=EVERY)(heartbeat)
        connection.ensure_connection()
        claimed = []
        for moment in moments:
            barrier.wait(timeout=120)
            claimed.extend(enqueue_due_runs(now=moment))
        results.put(("ok", claimed))
    except BaseException:
        results.put(("error", traceback.format_exc()))
