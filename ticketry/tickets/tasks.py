"""Background tasks of the tickets app; periodic ones are enqueued by the worker's scheduler."""

from datetime import timedelta

from django_tasks import task

from ticketry.core.schedule import periodic
from ticketry.tickets.numbers import cleanup_ticket_number_counter


@periodic("TicketNumberCounterCleanup", every=timedelta(minutes=10))
@task()
def ticket_number_counter_cleanup() -> int:
    """Delete ticket number counter rows no longer needed (OTRS TicketNumberCounterCleanup)."""
    return cleanup_ticket_number_counter()
