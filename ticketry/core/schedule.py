"""Periodic jobs: apps register tasks with an interval; workers enqueue each due run once.

Every schedule has a `PeriodicRun` row. A caller claims a due run by moving its
`next_run_at` forward with an update conditioned on the value it read, and enqueues the
task in the same transaction, so concurrent workers (threads, processes, machines) enqueue
each run exactly once and a crash between claim and enqueue loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from ticketry.core import clock
from ticketry.core.models import PeriodicRun

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = PeriodicRun._meta.get_field("name").max_length


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    task: Task
    every: timedelta


_schedules: dict[str, Schedule] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Task], Task]:
    """Decorator for a task object: enqueue it (without arguments) every `every`.

    Use it above `@task()`, in the app's own `tasks.py` (found by `discover`).
    """
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ImproperlyConfigured(f"Schedule name {name!r} must have 1 to {NAME_MAX_LENGTH} chars")
    if every <= timedelta(0):
        raise ImproperlyConfigured(f"Schedule {name!r} needs a positive interval")

    def register(task: Task) -> Task:
        if not isinstance(task, Task):
            raise ImproperlyConfigured(
                f"@periodic({name!r}) must decorate a task: put it above @task()"
            )
        existing = _schedules.get(name)
        if existing is not None and existing.task.module_path != task.module_path:
            raise ImproperlyConfigured(
                f"Schedule {name!r} is already registered for {existing.task.module_path}"
            )
        _schedules[name] = Schedule(name=name, task=task, every=every)
        return task

    return register


def discover() -> None:
    """Import every installed app's `tasks` module, where its schedules are declared. Done
    when schedules are needed (the worker), not at start-up, so that a one-shot command such
    as `ticketry mail read` does not load every job's dependencies."""
    autodiscover_modules("tasks")


def registered_schedules() -> list[Schedule]:
    discover()
    return sorted(_schedules.values(), key=lambda schedule: schedule.name)


def unregister(name: str) -> None:
    _schedules.pop(name, None)


def enqueue_due_runs(now: datetime | None = None) -> list[str]:
    """Enqueue the task of every schedule whose next run is due; return the names enqueued
    by this call. Any number of callers may run this at the same moment."""
    now = now or clock.now()
    discover()
    schedules = dict(_schedules)
    if not schedules:
        return []
    due_at = _next_runs(schedules, now)
    enqueued = []
    for name, next_run_at in sorted(due_at.items()):
        if next_run_at > now:
            continue
        try:
            if _claim_and_enqueue(schedules[name], next_run_at, now):
                enqueued.append(name)
        except Exception:
            # One broken schedule (or a locked SQLite file) must not stop the others;
            # the run stays due and is tried again on the next call.
            logger.exception("Could not enqueue periodic job %s", name)
    return enqueued


def _next_runs(schedules: dict[str, Schedule], now: datetime) -> dict[str, datetime]:
    rows = dict(PeriodicRun.objects.filter(name__in=schedules).values_list("name", "next_run_at"))
    missing = [name for name in schedules if name not in rows]
    if missing:
        # A new schedule is due at once. Concurrent callers may insert the same row:
        # the loser's insert is ignored and everybody reads back the stored value.
        PeriodicRun.objects.bulk_create(
            [PeriodicRun(name=name, next_run_at=now) for name in missing], ignore_conflicts=True
        )
        rows = dict(
            PeriodicRun.objects.filter(name__in=schedules).values_list("name", "next_run_at")
        )
    return rows


def _claim_and_enqueue(schedule: Schedule, due_at: datetime, now: datetime) -> bool:
    with transaction.atomic():
        # The row lock taken by this UPDATE makes a concurrent caller wait; once we commit,
        # its WHERE no longer matches (PostgreSQL re-checks the new row version, InnoDB
        # updates the latest committed version, SQLite runs one writer at a time).
        claimed = PeriodicRun.objects.filter(name=schedule.name, next_run_at=due_at).update(
            next_run_at=_following(due_at, schedule.every, now), last_run_at=now
        )
        if not claimed:
            return False
        result = schedule.task.enqueue()
        PeriodicRun.objects.filter(name=schedule.name).update(last_task_id=str(result.id))
    return True


def _following(due_at: datetime, every: timedelta, now: datetime) -> datetime:
    """The first point of the schedule's grid after `now`: runs missed while no worker was
    running are not caught up one by one."""
    return due_at + ((now - due_at) // every + 1) * every
