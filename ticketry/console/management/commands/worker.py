"""`ticketry worker`: run queued background tasks and enqueue due periodic jobs.

Start as many workers as you like, on as many machines: tasks are claimed with row locks
and every periodic run is enqueued once (see ticketry.core.schedule).
"""

import argparse
import logging
import os
import signal
import socket
import threading
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connections
from django.utils.translation import gettext as _
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from ticketry.core.schedule import enqueue_due_runs

logger = logging.getLogger(__name__)

SCHEDULE_EVERY_SECONDS = 5.0
# Pauses after a database error in the task loop: doubling from the first to the longest.
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 60.0


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(_("Give a number of seconds, zero or more."))
    return seconds


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Run background tasks and enqueue due periodic jobs. Any number of workers may run."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue-name",
            default=DEFAULT_TASK_QUEUE_NAME,
            help=_(
                "Queues to take tasks from, separated by commas; '*' for all "
                "(default: %(default)s)."
            ),
        )
        parser.add_argument(
            "--interval",
            type=_seconds,
            default=1.0,
            help=_(
                "Seconds to wait before looking again when no task is ready (default: %(default)s)."
            ),
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help=_("Enqueue due periodic jobs, run all ready tasks, then exit."),
        )
        parser.add_argument(
            "--worker-id",
            default=f"{socket.gethostname()}-{os.getpid()}"[-64:],
            help=_("Name of this worker in the task table (default: host-pid)."),
        )
        # Set by `ticketry run`: stop when that process is gone, so no worker is orphaned.
        parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)

    def handle(
        self,
        *,
        queue_name: str,
        interval: float,
        batch: bool,
        worker_id: str,
        parent_pid: int | None,
        verbosity: int,
        **options: object,
    ) -> None:
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError(
                _(
                    "The worker runs tasks of the database task backend only; the configured "
                    "backend has its own workers."
                )
            )
        if verbosity == 0:
            for name in ("django_tasks", "django_tasks_db", __name__):
                logging.getLogger(name).setLevel(logging.WARNING)
        queue_names = [name.strip() for name in queue_name.split(",") if name.strip()]
        if not queue_names:
            raise CommandError(_("Name at least one queue."))
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        if batch:
            _enqueue_due_runs()
            worker.run()
            return

        scheduler = Scheduler(every=SCHEDULE_EVERY_SECONDS, parent_pid=parent_pid)
        worker.configure_signals()
        scheduler.start()
        try:
            run_through_database_errors(worker)
        finally:
            scheduler.stop()


def run_through_database_errors(
    worker: Worker,
    *,
    first_pause: float = FIRST_PAUSE_SECONDS,
    longest_pause: float = LONGEST_PAUSE_SECONDS,
) -> None:
    """Run the worker's task loop until it is stopped. A database error (locked, restarted,
    unreachable) ends the loop of django_tasks_db's worker; log it, wait, and start the loop
    again, pausing longer while the errors go on so a database that is away is not hammered."""
    pause = first_pause
    while True:
        started = time.monotonic()
        try:
            worker.run()
            return
        except DatabaseError:
            if not worker.running:
                raise
            logger.exception("Database error in the task loop; carrying on in %.0f s", pause)
        connections.close_all()
        if time.monotonic() - started > longest_pause:
            # It had worked for a while: this is a new spell of errors.
            pause = first_pause
        time.sleep(pause)
        pause = min(pause * 2, longest_pause)
        worker.startup_delay = False


class Scheduler(threading.Thread):
    """Enqueues due periodic jobs every few seconds, beside the worker's task loop."""

    def __init__(self, *, every: float, parent_pid: int | None) -> None:
        super().__init__(name="ticketry-scheduler", daemon=True)
        self.every = every
        self.parent_pid = parent_pid
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                if self.parent_pid is not None and os.getppid() != self.parent_pid:
                    logger.warning("The parent process is gone; stopping the worker.")
                    os.kill(os.getpid(), signal.SIGTERM)
                    return
                _enqueue_due_runs()
                self._stopping.wait(self.every)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=30)


def _enqueue_due_runs() -> None:
    close_old_connections()
    try:
        enqueued = enqueue_due_runs()
    except Exception:
        logger.exception("Could not look for due periodic jobs")
    else:
        if enqueued:
            logger.info("Enqueued periodic jobs: %s", ", ".join(enqueued))
    finally:
        close_old_connections()
