"""Background tasks of the tickets app; periodic ones are enqueued by the worker's scheduler."""

from datetime import timedelta

from django_tasks import task

from ticketry.core.schedule import periodic
from ticketry.tickets.numbers import cleanup_ticket_number_counter
from ticketry.tickets.services.attributes import close_due_pending_auto


@periodic("TicketNumberCounterCleanup", every=timedelta(minutes=10))
@task()
def ticket_number_counter_cleanup() -> int:
    """Delete ticket number counter rows no longer needed (OTRS TicketNumberCounterCleanup)."""
    return cleanup_ticket_number_counter()


@periodic("TicketPendingCheck", every=timedelta(minutes=5))
@task()
def ticket_pending_check() -> list[int]:
    """Close the pending-auto tickets whose pending time has passed (OTRS TicketPendingCheck,
    which runs every two hours; every five minutes keeps the close time near the one set)."""
    return close_due_pending_auto()
