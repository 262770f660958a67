"""OTRS's pending check: pending-auto tickets close themselves when their time has come."""

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from ticketry.core import clock, sysconfig
from ticketry.core.schedule import discover, registered_schedules
from ticketry.mail.notifications import send_agent_notification
from ticketry.tickets.models import TicketHistory
from ticketry.tickets.services import (
    close_due_pending_auto,
    ticket_close_pending_auto,
    ticket_lock,
    ticket_set_state,
)
from ticketry.tickets.tasks import ticket_pending_check

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    clock.freeze(NOW)


def pending(ticket, actor, state: str, *, minutes: int):
    return ticket_set_state(
        actor=actor, ticket=ticket, state=state, pending_until=NOW + timedelta(minutes=minutes)
    )


def history(ticket) -> list[tuple[str, str]]:
    rows = TicketHistory.objects.filter(ticket=ticket).order_by("id")
    return [(row.history_type.name, row.name) for row in rows]


def test_due_pending_auto_tickets_close_and_unlock_quietly(make_ticket, actor):
    success = make_ticket(title="Solved")
    failure = make_ticket(title="Given up")
    later = make_ticket(title="Not yet")
    reminder = make_ticket(title="Call back")
    ticket_lock(actor=actor, ticket=success)
    pending(success, actor, "pending auto close+", minutes=-5)
    pending(failure, actor, "pending auto close-", minutes=-1)
    pending(later, actor, "pending auto close+", minutes=30)
    pending(reminder, actor, "pending reminder", minutes=-60)
    DBTaskResult.objects.all().delete()

    closed = close_due_pending_auto()

    assert closed == [success.pk, failure.pk]
    for ticket, state in ((success, "closed successful"), (failure, "closed unsuccessful")):
        ticket.refresh_from_db()
        facts = (ticket.state.name, ticket.pending_until, ticket.lock.name)
        assert facts == (state, None, "unlock")
    assert history(success)[-3:] == [
        ("StateUpdate", "%%pending auto close+%%closed successful%%"),
        ("SetPendingTime", "%%00-00-00 00:00"),
        ("Unlock", "%%unlock"),
    ]
    later.refresh_from_db()
    reminder.refresh_from_db()
    assert later.state.name == "pending auto close+"
    assert reminder.state.name == "pending reminder"
    # OTRS's pending check unlocks without a notification to the owner.
    assert not DBTaskResult.objects.filter(task_path=send_agent_notification.module_path)


def test_a_ticket_changed_meanwhile_is_left_alone(make_ticket, actor):
    ticket = make_ticket()
    pending(ticket, actor, "pending auto close+", minutes=-5)
    ticket_set_state(actor=actor, ticket=ticket, state="open")

    assert ticket_close_pending_auto(ticket=ticket) is False
    ticket.refresh_from_db()
    assert ticket.state.name == "open"


def test_the_states_after_pending_are_a_setting(make_ticket, actor):
    sysconfig.set_value("Ticket::StateAfterPending", {"pending auto close+": "open"})
    reopened, unmapped = make_ticket(), make_ticket()
    pending(reopened, actor, "pending auto close+", minutes=-5)
    pending(unmapped, actor, "pending auto close-", minutes=-5)

    assert close_due_pending_auto() == [reopened.pk]
    reopened.refresh_from_db()
    unmapped.refresh_from_db()
    assert (reopened.state.name, unmapped.state.name) == ("open", "pending auto close-")


def test_an_unknown_state_after_pending_leaves_the_ticket_and_goes_on(make_ticket, actor):
    sysconfig.set_value(
        "Ticket::StateAfterPending",
        {"pending auto close+": "no such state", "pending auto close-": "closed unsuccessful"},
    )
    stuck, closing = make_ticket(), make_ticket()
    pending(stuck, actor, "pending auto close+", minutes=-10)
    pending(closing, actor, "pending auto close-", minutes=-5)

    assert close_due_pending_auto() == [closing.pk]


def test_the_worker_runs_the_check_every_five_minutes(make_ticket, actor):
    ticket = make_ticket()
    pending(ticket, actor, "pending auto close+", minutes=-5)

    discover()
    every = {schedule.name: schedule.every for schedule in registered_schedules()}
    assert every["TicketPendingCheck"] == timedelta(minutes=5)
    assert ticket_pending_check.call() == [ticket.pk]
