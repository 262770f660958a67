from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from ticketry.accounts.models import PermissionType
from ticketry.core import clock
from ticketry.tickets.models import Queue, Ticket
from ticketry.tickets.services import (
    ticket_create,
    ticket_lock,
    ticket_mark_seen,
    ticket_set_responsible,
    ticket_set_state,
    ticket_watch,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MOMENT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
# On PostgreSQL list pages first set how their statements are planned (page_query_plans).
PLANNER_SETTINGS = 1 if connection.vendor == "postgresql" else 0
LIST_VIEWS = [
    "agent:queue_view",
    "agent:status_view",
    "agent:escalation_view",
    "agent:locked_view",
    "agent:watched_view",
    "agent:responsible_view",
]


@pytest.fixture
def secret_ticket(db, customer):
    """A ticket in queue Secret, whose group alice has no permission on."""
    group = GroupFactory(name="secret")
    Queue.objects.create(name="Secret", group=group)
    keeper = AgentFactory(login="kim")
    grant(keeper, group, PermissionType.RW)
    return ticket_create(
        actor=keeper.actor, title="Top secret", queue="Secret", customer_user="jdoe"
    )


def _queue_id(name: str) -> int:
    return Queue.objects.get(name=name).pk


def _set_escalation(ticket: Ticket, moment: datetime) -> None:
    # Escalation times are computed by the SLA app; the list only reads them.
    Ticket.objects.filter(pk=ticket.pk).update(escalation_at=moment)


def test_queue_view_shows_the_tree_with_open_counts_and_the_selected_queue(
    agent_client, make_ticket, agent
):
    make_ticket(title="raw one")
    make_ticket(title="raw two")
    closed = make_ticket(title="raw closed")
    ticket_set_state(actor=agent.actor, ticket=closed, state="closed successful")
    make_ticket(title="misc one", queue="Misc")

    response = agent_client.get(reverse("agent:queue_view"), {"queue": _queue_id("Raw")})

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["heading"] == "Queue Raw"
    tree = {node.name: node.count for node in response.context["queue_tree"]}
    assert tree == {"Junk": 0, "Misc": 1, "Postmaster": 0, "Raw": 2}
    assert "raw one" in page
    assert "raw two" in page
    assert "raw closed" not in page
    assert "misc one" not in page
    assert 'id="ticket-list"' in page
    assert "<html" in page


def test_queue_view_htmx_renders_only_the_list_region(agent_client, make_ticket):
    make_ticket(title="raw one")

    response = agent_client.get(
        reverse("agent:queue_view"), {"queue": _queue_id("Raw")}, headers=HTMX
    )

    page = response.content.decode()
    assert page.startswith('<div class="list-region" id="ticket-list"')
    assert "raw one" in page
    assert "<html" not in page
    assert "queue-tree" not in page


def test_history_restore_gets_the_whole_page(agent_client):
    response = agent_client.get(
        reverse("agent:status_view"), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_queue_view_shows_unlocked_tickets_unless_all_are_asked_for(
    agent_client, make_ticket, agent
):
    make_ticket(title="free")
    locked = make_ticket(title="taken")
    ticket_lock(actor=agent.actor, ticket=locked)
    url = reverse("agent:queue_view")

    available = agent_client.get(url, {"queue": _queue_id("Raw")})
    everything = agent_client.get(url, {"queue": _queue_id("Raw"), "tab": "all"})

    assert [row.ticket.title for row in available.context["ticket_list"].rows] == ["free"]
    assert {row.ticket.title for row in everything.context["ticket_list"].rows} == {
        "free",
        "taken",
    }
    assert [(tab.count, tab.current) for tab in available.context["tabs"]] == [
        (1, True),
        (2, False),
    ]


def test_queue_view_builds_sub_queues_from_names(agent_client, make_ticket, users_group):
    Queue.objects.create(name="Misc::Printers", group=users_group)
    Queue.objects.create(name="Misc::Printers::Lasers", group=users_group)
    make_ticket(queue="Misc::Printers::Lasers")

    response = agent_client.get(reverse("agent:queue_view"))

    misc = next(node for node in response.context["queue_tree"] if node.name == "Misc")
    printers = misc.children[0]
    assert printers.full_name == "Misc::Printers"
    assert printers.children[0].name == "Lasers"
    assert printers.children[0].count == 1
    assert 'href="/agent/queues/?queue=' in response.content.decode()


def test_my_queues_come_from_the_preference(agent_client, make_ticket, agent):
    make_ticket(title="in raw")
    make_ticket(title="in misc", queue="Misc")
    url = reverse("agent:queue_view")

    nothing_chosen = agent_client.get(url)
    assert nothing_chosen.context["ticket_list"].total == 2
    assert nothing_chosen.context["my_queues_count"] == 2
    assert "You have not chosen your queues yet" in nothing_chosen.content.decode()

    agent.preferences = {"my_queue_ids": [_queue_id("Misc")]}
    agent.save(update_fields=["preferences"])
    response = agent_client.get(url)

    assert response.context["heading"] == "My queues"
    assert [row.ticket.title for row in response.context["ticket_list"].rows] == ["in misc"]
    assert response.context["my_queues_count"] == 1


def test_my_queues_without_a_choice_show_every_queue_the_agent_may_see(
    agent_client, make_ticket, agent, secret_ticket
):
    make_ticket(title="in raw")
    make_ticket(title="in misc", queue="Misc")
    # A chosen queue the agent may no longer see counts as no choice.
    agent.preferences = {"my_queue_ids": [secret_ticket.queue_id]}
    agent.save(update_fields=["preferences"])

    response = agent_client.get(reverse("agent:queue_view"))

    titles = {row.ticket.title for row in response.context["ticket_list"].rows}
    assert titles == {"in raw", "in misc"}
    assert response.context["my_queues_count"] == 2
    assert "You have not chosen your queues yet" in response.content.decode()


def test_queue_the_agent_may_not_see_is_not_found(agent_client, secret_ticket):
    url = reverse("agent:queue_view")

    assert agent_client.get(url, {"queue": secret_ticket.queue_id}).status_code == 404
    assert agent_client.get(url, {"queue": "junk"}).status_code == 404


def test_tickets_in_queues_without_permission_are_neither_listed_nor_counted(
    agent_client, make_ticket, secret_ticket
):
    make_ticket(title="mine")

    queues = agent_client.get(reverse("agent:queue_view"), {"tab": "all"})
    status = agent_client.get(reverse("agent:status_view"))

    assert "Secret" not in [node.name for node in queues.context["queue_tree"]]
    assert [tab.count for tab in status.context["tabs"]] == [1, 0]
    assert [row.ticket.title for row in status.context["ticket_list"].rows] == ["mine"]
    assert "Top secret" not in status.content.decode()


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_outsider_sees_no_tickets(client, outsider, make_ticket, view):
    make_ticket()
    client.force_login(outsider)

    response = client.get(reverse(view))

    assert response.status_code == 200
    assert response.context["ticket_list"].total == 0
    assert all(tab.count == 0 for tab in response.context["tabs"])


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_every_view_needs_a_login(client, view):
    assert client.get(reverse(view)).status_code == 302


def test_status_view_tabs_split_open_and_closed(agent_client, make_ticket, agent):
    make_ticket(title="open one")
    closed = make_ticket(title="closed one")
    ticket_set_state(actor=agent.actor, ticket=closed, state="closed successful")
    url = reverse("agent:status_view")

    open_tab = agent_client.get(url)
    closed_tab = agent_client.get(url, {"tab": "closed"}, headers=HTMX)

    assert [(tab.label, tab.count) for tab in open_tab.context["tabs"]] == [
        ("Open tickets", 1),
        ("Closed tickets", 1),
    ]
    assert "open one" in open_tab.content.decode()
    assert "closed one" not in open_tab.content.decode()
    assert "closed one" in closed_tab.content.decode()
    assert 'aria-current="true">Closed tickets' in closed_tab.content.decode()


def test_counts_beyond_the_cap_show_as_at_least(agent_client, make_ticket, monkeypatch):
    monkeypatch.setattr("ticketry.tickets.selectors.COUNT_CAP", 2)
    for _number in range(3):
        make_ticket()

    response = agent_client.get(reverse("agent:status_view"))

    open_tab, closed_tab = response.context["tabs"]
    assert (open_tab.count, open_tab.capped, open_tab.count_label) == (2, True, "2+")
    assert (closed_tab.count, closed_tab.capped, closed_tab.count_label) == (0, False, "0")
    listed = response.context["ticket_list"]
    assert (listed.total, listed.total_capped, len(listed.rows)) == (2, True, 3)
    page = response.content.decode()
    assert '<span class="badge">2+</span>' in page
    assert "2+ tickets" in page


def test_queue_tree_counts_are_exact(agent_client, make_ticket, monkeypatch):
    monkeypatch.setattr("ticketry.tickets.selectors.COUNT_CAP", 2)
    for _number in range(3):
        make_ticket()

    response = agent_client.get(reverse("agent:queue_view"), {"queue": _queue_id("Raw")})

    tree = {node.name: node.count for node in response.context["queue_tree"]}
    assert tree["Raw"] == 3
    assert [tab.count_label for tab in response.context["tabs"]] == ["2+", "2+"]


def test_escalation_view_tabs_and_soonest_first(agent_client, make_ticket):
    clock.freeze(MOMENT)
    past = make_ticket(title="escalated")
    later_today = make_ticket(title="later today")
    also_today = make_ticket(title="soon today")
    tomorrow = make_ticket(title="tomorrow")
    next_week = make_ticket(title="next week")
    make_ticket(title="no escalation")
    _set_escalation(past, MOMENT - timedelta(hours=1))
    _set_escalation(later_today, MOMENT + timedelta(hours=5))
    _set_escalation(also_today, MOMENT + timedelta(hours=1))
    _set_escalation(tomorrow, MOMENT + timedelta(days=1))
    _set_escalation(next_week, MOMENT + timedelta(days=4))
    url = reverse("agent:escalation_view")

    response = agent_client.get(url)
    today = agent_client.get(url, {"tab": "today"})

    assert [tab.count for tab in response.context["tabs"]] == [1, 2, 1, 1]
    assert [row.ticket.title for row in response.context["ticket_list"].rows] == ["escalated"]
    assert [row.ticket.title for row in today.context["ticket_list"].rows] == [
        "soon today",
        "later today",
    ]


def test_locked_view_tabs_all_new_and_reminder(agent_client, make_ticket, agent):
    clock.freeze(MOMENT)
    seen = make_ticket(title="seen")
    unseen = make_ticket(title="unseen")
    reminder = make_ticket(title="reminder")
    make_ticket(title="not locked")
    for ticket in (seen, unseen, reminder):
        ticket_lock(actor=agent.actor, ticket=ticket)
    ticket_mark_seen(actor=agent.actor, ticket=seen)
    ticket_mark_seen(actor=agent.actor, ticket=reminder)
    ticket_set_state(
        actor=agent.actor,
        ticket=reminder,
        state="pending reminder",
        pending_until=MOMENT - timedelta(minutes=1),
    )
    url = reverse("agent:locked_view")

    response = agent_client.get(url)
    new = agent_client.get(url, {"tab": "new"})
    reached = agent_client.get(url, {"tab": "reminder"})

    assert [tab.count for tab in response.context["tabs"]] == [3, 1, 1]
    assert [row.ticket.title for row in new.context["ticket_list"].rows] == ["unseen"]
    assert [row.ticket.title for row in reached.context["ticket_list"].rows] == ["reminder"]
    page = response.content.decode()
    assert page.count('class="unseen"') == 1
    assert '<span class="visually-hidden">unseen</span>' in page


def test_watched_and_responsible_views(agent_client, make_ticket, agent, other_agent):
    watched = make_ticket(title="watched")
    make_ticket(title="other")
    ticket_watch(actor=agent.actor, ticket=watched)
    theirs = make_ticket(title="bob's", owner=other_agent.login, responsible=other_agent.login)
    ticket_set_responsible(actor=agent.actor, ticket=theirs, responsible=agent.login)

    watched_page = agent_client.get(reverse("agent:watched_view"))
    responsible_page = agent_client.get(reverse("agent:responsible_view"), headers=HTMX)

    assert [row.ticket.title for row in watched_page.context["ticket_list"].rows] == ["watched"]
    titles = {row.ticket.title for row in responsible_page.context["ticket_list"].rows}
    assert "bob's" in titles
    assert "watched" in titles  # alice created it and so is responsible for it


def test_list_has_sort_links_bulk_form_and_pager(agent_client, make_ticket):
    for _number in range(12):
        make_ticket()

    response = agent_client.get(reverse("agent:status_view"), {"size": 10, "sort": "tn"})

    page = response.content.decode()
    assert f'action="{reverse("agent:bulk")}"' in page
    assert page.count('name="ticket_ids"') == 10
    assert 'aria-sort="ascending"' in page
    assert 'rel="next"' in page
    assert 'rel="prev"' not in page
    assert 'hx-push-url="true"' in page
    assert reverse("agent:ticket_zoom", args=[Ticket.objects.order_by("tn").first().pk]) in page


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params or {}).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_query_count_does_not_grow_with_the_tickets(agent_client, make_ticket, agent, view):
    agent.preferences = {"my_queue_ids": [_queue_id("Raw")], "list_detail": "preview"}
    agent.save(update_fields=["preferences"])
    clock.freeze(MOMENT)

    def add(count: int) -> None:
        for _number in range(count):
            ticket = make_ticket()
            ticket_lock(actor=agent.actor, ticket=ticket)
            ticket_watch(actor=agent.actor, ticket=ticket)
            _set_escalation(ticket, MOMENT - timedelta(hours=1))

    url = reverse(view)
    add(3)
    agent_client.get(url)
    few = _queries(agent_client, url, {"tab": "all"})
    add(12)
    with CaptureQueriesContext(connection) as context:
        response = agent_client.get(url, {"tab": "all"})

    assert len(response.context["ticket_list"].rows) == 15
    assert len(context.captured_queries) == few
    assert few <= 15 + PLANNER_SETTINGS
