from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from ticketry.agent.listing import format_age, ticket_list
from ticketry.core import clock
from ticketry.tickets.models import Priority, Ticket
from ticketry.tickets.permissions import visible_tickets
from ticketry.tickets.services import ticket_mark_seen, ticket_set_priority

pytestmark = pytest.mark.django_db

MOMENT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def listing(agent):
    """`ticket_list` over alice's visible tickets for a query string."""

    def run(query: str = "", **kwargs):
        request = RequestFactory().get(f"/agent/status/?{query}")
        request.user = agent
        request.actor = agent.actor
        return ticket_list(request, visible_tickets(agent.actor), **kwargs)

    return run


def _tns(result) -> list[str]:
    return [row.ticket.tn for row in result.rows]


def _cursor_query(url: str) -> str:
    return url.split("?", 1)[1]


def test_default_sort_shows_the_oldest_first(listing, make_ticket):
    clock.freeze(MOMENT)
    old = make_ticket(title="old")
    clock.freeze(MOMENT + timedelta(hours=1))
    new = make_ticket(title="new")
    clock.freeze(MOMENT + timedelta(hours=3, minutes=5))

    result = listing()

    assert _tns(result) == [old.tn, new.tn]
    assert result.sort == "-age"
    assert [row.age for row in result.rows] == ["3 h 5 m", "2 h 5 m"]
    assert listing("sort=age").rows[0].ticket == new


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("tn", lambda t: (t.tn, t.pk)),
        ("-tn", lambda t: (t.tn, t.pk)),
        ("title", lambda t: (t.title, t.pk)),
        ("-priority", lambda t: (t.priority_id, t.pk)),
        ("changed", lambda t: (t.changed_at, t.pk)),
    ],
)
def test_sorting_by_a_column(listing, make_ticket, agent, sort, key):
    tickets = [make_ticket(title=title) for title in ("b", "c", "a")]
    ticket_set_priority(actor=agent.actor, ticket=tickets[1], priority="5 very high")

    result = listing(f"sort={sort}")

    expected = sorted(Ticket.objects.all(), key=key, reverse=sort.startswith("-"))
    assert [row.ticket.pk for row in result.rows] == [t.pk for t in expected]
    assert result.sort == sort


def test_an_unknown_sort_falls_back_to_the_default(listing, make_ticket):
    make_ticket()

    assert listing("sort=password").sort == "-age"
    assert listing("sort=password", default_sort="tn").sort == "tn"


@pytest.mark.parametrize("sort", ["-age", "title", "-state", "customer"])
def test_keyset_paging_visits_every_ticket_once_in_both_directions(listing, make_ticket, sort):
    # One frozen moment: every ticket has the same age, so only the id breaks the ties.
    clock.freeze(MOMENT)
    for number in range(30):
        make_ticket(title=f"ticket {number % 7}")

    pages, query = [], f"sort={sort}&size=10"
    while True:
        result = listing(query)
        pages.append(_tns(result))
        assert result.total == 30
        if not result.next_url:
            break
        query = _cursor_query(result.next_url)

    assert [len(page) for page in pages] == [10, 10, 10]
    seen = [tn for page in pages for tn in page]
    assert len(set(seen)) == 30

    backwards = []
    while result.prev_url:
        result = listing(_cursor_query(result.prev_url))
        backwards.append(_tns(result))
    assert backwards == [pages[1], pages[0]]
    assert result.prev_url is None


def test_escalation_sort_pages_through_tickets_with_and_without_escalation(listing, make_ticket):
    clock.freeze(MOMENT)
    tickets = [make_ticket() for _number in range(14)]
    for number, ticket in enumerate(tickets[:8]):
        # Escalation times are computed by the SLA app; the list only reads them.
        Ticket.objects.filter(pk=ticket.pk).update(
            escalation_at=MOMENT + timedelta(minutes=number % 3)
        )

    first = listing("sort=escalation&size=10")
    second = listing(_cursor_query(first.next_url))

    order = [row.ticket.pk for row in [*first.rows, *second.rows]]
    escalating = sorted((number % 3, ticket.pk) for number, ticket in enumerate(tickets[:8]))
    assert order[:8] == [pk for _minutes, pk in escalating]
    assert order[8:] == sorted(ticket.pk for ticket in tickets[8:])
    assert second.next_url is None


