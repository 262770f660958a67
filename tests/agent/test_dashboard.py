from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ticketry.accounts.models import Agent
from ticketry.core import clock
from ticketry.tickets.models import Queue, Ticket
from ticketry.tickets.services import (
    ticket_lock,
    ticket_mark_seen,
    ticket_set_state,
    ticket_watch,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MOMENT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
# On PostgreSQL list pages first set how their statements are planned (page_query_plans).
PLANNER_SETTINGS = 1 if connection.vendor == "postgresql" else 0


def _widgets(response) -> dict:
    return {widget.id: widget for widget in response.context["widgets"]}


def _titles(widget) -> list[str]:
    return [row.ticket.title for row in widget.rows]


def test_dashboard_widgets_show_counts_and_first_rows(
    agent_client, make_ticket, agent, other_agent
):
    clock.freeze(MOMENT)
    make_ticket(title="brand new")
    opened = make_ticket(title="being worked", state="open")
    locked = make_ticket(title="my locked")
    ticket_lock(actor=agent.actor, ticket=locked)
    reminder = make_ticket(title="remind me", owner=other_agent.login)
    ticket_set_state(
        actor=agent.actor,
        ticket=reminder,
        state="pending reminder",
        pending_until=MOMENT - timedelta(minutes=5),
    )
    ticket_watch(actor=agent.actor, ticket=opened)
    escalating = make_ticket(title="burning")
    # Escalation times are computed by the SLA app; the dashboard only reads them.
    Ticket.objects.filter(pk=escalating.pk).update(escalation_at=MOMENT + timedelta(hours=2))
    agent.preferences = {"my_queue_ids": [Queue.objects.get(name="Raw").pk]}
    agent.save(update_fields=["preferences"])

    response = agent_client.get(reverse("agent:dashboard"))

    assert response.status_code == 200
    widgets = _widgets(response)
    assert list(widgets) == [
        "new",
        "open",
        "locked",
        "reminders",
        "escalated",
        "watched",
        "responsible",
    ]
    assert set(_titles(widgets["new"])) == {"brand new", "burning"}
    assert widgets["new"].count == 2
    assert _titles(widgets["open"]) == ["being worked"]
    assert _titles(widgets["locked"]) == ["my locked"]
    assert widgets["locked"].rows[0].unseen
    assert _titles(widgets["reminders"]) == ["remind me"]
    assert _titles(widgets["escalated"]) == ["burning"]
    assert _titles(widgets["watched"]) == ["being worked"]
    assert widgets["responsible"].count == 4  # alice created all but bob's reminder
    page = response.content.decode()
    assert 'hx-trigger="every 60s"' in page
    assert reverse("agent:dashboard_widget", args=["locked"]) in page
    assert reverse("agent:locked_view") in page


def test_reminders_of_other_agents_count_only_when_unlocked_in_my_queues(
    agent_client, make_ticket, agent, other_agent
):
    clock.freeze(MOMENT)
    free = make_ticket(title="free in raw", owner=other_agent.login)
    held = make_ticket(title="held by bob", owner=other_agent.login)
    ticket_lock(actor=other_agent.actor, ticket=held)
    for ticket in (free, held):
        ticket_set_state(
            actor=other_agent.actor,
            ticket=ticket,
            state="pending reminder",
            pending_until=MOMENT - timedelta(minutes=5),
        )
    agent.preferences = {"my_queue_ids": [Queue.objects.get(name="Raw").pk]}
    agent.save(update_fields=["preferences"])

    widgets = _widgets(agent_client.get(reverse("agent:dashboard")))

    assert _titles(widgets["reminders"]) == ["free in raw"]


def test_widget_shows_ten_rows_and_links_to_the_full_list(agent_client, make_ticket):
    for _number in range(12):
        make_ticket()

    response = agent_client.get(reverse("agent:dashboard"))

    new = _widgets(response)["new"]
    assert new.count == 12
    assert len(new.rows) == 10
    assert "Show all 12 tickets" in response.content.decode()


def test_hiding_and_showing_a_widget(agent_client, agent):
    url = reverse("agent:dashboard_widget_visibility", args=["open"])

    response = agent_client.post(url, {"hidden": "1"}, follow=True)

    agent.refresh_from_db()
    assert agent.preferences["dashboard_hidden"] == ["open"]
    assert "open" not in _widgets(response)
    assert response.context["hidden_widgets"] == [{"id": "open", "title": "Open tickets"}]
    assert "The widget “Open tickets” is hidden." in response.content.decode()

    response = agent_client.post(url, {}, follow=True)

    agent.refresh_from_db()
    assert "dashboard_hidden" not in agent.preferences
    assert "open" in _widgets(response)


def test_widget_visibility_needs_post_and_a_known_widget(agent_client):
    assert (
        agent_client.get(reverse("agent:dashboard_widget_visibility", args=["open"])).status_code
        == 405
    )
    assert (
        agent_client.post(reverse("agent:dashboard_widget_visibility", args=["nope"])).status_code
        == 404
    )


def test_widget_partial_refresh(agent_client, make_ticket, agent):
    ticket = make_ticket(title="mine now")
    url = reverse("agent:dashboard_widget", args=["locked"])
    assert "mine now" not in agent_client.get(url, headers=HTMX).content.decode()
    ticket_lock(actor=agent.actor, ticket=ticket)

    response = agent_client.get(url, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('<section class="panel dashboard-widget" id="widget-locked"')
    assert "mine now" in page
    assert "<html" not in page


def test_widget_url_without_htmx_leads_to_the_dashboard(agent_client):
    response = agent_client.get(reverse("agent:dashboard_widget", args=["locked"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("agent:dashboard") + "#widget-locked"
    unknown = agent_client.get(reverse("agent:dashboard_widget", args=["x"]), headers=HTMX)
    assert unknown.status_code == 404


def test_outsider_sees_empty_widgets(client, outsider, make_ticket):
    make_ticket()
    client.force_login(outsider)

    widgets = _widgets(client.get(reverse("agent:dashboard")))

    assert all(widget.count == 0 and not widget.rows for widget in widgets.values())


def test_seen_tickets_lose_the_unseen_marker(agent_client, make_ticket, agent):
    ticket = make_ticket()
    ticket_lock(actor=agent.actor, ticket=ticket)
    ticket_mark_seen(actor=agent.actor, ticket=ticket)

    response = agent_client.get(reverse("agent:dashboard"))

    assert not _widgets(response)["locked"].rows[0].unseen


def test_widget_counts_are_capped(agent_client, make_ticket, monkeypatch):
    monkeypatch.setattr("ticketry.agent.views.dashboard.WIDGET_COUNT_CAP", 2)
    for _number in range(3):
        make_ticket()

    response = agent_client.get(reverse("agent:dashboard"))

    new = _widgets(response)["new"]
    assert (new.count, new.capped, new.count_label, len(new.rows)) == (2, True, "2+", 3)
    assert "Show all 2+ tickets" in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_the_tickets(agent_client, make_ticket, agent):
    def add(count: int) -> None:
        for _number in range(count):
            ticket = make_ticket()
            ticket_lock(actor=agent.actor, ticket=ticket)
            ticket_watch(actor=agent.actor, ticket=ticket)

    url = reverse("agent:dashboard")
    add(3)
    agent_client.get(url)
    with CaptureQueriesContext(connection) as few:
        agent_client.get(url)
    add(12)
    with CaptureQueriesContext(connection) as many:
        response = agent_client.get(url)

    assert len(_widgets(response)["locked"].rows) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    # Session, agent, the agent's two-factor devices, the agent's groups, the states, one
    # count for all widgets, a page per widget, the queues of the rows.
    expected = 5 + 1 + 1 + len(_widgets(response)) + 1 + PLANNER_SETTINGS
    assert len(many.captured_queries) == expected


def test_hidden_widgets_cost_no_queries(agent_client, agent):
    Agent.objects.filter(pk=agent.pk).update(
        preferences={"dashboard_hidden": ["new", "open", "locked", "reminders", "escalated"]}
    )
    agent_client.get(reverse("agent:dashboard"))

    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get(reverse("agent:dashboard"))

    assert list(_widgets(response)) == ["watched", "responsible"]
    # As above; no rows, so no queues to read.
    assert len(queries.captured_queries) == 5 + 1 + 1 + 2 + PLANNER_SETTINGS
