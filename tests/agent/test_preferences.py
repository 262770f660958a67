import pytest
from django.urls import reverse

from tests.accounts.factories import GroupFactory
from ticketry.accounts.models import Agent
from ticketry.tickets.models import Queue

pytestmark = pytest.mark.django_db

URL = "/agent/preferences/"
HTMX = {"HX-Request": "true", "HX-Target": "pref-lists"}


def post(client, section, **data):
    return client.post(reverse("agent:preferences"), {"section": section, **data})


def test_url_name():
    assert reverse("agent:preferences") == URL


def test_page_shows_every_section_with_current_values(agent_client, agent):
    Agent.objects.filter(pk=agent.pk).update(
        time_zone="Europe/Berlin", preferences={"page_size": 50, "my_queue_ids": []}
    )

    response = agent_client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    for section in ("language", "time_zone", "password", "my_queues", "notifications"):
        assert f'name="section" value="{section}"' in content
    assert '<option value="Europe/Berlin" selected>' in content
    assert '<option value="50" selected>' in content
    assert reverse("agent:totp_setup") in content
    assert response.context["nav"] == "preferences"


def test_outsider_sees_the_page_without_queues(client, outsider):
    client.force_login(outsider)

    response = client.get(URL)

    assert response.status_code == 200
    assert "You may not read any queue." in response.content.decode()


def test_language_change_takes_effect_on_the_next_page(agent_client, agent):
    response = post(agent_client, "language", language="de")

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.language == "de"
    following = agent_client.get(reverse("agent:search"))
    assert following["Content-Language"] == "de"
    assert '<html lang="de">' in following.content.decode()


def test_language_change_through_htmx_reloads_the_page(agent_client, agent):
    response = agent_client.post(
        URL, {"section": "language", "language": "de"}, headers={"HX-Request": "true"}
    )

    assert response["HX-Refresh"] == "true"
    agent.refresh_from_db()
    assert agent.language == "de"


def test_unknown_language_is_a_field_error(agent_client, agent):
    response = post(agent_client, "language", language="xx")

    assert response.status_code == 200
    assert "language" in response.context["sections"][0].form.errors
    agent.refresh_from_db()
    assert agent.language == ""


def test_time_zone_is_validated_and_saved(agent_client, agent):
    bad = post(agent_client, "time_zone", time_zone="Mars/Olympus")
    good = post(agent_client, "time_zone", time_zone="America/New_York")

    assert bad.status_code == 200
    assert "Select a valid choice." in bad.content.decode()
    assert good.status_code == 302
    agent.refresh_from_db()
    assert agent.time_zone == "America/New_York"


def test_password_change_keeps_the_session(agent_client, agent):
    response = post(
        agent_client,
        "password",
        old_password="secret-pass-123",
        new_password1="Another-pass-4711",
        new_password2="Another-pass-4711",
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("Another-pass-4711")
    assert agent_client.get(URL).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {
                "old_password": "wrong",
                "new_password1": "Another-4711",
                "new_password2": "Another-4711",
            },
            "old_password",
            "Your current password was entered incorrectly.",
        ),
        (
            {"old_password": "secret-pass-123", "new_password1": "a1", "new_password2": "b2"},
            "new_password2",
            "The two new passwords differ.",
        ),
        (
            {"old_password": "secret-pass-123", "new_password1": "abc", "new_password2": "abc"},
            "new_password1",
            "This password is too short.",
        ),
    ],
)
def test_password_errors_show_on_the_form(agent_client, agent, data, field, message):
    response = post(agent_client, "password", **data)

    assert response.status_code == 200
    form = next(
        item.form for item in response.context["sections"] if item.section.name == "password"
    )
    assert message in " ".join(form.errors[field])
    agent.refresh_from_db()
    assert agent.check_password("secret-pass-123")


