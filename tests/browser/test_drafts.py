"""Drafts of the mail forms live in the browser (ticketry/agent/static/agent/compose.js), so
they are tested in one: an unfinished reply survives a reload, can be discarded, survives a
failed send, and is gone once sent; a response template replaces the text in place."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.tickets.conftest import customer_mail
from ticketry.mail.models import OutboundMail
from ticketry.tickets.models import Queue, StandardTemplate
from ticketry.tickets.services import ticket_create

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ticket(agent, customer):
    return ticket_create(
        actor=agent.actor,
        title="Printer on fire",
        queue="Raw",
        customer_user="jdoe",
        article=customer_mail(),
    )


def stored_draft(page, key):
    return json.loads(page.evaluate("key => localStorage.getItem(key) || 'null'", key))


def wait_for_draft(page, key, text):
    page.wait_for_function(
        "([key, text]) => (localStorage.getItem(key) || '').includes(text)", arg=[key, text]
    )


def test_an_unfinished_reply_survives_a_reload_until_it_is_sent(page, ticket):
    article = ticket.articles.get()
    url = reverse("agent:ticket_reply", args=[ticket.pk, article.pk])
    key = f"ticketry-draft:{ticket.pk}:{article.pk}:reply"
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    log_in(page)
    page.goto(url)
    body = page.get_by_label("Text", exact=True)
    prefill = body.input_value()

    body.fill("Half-written answer")
    wait_for_draft(page, key, "Half-written answer")
    page.reload()

    expect(page.get_by_label("Text", exact=True)).to_have_value("Half-written answer")
    notice = page.get_by_text("Draft restored")
    expect(notice).to_be_visible()

    page.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_label("Text", exact=True)).to_have_value(prefill)
    expect(notice).to_be_hidden()
    assert stored_draft(page, key) is None

    page.get_by_label("Text", exact=True).fill("The finished answer")
    page.get_by_label("Cc", exact=True).fill("boss@")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("“boss@” is not a valid email address.")).to_be_visible()
    page.wait_for_function("key => JSON.parse(localStorage.getItem(key)).sent === false", arg=key)
    page.reload()
    expect(page.get_by_label("Text", exact=True)).to_have_value("The finished answer")

    page.get_by_label("Cc", exact=True).fill("")
    page.get_by_role("button", name="Send").click()

    expect(page).to_have_url(reverse("agent:ticket_zoom", args=[ticket.pk]))
    assert OutboundMail.objects.get().article.body == "The finished answer"
    # The ticket's page clears a draft that was sent.
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=key)
    page.goto(url)
    expect(page.get_by_label("Text", exact=True)).not_to_have_value("The finished answer")
    expect(page.get_by_text("Draft restored")).to_be_hidden()
    assert stored_draft(page, key) is None
    assert errors == []


def test_a_template_replaces_the_text_in_place(page, ticket):
    template = StandardTemplate.objects.create(
        name="thanks", text="Thanks, <OTRS_CUSTOMER_REALNAME>!", template_type="Answer"
    )
    template.queues.set([Queue.objects.get(name="Raw")])
    log_in(page)
    page.goto(reverse("agent:ticket_reply", args=[ticket.pk, ticket.articles.get().pk]))
    page.get_by_label("To", exact=True).fill("typed@example.org")

    expect(page.get_by_role("button", name="Apply template")).to_be_hidden()
    page.get_by_label("Template").select_option(label="thanks")

    expect(page.get_by_label("Text", exact=True)).to_have_value(re.compile("Thanks, John Doe!"))
    expect(page.get_by_label("To", exact=True)).to_have_value("typed@example.org")