@pytest.mark.parametrize("sort", ["escalation", "-escalation"])
def test_escalation_paging_crosses_the_tickets_without_escalation_both_ways(
    listing, make_ticket, sort
):
    clock.freeze(MOMENT)
    tickets = [make_ticket() for _number in range(25)]
    for number, ticket in enumerate(tickets[:12]):
        Ticket.objects.filter(pk=ticket.pk).update(
            escalation_at=MOMENT + timedelta(minutes=number % 4)
        )

    pages, result = [], listing(f"sort={sort}&size=10")
    pages.append(_tns(result))
    while result.next_url:
        result = listing(_cursor_query(result.next_url))
        pages.append(_tns(result))
    backwards = []
    while result.prev_url:
        result = listing(_cursor_query(result.prev_url))
        backwards.append(_tns(result))

    escalating = sorted((number % 4, ticket.pk) for number, ticket in enumerate(tickets[:12]))
    expected = [pk for _minutes, pk in escalating] + sorted(t.pk for t in tickets[12:])
    if sort.startswith("-"):
        expected.reverse()
    by_pk = {ticket.pk: ticket.tn for ticket in tickets}
    assert [tn for page in pages for tn in page] == [by_pk[pk] for pk in expected]
    assert backwards == pages[-2::-1]


def test_page_size_comes_from_the_preference_and_the_query_within_limits(
    listing, make_ticket, agent
):
    for _number in range(12):
        make_ticket()
    agent.preferences = {"page_size": 11}

    assert len(listing().rows) == 11
    assert listing("size=3").page_size == 10
    assert listing("size=1000").page_size == 200
    assert listing("size=junk").page_size == 11


def test_a_garbled_or_foreign_cursor_starts_at_the_beginning(listing, make_ticket):
    for _number in range(12):
        make_ticket()
    first = listing("size=10")
    cursor = _cursor_query(first.next_url)

    assert _tns(listing("after=!!!&size=10")) == _tns(first)
    assert _tns(listing(cursor.replace("sort=-age", "") + "&sort=tn")) == _tns(
        listing("sort=tn&size=10")
    )


def test_an_empty_page_past_the_cursor_leads_back_to_the_start(listing, make_ticket):
    for _number in range(12):
        make_ticket()
    cursor = _cursor_query(listing("size=10").next_url)

    result = listing(f"{cursor}&priority=1")

    assert result.rows == []
    assert result.next_url is None
    assert result.prev_url == "/agent/status/?size=10&priority=1"


def test_filters_by_state_priority_and_queue(listing, make_ticket):
    make_ticket(title="raw")
    make_ticket(title="misc", queue="Misc", state="open", priority="4 high")
    high = Priority.objects.get(name="4 high")

    assert [row.ticket.title for row in listing(f"priority={high.pk}").rows] == ["misc"]
    assert [row.ticket.title for row in listing("queue=2").rows] == ["raw"]
    result = listing(f"state={Ticket.objects.get(title='misc').state_id}")
    assert [row.ticket.title for row in result.rows] == ["misc"]
    assert result.filtered
    assert listing("state=x&priority=").total == 2


def test_rows_carry_sender_customer_and_unseen_marker(listing, make_ticket, agent):
    seen = make_ticket(title="seen")
    make_ticket(title="unseen")
    ticket_mark_seen(actor=agent.actor, ticket=seen)

    rows = {row.ticket.title: row for row in listing().rows}

    assert rows["unseen"].unseen
    assert not rows["seen"].unseen
    assert rows["seen"].last_sender == "John Doe"
    assert rows["seen"].customer_name == "John Doe"


def test_detail_level_from_preference_query_and_preview_text(listing, make_ticket, agent):
    make_ticket()
    agent.preferences = {"list_detail": "medium"}

    assert listing().detail == "medium"
    preview = listing("detail=preview")
    assert preview.detail == "preview"
    assert preview.rows[0].preview == "The printer in room 4 is smoking."
    assert listing("detail=huge").detail == "medium"


def test_sort_links_toggle_and_keep_the_query(listing, make_ticket):
    make_ticket()

    columns = {column.key: column for column in listing("sort=tn&tab=open").columns}

    assert columns["tn"].direction == "ascending"
    assert "sort=-tn" in columns["tn"].url
    assert "tab=open" in columns["tn"].url
    assert columns["title"].direction == "none"
    assert columns["sender"].url == ""


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(minutes=7, seconds=30), "7 m"),
        (timedelta(hours=2, minutes=5), "2 h 5 m"),
        (timedelta(days=3, hours=4, minutes=9), "3 d 4 h"),
        (timedelta(seconds=-30), "0 m"),
    ],
)
def test_format_age(delta, text):
    assert format_age(MOMENT, MOMENT + delta) == text
