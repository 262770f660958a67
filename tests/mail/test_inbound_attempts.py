"""Attempts at processing a stored mail are counted on its row: a mail that fails, times out
or dies with its process is quarantined after `PostMasterMaxAttempts`, never retried forever."""

from datetime import timedelta

import pytest

from tests.mail.builders import mail
from ticketry.core import clock, sysconfig
from ticketry.mail.inbound import process, process_pending, receive, reprocess, store_raw
from ticketry.mail.models import InboundMessage, InboundStatus, PostmasterFilter

pytestmark = pytest.mark.django_db

# Backtracks for far longer than the time limit on a subject of many a's.
SLOW_PATTERN = r"^(a+)+$"
SLOW_SUBJECT = "a" * 40 + "!"


def test_a_processed_mail_counts_one_attempt(support):
    delivery = receive(mail())

    message = InboundMessage.objects.get(pk=delivery.inbound_id)
    assert (message.status, message.attempts) == (InboundStatus.PROCESSED, 1)


def test_a_mail_being_processed_is_left_to_its_process(support):
    message, _created = store_raw(mail(), claimed=True)

    assert process_pending() == []
    assert process(message.pk).outcome == InboundStatus.RECEIVED

    message.refresh_from_db()
    assert (message.status, message.attempts) == (InboundStatus.RECEIVED, 1)


def test_an_attempt_whose_process_died_is_taken_over_after_the_time_limit(support):
    message, _created = store_raw(mail(), claimed=True)
    clock.freeze(clock.now() + timedelta(seconds=sysconfig.get("PostMasterProcessingTimeLimit")))

    [delivery] = process_pending()

    assert delivery.outcome == "new_ticket"
    message.refresh_from_db()
    assert message.attempts == 2


def test_a_mail_whose_processes_keep_dying_is_quarantined_after_the_last_attempt(support):
    message, _created = store_raw(mail(), claimed=True)
    InboundMessage.objects.filter(pk=message.pk).update(
        attempts=sysconfig.get("PostMasterMaxAttempts"),
        attempted_at=clock.now() - timedelta(hours=1),
    )

    [delivery] = process_pending()

    assert delivery.outcome == "quarantined"
    assert delivery.error.startswith("Gave up after 3 attempts; the last: it did not finish")
    assert InboundMessage.objects.get(pk=message.pk).status == InboundStatus.QUARANTINED


def test_a_mail_that_times_out_is_tried_again_then_quarantined(support):
    sysconfig.set_value("PostMasterProcessingTimeLimit", 1)
    sysconfig.set_value("PostMasterMaxAttempts", 2)
    PostmasterFilter.objects.create(
        name="slow", matches=[{"header": "Subject", "value": SLOW_PATTERN}], sets=[]
    )

    first = receive(mail(subject=SLOW_SUBJECT))

    assert first.outcome == InboundStatus.RECEIVED
    message = InboundMessage.objects.get(pk=first.inbound_id)
    assert message.attempts == 1
    assert message.error == "Processing took longer than 1 second."

    [second] = process_pending()

    assert second.outcome == "quarantined"
    assert second.error == (
        "Gave up after 2 attempts; the last: Processing took longer than 1 second."
    )
    assert process_pending() == []


def test_reprocessing_a_quarantined_mail_gives_it_its_attempts_anew(support):
    message, _created = store_raw(mail(), claimed=True)
    InboundMessage.objects.filter(pk=message.pk).update(
        status=InboundStatus.QUARANTINED, attempts=3, attempted_at=clock.now(), error="x"
    )

    [delivery] = reprocess([message.pk])

    assert delivery.outcome == "new_ticket"
    message.refresh_from_db()
    assert message.attempts == 1
