from datetime import timedelta

import pytest

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from ticketry.core import clock
from ticketry.core.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from ticketry.core.events import record_events
from ticketry.tickets import events
from ticketry.tickets.models import Queue, TicketHistory
from ticketry.tickets.services import (
    ticket_lock,
    ticket_move,
    ticket_set_archived,
    ticket_set_customer,
    ticket_set_owner,
    ticket_set_pending_time,
    ticket_set_priority,
    ticket_set_responsible,
    ticket_set_state,
    ticket_set_title,
    ticket_set_type,
    ticket_unlock,
)

pytestmark = pytest.mark.django_db


def last_history(ticket, count=1):
    rows = TicketHistory.objects.filter(ticket=ticket).order_by("-id")[:count]
    return [(r.history_type.name, r.name) for r in reversed(rows)]


def test_move_writes_history_unlocks_and_publishes(make_ticket, actor):
    ticket = make_ticket()
    ticket_lock(actor=actor, ticket=ticket)
    with record_events() as published:
        ticket = ticket_move(actor=actor, ticket=ticket, queue="Misc")
    assert ticket.queue.name == "Misc" and ticket.lock.name == "unlock"
    assert last_history(ticket, 2) == [("Move", "%%Misc%%4%%Raw%%2"), ("Unlock", "%%unlock")]
    assert [type(e) for e in published] == [events.TicketMoved, events.TicketLockChanged]


def test_move_needs_move_into_on_the_target(make_ticket, actor, agent):
    secret = GroupFactory(name="secret")
    Queue.objects.create(name="Secret", group=secret)
    ticket = make_ticket()
    with pytest.raises(PermissionDenied, match="move_into"):
        ticket_move(actor=actor, ticket=ticket, queue="Secret")
    grant(agent, secret, "move_into")
    assert ticket_move(actor=actor, ticket=ticket, queue="Secret").queue.name == "Secret"


def test_state_change_and_pending_rules(make_ticket, actor):
    ticket = make_ticket()
    with pytest.raises(InvalidValue, match="needs a pending time"):
        ticket_set_state(actor=actor, ticket=ticket, state="pending reminder")
    until = clock.now() + timedelta(hours=2)
    ticket = ticket_set_state(
        actor=actor, ticket=ticket, state="pending reminder", pending_until=until
    )
    assert ticket.pending_until == until
    assert last_history(ticket, 2)[0] == ("StateUpdate", "%%new%%pending reminder%%")
    ticket = ticket_set_state(actor=actor, ticket=ticket, state="open")
    assert ticket.pending_until is None
    assert last_history(ticket) == [("SetPendingTime", "%%00-00-00 00:00")]


def test_closing_unlocks(make_ticket, actor):
    ticket = ticket_lock(actor=actor, ticket=make_ticket())
    ticket = ticket_set_state(actor=actor, ticket=ticket, state="closed successful")
    assert ticket.lock.name == "unlock"
    assert last_history(ticket, 2) == [
        ("StateUpdate", "%%new%%closed successful%%"),
        ("Unlock", "%%unlock"),
    ]


def test_merged_state_only_through_merge(make_ticket, actor):
    with pytest.raises(InvalidValue, match="merge"):
        ticket_set_state(actor=actor, ticket=make_ticket(), state="merged")


def test_pending_time_only_in_pending_state(make_ticket, actor):
    with pytest.raises(InvalidValue, match="not in a pending state"):
        ticket_set_pending_time(
            actor=actor, ticket=make_ticket(), pending_until=clock.now() + timedelta(days=1)
        )


def test_priority_title_type_and_archive(make_ticket, actor):
    ticket = make_ticket()
    ticket_set_priority(actor=actor, ticket=ticket, priority="5 very high")
    assert last_history(ticket) == [("PriorityUpdate", "%%3 normal%%3%%5 very high%%5")]
    ticket_set_title(actor=actor, ticket=ticket, title="x" * 60)
    assert last_history(ticket) == [("TitleUpdate", f"%%Printer on fire%%{'x' * 50}...")]
    with pytest.raises(NotFound):
        ticket_set_type(actor=actor, ticket=ticket, type="Problem")
    ticket = ticket_set_archived(actor=actor, ticket=ticket, archived=True)
    assert ticket.archived and last_history(ticket) == [("ArchiveFlagUpdate", "%%y")]
    with pytest.raises(InvalidValue):
        ticket_set_title(actor=actor, ticket=ticket, title="   ")


