"""Dates and times in the agent's language, on the clock they chose (24-hour by default)."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from ticketry.agent import moments
from ticketry.agent.moments import format_day, format_moment
from ticketry.core import clock
from ticketry.tickets.models import Ticket

MOMENT = datetime(2026, 12, 7, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "style", "text"),
    [
        ("en", None, "12/07/2026 15:12"),
        ("de", None, "07.12.2026 15:12"),
        ("en", "12h", "12/07/2026 3:12 PM"),
        ("de", "12h", "07.12.2026 3:12 nachm."),
        ("en", "iso", "2026-12-07 15:12"),
        ("de", "iso", "2026-12-07 15:12"),
        ("en", "nonsense", "12/07/2026 15:12"),
    ],
)
def test_moments_follow_the_language_and_the_chosen_clock(language, style, text):
    moments.activate(style)
    try:
        with translation.override(language), timezone.override(UTC):
            assert format_moment(MOMENT) == text
    finally:
        moments.deactivate()


def test_moments_are_in_the_active_time_zone_and_days_follow_the_style():
    with translation.override("en"), timezone.override("Europe/Berlin"):
        assert format_moment(MOMENT) == "12/07/2026 16:12"
        assert format_day(date(2026, 12, 7)) == "12/07/2026"
        assert format_day(date(2026, 12, 7), moments.ISO_8601) == "2026-12-07"
        assert format_moment(None) == format_day(None) == ""


@pytest.mark.django_db
def test_the_agent_chooses_the_format_in_the_preferences(agent_client, agent, make_ticket):
    clock.freeze(MOMENT)
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(created_at=MOMENT)
    zoom = reverse("agent:ticket_zoom", args=[ticket.pk])

    default = agent_client.get(zoom).content.decode()
    page = agent_client.get(reverse("agent:preferences")).content.decode()
    saved = agent_client.post(
        reverse("agent:preferences"), {"section": "date_format", "datetime_format": "12h"}
    )
    chosen = agent_client.get(zoom).content.decode()
    agent.refresh_from_db()

    assert "12/07/2026 15:12" in default and "p.m." not in default
    assert 'value="24h"' in page and "checked" in page and "12/07/2026 3:12 PM" in page
    assert saved.status_code == 302
    assert agent.preferences["datetime_format"] == "12h"
    assert "12/07/2026 3:12 PM" in chosen
    history = agent_client.get(reverse("agent:ticket_history", args=[ticket.pk])).content.decode()
    assert "12/07/2026 3:12 PM" in history


@pytest.mark.django_db
def test_an_unknown_format_is_refused(agent_client, agent):
    response = agent_client.post(
        reverse("agent:preferences"), {"section": "date_format", "datetime_format": "%Y"}
    )

    agent.refresh_from_db()
    assert response.status_code == 200
    assert "datetime_format" not in agent.preferences
