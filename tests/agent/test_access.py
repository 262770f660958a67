import pytest
from django.urls import reverse

from ticketry.agent.collision import changes_since, ticket_version
from ticketry.tickets.services import ArticleInput, article_create, ticket_lock

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("agent:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == "/agent/login/?next=/agent/"


def test_htmx_request_without_session_redirects_the_whole_page(client):
    response = client.get(
        reverse("agent:dashboard"), headers={"HX-Request": "true", "HX-Current-URL": "/agent/"}
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/agent/login/?next=%2Fagent%2F"


def test_root_leads_to_the_dashboard(client):
    assert client.get("/")["Location"] == reverse("agent:dashboard")


def test_login_and_logout(client, agent):
    response = client.post(
        reverse("agent:login"), {"username": "alice", "password": "secret-pass-123"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("agent:dashboard")

    client.post(reverse("agent:logout"))

    assert client.get(reverse("agent:dashboard")).status_code == 302


def test_wrong_password_shows_an_error_on_the_form(client, agent):
    response = client.post(reverse("agent:login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_repeated_failures_lock_the_login_out(client, agent, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("agent:login"), {"username": "alice", "password": "wrong"})

    response = client.post(
        reverse("agent:login"), {"username": "alice", "password": "secret-pass-123"}
    )

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_idle_session_ends(agent_client, settings, monkeypatch):
    assert agent_client.get(reverse("agent:dashboard")).status_code == 200
    settings.SESSION_IDLE_SECONDS = -1

    assert agent_client.get(reverse("agent:dashboard")).status_code == 302


def test_collision_check_notices_a_new_article_and_another_agents_lock(
    make_ticket, agent, other_agent
):
    ticket = make_ticket()
    seen = str(ticket_version(ticket))
    assert changes_since(ticket, seen, actor=agent.actor) == []

    article_create(
        actor=other_agent.actor, ticket=ticket, article=ArticleInput(body="I looked at it.")
    )
    ticket_lock(actor=other_agent.actor, ticket=ticket.pk)
    ticket.refresh_from_db()

    warnings = changes_since(ticket, seen, actor=agent.actor)
    assert len(warnings) == 2
    assert "new article" in warnings[0]
    assert "Bob Brown" in warnings[1]


def test_collision_check_treats_a_garbled_version_as_stale(make_ticket, agent):
    ticket = make_ticket()

    assert changes_since(ticket, "nonsense", actor=agent.actor)