def test_unchanged_values_write_no_history(make_ticket, actor):
    ticket = make_ticket()
    before = TicketHistory.objects.count()
    ticket_set_priority(actor=actor, ticket=ticket, priority="3 normal")
    ticket_set_title(actor=actor, ticket=ticket, title="Printer on fire")
    ticket_move(actor=actor, ticket=ticket, queue="Raw")
    assert TicketHistory.objects.count() == before


def test_lock_takes_ownership_and_refuses_a_ticket_locked_by_another(
    make_ticket, actor, agent, other_agent
):
    ticket = make_ticket(owner=other_agent.pk)
    ticket = ticket_lock(actor=actor, ticket=ticket)
    assert ticket.lock.name == "lock" and ticket.owner == agent
    assert ticket.unlock_timeout_base is not None
    assert last_history(ticket, 2) == [("Lock", "%%lock"), ("OwnerUpdate", f"%%alice%%{agent.pk}")]
    with pytest.raises(Conflict, match="locked by alice"):
        ticket_lock(actor=other_agent.actor, ticket=ticket)


def test_only_the_owner_or_rw_may_unlock(make_ticket, actor, users_group):
    ticket = ticket_lock(actor=actor, ticket=make_ticket())
    note_only = AgentFactory(login="carol")
    grant(note_only, users_group, "ro", "note")
    with pytest.raises(PermissionDenied):
        ticket_unlock(actor=note_only.actor, ticket=ticket)
    assert ticket_unlock(actor=actor, ticket=ticket).lock.name == "unlock"


def test_owner_change_needs_owner_permission_of_both(make_ticket, actor, other_agent, users_group):
    ticket = ticket_lock(actor=actor, ticket=make_ticket())
    newcomer = AgentFactory(login="dave")
    with pytest.raises(PermissionDenied, match="may not own"):
        ticket_set_owner(actor=actor, ticket=ticket, owner="dave")
    grant(newcomer, users_group, "owner")
    ticket = ticket_set_owner(actor=actor, ticket=ticket, owner="dave")
    assert ticket.owner == newcomer
    assert last_history(ticket) == [("OwnerUpdate", f"%%dave%%{newcomer.pk}")]
    ticket = ticket_set_responsible(actor=actor, ticket=ticket, responsible=other_agent)
    assert last_history(ticket) == [("ResponsibleUpdate", f"%%bob%%{other_agent.pk}")]


def test_customer_change(make_ticket, actor):
    ticket = make_ticket()
    with pytest.raises(NotFound, match="Unknown customer user"):
        ticket_set_customer(actor=actor, ticket=ticket, customer_user="nobody")
    ticket = ticket_set_customer(
        actor=actor, ticket=ticket, customer_user="x@example.org", allow_unknown_customer=True
    )
    assert last_history(ticket) == [("CustomerUpdate", "%%CustomerID=;CustomerUser=x@example.org;")]


def test_readers_cannot_change(make_ticket, users_group):
    ticket = make_ticket()
    reader = AgentFactory(login="reader")
    grant(reader, users_group, "ro")
    for change in (
        lambda: ticket_set_priority(actor=reader.actor, ticket=ticket, priority="1 very low"),
        lambda: ticket_move(actor=reader.actor, ticket=ticket, queue="Misc"),
        lambda: ticket_lock(actor=reader.actor, ticket=ticket),
        lambda: ticket_set_state(actor=reader.actor, ticket=ticket, state="open"),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert last_history(ticket)[0][0] == "EmailCustomer"


def test_configuration_changes_reach_cached_lookups(make_ticket, actor):
    make_ticket(queue="Misc")
    misc = Queue.objects.get(name="Misc")
    misc.name = "Various"
    misc.save()
    with pytest.raises(NotFound, match="Unknown queue “Misc”"):
        make_ticket(queue="Misc")
    assert make_ticket(queue="Various").queue == misc
    misc.valid = 2
    misc.save()
    with pytest.raises(NotFound):
        make_ticket(queue="Various")


def test_agent_changes_reach_cached_lookups(make_ticket, other_agent):
    assert make_ticket(owner="bob").owner == other_agent
    other_agent.valid = 2
    other_agent.save()
    with pytest.raises(NotFound, match="Unknown agent “bob”"):
        make_ticket(owner="bob")


def test_a_ticket_in_an_invalid_queue_can_still_be_changed(make_ticket, actor):
    ticket = make_ticket(queue="Misc")
    misc = Queue.objects.get(name="Misc")
    misc.valid = 2
    misc.save()

    changed = ticket_set_priority(actor=actor, ticket=ticket, priority="4 high")

    assert changed.queue == misc and changed.priority.name == "4 high"
