"""Background tasks of the mail app; the scheduler finds this module (core.schedule.discover)."""

from datetime import timedelta

from django_tasks import task

from ticketry.core.schedule import periodic

from .fetching import tasks as fetching_tasks
from .inbound import process_pending
from .loop_protection import forget_old_counts
from .outbound import tasks as outbound_tasks

__all__ = ["fetching_tasks", "loop_protection_cleanup", "outbound_tasks", "process_waiting"]


@periodic("LoopProtectionCleanup", every=timedelta(hours=6))
@task()
def loop_protection_cleanup() -> int:
    """Forget the auto-response counts of earlier days."""
    return forget_old_counts()


@periodic("InboundMessagesProcess", every=timedelta(minutes=5))
@task()
def process_waiting() -> int:
    """Process messages that were stored but not processed (a crash, a fetcher that stores
    first); like OTRS's spool reprocessing, but for every stored message."""
    return len(process_pending(limit=1000, min_age=timedelta(minutes=1)))
