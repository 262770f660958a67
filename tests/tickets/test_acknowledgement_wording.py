"""The default acknowledgement's wording: new installations get it, an administrator's own
text is kept."""

import importlib

import pytest
from django.apps import apps

from ticketry.tickets.models import AutoResponse

pytestmark = pytest.mark.django_db

wording = importlib.import_module("ticketry.tickets.migrations.0006_acknowledgement_wording")


def test_a_new_installation_has_the_helpdesk_wording():
    reply = AutoResponse.objects.get(pk=1)
    assert reply.text == wording.NEW_REPLY
    assert "<OTRS_TICKET_TicketNumber>" in reply.text
    assert "keep the ticket number in the subject" in reply.text
    assert AutoResponse.objects.get(pk=3).text == wording.NEW_FOLLOW_UP


def test_the_old_default_is_replaced_and_restored():
    AutoResponse.objects.filter(pk=1).update(text=wording.OLD_REPLY)

    wording.forwards(apps, None)
    assert AutoResponse.objects.get(pk=1).text == wording.NEW_REPLY

    wording.backwards(apps, None)
    assert AutoResponse.objects.get(pk=1).text == wording.OLD_REPLY


def test_an_administrators_own_text_is_kept():
    AutoResponse.objects.filter(pk=1).update(text="Got it: <OTRS_TICKET_TicketNumber>.")

    wording.forwards(apps, None)

    assert AutoResponse.objects.get(pk=1).text == "Got it: <OTRS_TICKET_TicketNumber>."
