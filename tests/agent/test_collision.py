import pytest
from django.urls import reverse

from ticketry.agent import collision
from ticketry.tickets.models import State, TicketHistory
from ticketry.tickets.services import ArticleInput, article_create, ticket_lock, ticket_set_title

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def action_url(ticket, action):
    return reverse("agent:ticket_action", args=[ticket.pk, action])


def loaded_version(client, ticket, action):
    """The version the action's form carries when an agent opens it."""
    form = client.get(action_url(ticket, action)).context["form"]
    return form[collision.FIELD_NAME].value()


def rows_by(ticket, agent):
    return TicketHistory.objects.filter(ticket=ticket, created_by=agent).count()


def test_stale_form_is_shown_again_with_warnings_and_nothing_is_written(
    agent_client, make_ticket, agent, other_agent
):
    ticket = make_ticket()
    seen = loaded_version(agent_client, ticket, "note")
    article_create(
        actor=other_agent.actor, ticket=ticket, article=ArticleInput(body="Bob was faster.")
    )
    before = TicketHistory.objects.filter(ticket=ticket).count()

    response = agent_client.post(
        action_url(ticket, "note"),
        {collision.FIELD_NAME: seen, "subject": "Mine", "body": "My text"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "A new article was added to this ticket" in body
    assert "Submit anyway" in body and 'name="confirm_stale"' in body
    assert 'value="Mine"' in body and "My text" in body
    assert TicketHistory.objects.filter(ticket=ticket).count() == before
    renewed = response.context["form"][collision.FIELD_NAME].value()
    ticket.refresh_from_db()
    assert renewed != seen and renewed == str(collision.ticket_version(ticket))

    confirmed = agent_client.post(
        action_url(ticket, "note"),
        {collision.FIELD_NAME: renewed, "confirm_stale": "1", "subject": "Mine", "body": "My text"},
    )

    assert confirmed.status_code == 302
    assert ticket.articles.order_by("id").last().body == "My text"


def test_second_agent_submitting_a_form_from_before_the_first_change_is_warned(
    client, make_ticket, agent, other_agent
):
    ticket = make_ticket()
    open_state = State.objects.get(name="open").pk
    client.force_login(agent)
    alice_saw = loaded_version(client, ticket, "note")
    client.force_login(other_agent)
    bob_saw = loaded_version(client, ticket, "priority")
    assert alice_saw == bob_saw

    client.force_login(agent)
    first = client.post(
        action_url(ticket, "note"),
        {collision.FIELD_NAME: alice_saw, "subject": "s", "body": "b", "next_state": open_state},
    )
    client.force_login(other_agent)
    second = client.post(
        action_url(ticket, "priority"),
        {collision.FIELD_NAME: bob_saw, "priority": 5},
        headers=HTMX,
    )

    assert first.status_code == 302
    assert second.status_code == 200 and "HX-Redirect" not in second
    assert "A new article was added to this ticket" in second.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority.name == "3 normal" and not ticket.is_locked
    assert rows_by(ticket, other_agent) == 0


def test_a_change_without_new_article_is_reported_too(agent_client, make_ticket, other_agent):
    ticket = make_ticket()
    seen = loaded_version(agent_client, ticket, "title")
    ticket_set_title(actor=other_agent.actor, ticket=ticket, title="Changed by Bob")

    response = agent_client.post(
        action_url(ticket, "title"), {collision.FIELD_NAME: seen, "title": "Mine"}
    )

    assert "Someone else changed this ticket" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.title == "Changed by Bob"


def test_another_agents_lock_needs_an_explicit_confirmation(
    agent_client, make_ticket, agent, other_agent
):
    ticket = make_ticket()
    ticket_lock(actor=other_agent.actor, ticket=ticket)
    current = loaded_version(agent_client, ticket, "note")

    unconfirmed = agent_client.post(
        action_url(ticket, "note"), {collision.FIELD_NAME: current, "subject": "s", "body": "b"}
    )
    confirmed = agent_client.post(
        action_url(ticket, "note"),
        {collision.FIELD_NAME: current, "confirm_stale": "1", "subject": "s", "body": "b"},
    )

    assert "Bob Brown has locked this ticket" in unconfirmed.content.decode()
    assert confirmed.status_code == 302
    assert ticket.articles.count() == 2


def test_confirming_an_old_version_still_warns_about_newer_changes(
    agent_client, make_ticket, other_agent
):
    ticket = make_ticket()
    seen = loaded_version(agent_client, ticket, "note")
    article_create(actor=other_agent.actor, ticket=ticket, article=ArticleInput(body="new"))

    response = agent_client.post(
        action_url(ticket, "note"),
        {collision.FIELD_NAME: seen, "confirm_stale": "1", "subject": "s", "body": "b"},
    )

    assert "A new article was added" in response.content.decode()
    assert ticket.articles.count() == 2


def test_a_form_without_version_counts_as_stale(agent_client, make_ticket):
    ticket = make_ticket()

    response = agent_client.post(action_url(ticket, "title"), {"title": "New"})

    assert "This form is out of date" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.title == "Printer on fire"


@pytest.mark.parametrize("action", ["lock", "watch"])
def test_lock_and_watch_need_no_version(agent_client, make_ticket, other_agent, action):
    ticket = make_ticket()
    article_create(actor=other_agent.actor, ticket=ticket, article=ArticleInput(body="new"))

    response = agent_client.post(action_url(ticket, action))

    assert response.status_code == 302
