from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.accounts.factories import GroupFactory, grant
from ticketry.accounts.models import PermissionType
from ticketry.tickets.models import (
    Article,
    LockType,
    Queue,
    State,
    Ticket,
    TicketHistory,
    TicketLink,
    Watcher,
)
from ticketry.tickets.services import ticket_create, ticket_lock, ticket_merge

pytestmark = pytest.mark.django_db

URL = "/agent/bulk/"
HTMX = {"HX-Request": "true"}


def _history(ticket: Ticket) -> list[str]:
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("history_type__name", flat=True)
    )


def _apply(client, tickets, **changes):
    data = {"ticket_ids": [ticket.pk for ticket in tickets], "apply": "1", **changes}
    return client.post(URL, data)


@pytest.fixture
def read_only_ticket(db, agent, customer, system_actor):
    """A ticket in queue Archive, where alice may only read."""
    group = GroupFactory(name="archive")
    Queue.objects.create(name="Archive", group=group)
    grant(agent, group, PermissionType.RO)
    return ticket_create(
        actor=system_actor,
        title="Read only",
        queue="Archive",
        customer_user="jdoe",
    )


def test_bulk_url_is_agent_bulk():
    assert reverse("agent:bulk") == URL


def test_posting_selected_tickets_shows_the_form(agent_client, make_ticket):
    first = make_ticket(title="first")
    second = make_ticket(title="second")

    response = agent_client.post(
        URL, {"ticket_ids": [first.pk, second.pk], "return_to": "/agent/status/?tab=open"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 tickets selected" in page
    assert first.tn in page
    assert second.tn in page
    assert 'name="apply"' in page
    assert 'value="/agent/status/?tab=open"' in page
    assert _history(first) == ["NewTicket", "CustomerUpdate", "EmailCustomer"]


def test_htmx_gets_only_the_form(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.post(URL, {"ticket_ids": [ticket.pk]}, headers=HTMX)

    page = response.content.decode()
    assert page.startswith('<div class="bulk" id="bulk">')
    assert "<html" not in page


def test_no_selection_says_so(agent_client):
    response = agent_client.post(URL, {"return_to": "https://evil.example/"})

    page = response.content.decode()
    assert "No tickets are selected" in page
    assert "evil.example" not in page


def test_bulk_changes_every_ticket_and_writes_history(agent_client, make_ticket, agent):
    tickets = [make_ticket(title=f"ticket {number}") for number in range(3)]

    response = _apply(
        agent_client,
        tickets,
        priority="4",
        lock="lock",
        note_subject="Looked at",
        note_body="All of these are about the printer.",
        watch="on",
    )

    assert response.status_code == 200
    assert response.context["succeeded"] == 3
    assert response.context["failed"] == 0
    assert "All 3 tickets were changed." in response.content.decode()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.priority.name == "4 high"
        assert ticket.lock_id == LockType.LOCK
        assert ticket.owner_id == agent.pk
        history = _history(ticket)[3:]
        assert history == ["Lock", "PriorityUpdate", "AddNote", "Subscribe"]
        note = Article.objects.filter(ticket=ticket).last()
        assert note.subject == "Looked at"
        assert not note.is_visible_for_customer
        assert Watcher.objects.filter(ticket=ticket, agent=agent).exists()


def test_bulk_move_state_owner_and_close(agent_client, make_ticket, agent, other_agent):
    first, second = make_ticket(), make_ticket()
    misc = Queue.objects.get(name="Misc")

    _apply(agent_client, [first, second], queue=misc.pk, owner=other_agent.pk, close="on")

    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.queue == misc
        assert ticket.owner == other_agent
        assert ticket.state.name == "closed successful"
        assert _history(ticket)[3:] == ["OwnerUpdate", "Move", "StateUpdate"]


def test_bulk_pending_state_with_date(agent_client, make_ticket, agent):
    agent.time_zone = "Europe/Berlin"
    agent.save(update_fields=["time_zone"])
    ticket = make_ticket()
    pending = State.objects.get(name="pending reminder")
    _apply(agent_client, [ticket], state=pending.pk, pending_until="2031-05-04T10:30")

    ticket.refresh_from_db()
    assert ticket.state == pending
    assert ticket.pending_until == datetime(2031, 5, 4, 8, 30, tzinfo=UTC)
    assert _history(ticket)[3:] == ["StateUpdate", "SetPendingTime"]


def test_pending_state_without_date_is_a_form_error_and_changes_nothing(agent_client, make_ticket):
    first, second = make_ticket(), make_ticket()
    response = _apply(
        agent_client,
        [first, second],
        state=State.objects.get(name="pending reminder").pk,
        priority="5",
    )

    assert response.status_code == 200
    assert "A pending state needs a pending date." in response.content.decode()
    assert response.context["form"].errors["pending_until"]
    for ticket in (first, second):
        assert _history(ticket) == ["NewTicket", "CustomerUpdate", "EmailCustomer"]
        ticket.refresh_from_db()
        assert ticket.priority.name == "3 normal"


def test_nothing_to_change_is_a_form_error(agent_client, make_ticket):
    response = _apply(agent_client, [make_ticket()])

    assert "Choose at least one change." in response.content.decode()


def test_a_note_needs_subject_and_text(agent_client, make_ticket):
    response = _apply(agent_client, [make_ticket()], note_body="Text only")

    assert response.context["form"].errors["note_body"] == ["A note needs a subject and a text."]


def test_a_refused_ticket_is_reported_and_the_others_change(
    agent_client, make_ticket, read_only_ticket, other_agent
):
    mine = make_ticket(title="mine")
    held = make_ticket(title="held by bob")
    ticket_lock(actor=other_agent.actor, ticket=held)

    response = _apply(agent_client, [mine, read_only_ticket, held], priority="5", lock="lock")

    outcomes = {outcome.ticket.pk: outcome for outcome in response.context["outcomes"]}
    assert outcomes[mine.pk].ok
    assert not outcomes[read_only_ticket.pk].ok
    assert "bulk" in outcomes[read_only_ticket.pk].message
    assert not outcomes[held.pk].ok
    assert "locked by bob" in outcomes[held.pk].message
    page = response.content.decode()
    assert "Changed 1 of the selected tickets; 2 could not be changed." in page
    mine.refresh_from_db()
    assert mine.priority.name == "5 very high"
    for refused in (held, read_only_ticket):
        refused.refresh_from_db()
        assert refused.priority.name == "3 normal"


def test_a_refused_ticket_keeps_none_of_the_changes(agent_client, make_ticket, agent):
    target, merged, other = make_ticket(), make_ticket(), make_ticket()
    ticket_merge(actor=agent.actor, source=merged, target=target)

    response = _apply(agent_client, [merged, other], priority="5", merge_to=target.tn)

    outcomes = {outcome.ticket.pk: outcome for outcome in response.context["outcomes"]}
    assert outcomes[merged.pk].message == f"Ticket {merged.tn} is merged already."
    assert outcomes[other.pk].ok
    # The priority was set before the merge was refused, and went with it.
    merged.refresh_from_db()
    assert merged.priority.name == "3 normal"
    assert "PriorityUpdate" not in _history(merged)
    other.refresh_from_db()
    assert other.priority.name == "5 very high"
    assert other.state.name == "merged"


def test_tickets_the_agent_may_not_see_are_ignored(client, outsider, make_ticket):
    ticket = make_ticket()
    client.force_login(outsider)

    response = _apply(client, [ticket], priority="5")

    assert "No tickets are selected" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority.name == "3 normal"


def test_merge_into_the_oldest_selected_ticket(agent_client, make_ticket):
    oldest, newer = make_ticket(title="oldest"), make_ticket(title="newer")

    response = _apply(agent_client, [newer, oldest], merge_to_oldest="on")

    assert response.context["failed"] == 0
    newer.refresh_from_db()
    assert newer.state.name == "merged"
    assert TicketLink.objects.filter(source=oldest, target=newer).exists()
    oldest.refresh_from_db()
    assert oldest.state.name == "new"


def test_merge_and_link_to_a_ticket_number(agent_client, make_ticket):
    target, source = make_ticket(title="target"), make_ticket(title="source")
    linked = make_ticket(title="linked")

    _apply(agent_client, [source], merge_to=target.tn)
    _apply(agent_client, [linked], link_to=target.tn)

    source.refresh_from_db()
    assert source.state.name == "merged"
    assert "Merged" in _history(target)
    assert TicketLink.objects.filter(source=linked, target=target).exists()


def test_unknown_ticket_number_is_a_form_error(agent_client, make_ticket):
    ticket = make_ticket()

    response = _apply(agent_client, [ticket], merge_to="404404")

    assert response.context["form"].errors["merge_to"] == [
        "There is no ticket with the number “404404”."
    ]
    assert _history(ticket) == ["NewTicket", "CustomerUpdate", "EmailCustomer"]


def test_bulk_needs_a_login(client):
    assert client.post(URL, {"ticket_ids": [1]}).status_code == 302
