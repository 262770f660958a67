"""Every form that accounts working time offers the same time-units input."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TIME_UNITS_INPUT = re.compile(r'<input[^>]*name="time_units"[^>]*>')


def test_every_form_has_the_same_time_units_input(agent_client, make_ticket):
    ticket = make_ticket()
    article = ticket.articles.first()
    pages = [
        reverse("agent:ticket_action", args=[ticket.pk, action])
        for action in ("note", "phone_out", "phone_in", "move", "owner", "pending", "close")
    ]
    pages += [
        reverse("agent:ticket_reply", args=[ticket.pk, article.pk]),
        reverse("agent:ticket_forward", args=[ticket.pk, article.pk]),
        reverse("agent:ticket_email", args=[ticket.pk]),
        reverse("agent:phone_ticket_new"),
        reverse("agent:email_ticket_new"),
    ]

    inputs = {}
    for url in pages:
        page = agent_client.get(url).content.decode()
        found = TIME_UNITS_INPUT.findall(page)
        assert len(found) == 1, url
        inputs[url] = re.sub(r'\s(id|aria-describedby)="[^"]*"', "", found[0])

    assert len(set(inputs.values())) == 1, inputs
    assert 'inputmode="decimal"' in next(iter(inputs.values()))