def test_my_queues_offers_only_readable_queues(agent_client, agent):
    hidden = Queue.objects.create(name="Human Resources", group=GroupFactory(name="hr"))
    raw, misc = Queue.objects.get(name="Raw"), Queue.objects.get(name="Misc")

    page = agent_client.get(URL)
    refused = post(agent_client, "my_queues", queues=[raw.pk, hidden.pk])
    saved = post(agent_client, "my_queues", queues=[misc.pk, raw.pk])

    assert "Human Resources" not in page.content.decode()
    assert refused.status_code == 200
    assert saved.status_code == 302
    agent.refresh_from_db()
    assert agent.preferences["my_queue_ids"] == sorted([misc.pk, raw.pk])


def test_notifications_are_on_by_default_and_can_be_turned_off(agent_client, agent):
    page = agent_client.get(URL)
    form = next(i.form for i in page.context["sections"] if i.section.name == "notifications")
    assert all(form.initial.values())

    post(agent_client, "notifications", new_ticket="on", owner_responsible="on")

    agent.refresh_from_db()
    assert agent.preferences["notifications"] == {
        "new_ticket": True,
        "follow_up": False,
        "note": False,
        "lock_timeout": False,
        "move": False,
        "owner_responsible": True,
    }


def test_out_of_office(agent_client, agent):
    missing = post(agent_client, "out_of_office", enabled="on", start="2025-07-01")
    reversed_range = post(
        agent_client, "out_of_office", enabled="on", start="2025-07-10", end="2025-07-01"
    )
    saved = post(agent_client, "out_of_office", enabled="on", start="2025-07-01", end="2025-07-14")

    assert "Give the first and the last day" in missing.content.decode()
    assert "The end must not be before the start." in reversed_range.content.decode()
    assert saved.status_code == 302
    agent.refresh_from_db()
    assert agent.preferences["out_of_office"] == {
        "enabled": True,
        "start": "2025-07-01",
        "end": "2025-07-14",
    }
    assert 'value="2025-07-14"' in agent_client.get(URL).content.decode()


def test_page_size_and_detail_level_apply_to_ticket_lists(agent_client, agent, make_ticket):
    for number in range(12):
        make_ticket(title=f"Printer {number}")

    response = post(
        agent_client,
        "lists",
        page_size="10",
        list_detail="medium",
        dashboard_refresh_seconds="300",
    )
    page = agent_client.get(URL)
    results = agent_client.get(f"{reverse('agent:search')}?title=printer")

    assert response.status_code == 302
    assert "Your ticket list settings were saved." in page.content.decode()
    listing = results.context["ticket_list"]
    assert (listing.page_size, listing.detail, len(listing.rows)) == (10, "medium", 10)
    dashboard = agent_client.get(reverse("agent:dashboard")).content.decode()
    assert 'hx-trigger="every 300s"' in dashboard


def test_invalid_page_size_is_refused(agent_client, agent):
    response = post(
        agent_client, "lists", page_size="7", list_detail="small", dashboard_refresh_seconds="60"
    )

    assert response.status_code == 200
    agent.refresh_from_db()
    assert "page_size" not in agent.preferences


def test_htmx_section_save_returns_the_section_with_a_notice(agent_client, agent):
    saved = agent_client.post(
        URL,
        {
            "section": "lists",
            "page_size": "50",
            "list_detail": "small",
            "dashboard_refresh_seconds": "60",
        },
        headers=HTMX,
    )
    invalid = agent_client.post(
        URL, {"section": "lists", "page_size": "7", "list_detail": "small"}, headers=HTMX
    )

    content = saved.content.decode()
    assert saved.status_code == 200
    assert "<html" not in content
    assert 'id="pref-lists"' in content
    assert "Your ticket list settings were saved." in content
    assert "Select a valid choice." in invalid.content.decode()
    agent.refresh_from_db()
    assert agent.preferences["page_size"] == 50


def test_unknown_section_is_refused(agent_client):
    response = post(agent_client, "nonsense")

    assert response.status_code == 302


def test_anonymous_visitor_must_log_in(client):
    assert client.get(URL).status_code == 302
    assert client.get(reverse("agent:totp_setup")).status_code == 302
