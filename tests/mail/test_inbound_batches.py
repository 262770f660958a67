"""Waiting mails are leased in batches and each is still worked in a transaction of its own:
a lease counts no attempt, a bad mail in a batch harms none of the others."""

import signal
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.mail.builders import mail
from ticketry.core import clock, sysconfig
from ticketry.mail.inbound import (
    claim_waiting,
    process,
    process_claimed,
    process_pending,
    store_raw,
)
from ticketry.mail.models import InboundMessage, InboundStatus, PostmasterFilter
from ticketry.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Backtracks for far longer than any test runs on a subject of many a's.
SLOW_PATTERN = r"^(a+)+$"
SLOW_SUBJECT = "a" * 40 + "!"


class Stopped(BaseException):
    """What a worker told to stop meets in the middle of its work."""


def stored(count: int) -> list[int]:
    return [store_raw(mail(subject=f"Request {number}"))[0].pk for number in range(count)]


def time_limit_passes() -> None:
    seconds = sysconfig.get("PostMasterProcessingTimeLimit")
    clock.freeze(clock.now() + timedelta(seconds=seconds))


def test_a_claim_leases_up_to_n_oldest_messages_and_the_next_skips_them(support):
    ids = stored(5)

    first = claim_waiting(3)
    second = claim_waiting(3)

    assert [message.pk for message in first] == ids[:3]
    assert [message.pk for message in second] == ids[3:]
    assert claim_waiting(3) == []
    leased = InboundMessage.objects.filter(pk__in=ids)
    assert set(leased.values_list("status", "attempts")) == {(InboundStatus.RECEIVED, 0)}
    assert leased.filter(attempted_at__isnull=True).count() == 0


def test_a_claim_skips_messages_being_processed_and_processed_ones(support):
    store_raw(mail(), claimed=True)
    assert process(store_raw(mail())[0].pk).outcome == "new_ticket"
    [waiting] = stored(1)

    assert [message.pk for message in claim_waiting(50)] == [waiting]


def test_claiming_a_batch_takes_the_same_few_queries_for_5_and_50_messages(support):
    stored(55)
    sysconfig.get("PostMasterProcessingTimeLimit")  # the settings cache is warm

    with CaptureQueriesContext(connection) as five:
        assert len(claim_waiting(5)) == 5
    with CaptureQueriesContext(connection) as fifty:
        assert len(claim_waiting(50)) == 50

    assert len(fifty) == len(five) <= 4  # savepoint, locking select, update, release


def test_working_a_batch_counts_each_attempt_as_it_begins(support):
    ids = stored(3)

    deliveries = process_claimed(claim_waiting(50))

    assert [delivery.outcome for delivery in deliveries] == ["new_ticket"] * 3
    assert set(InboundMessage.objects.filter(pk__in=ids).values_list("status", "attempts")) == {
        (InboundStatus.PROCESSED, 1)
    }


def test_a_bad_mail_in_the_middle_of_a_batch_is_quarantined_and_the_others_processed(support):
    first = store_raw(mail(subject="First"))[0]
    junk = store_raw(b"colour: blue\nsize: 3\n\nA settings file piped by mistake.\n")[0]
    last = store_raw(mail(subject="Last"))[0]

    deliveries = process_pending(batch_size=50)

    assert [(delivery.inbound_id, delivery.outcome) for delivery in deliveries] == [
        (first.pk, "new_ticket"),
        (junk.pk, "quarantined"),
        (last.pk, "new_ticket"),
    ]
    assert "it is not an email" in deliveries[1].error
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["First", "Last"]


def test_a_mail_whose_file_cannot_be_read_fails_its_attempt_and_the_batch_goes_on(support):
    sysconfig.set_value("PostMasterMaxAttempts", 2)
    lost = InboundMessage.objects.get(pk=stored(3)[1])
    default_storage.delete(lost.raw.name)

    deliveries = process_pending()

    assert [delivery.outcome for delivery in deliveries] == ["new_ticket", "received", "new_ticket"]
    lost.refresh_from_db()
    assert (lost.status, lost.attempts, lost.attempted_at) == (InboundStatus.RECEIVED, 1, None)
    assert lost.error.startswith("FileNotFoundError")

    [again] = process_pending()

    assert again.outcome == "quarantined"
    assert again.error.startswith("Gave up after 2 attempts; the last: FileNotFoundError")


def test_a_lease_whose_worker_died_costs_no_attempt(support):
    ids = stored(3)
    claim_waiting(50)  # and the worker dies
    assert process_pending() == []

    time_limit_passes()
    deliveries = process_pending()

    assert [delivery.outcome for delivery in deliveries] == ["new_ticket"] * 3
    assert set(InboundMessage.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_a_lease_taken_over_after_it_ran_out_is_left_to_the_new_holder(support):
    [message_id] = stored(1)
    stale = claim_waiting(50)
    time_limit_passes()
    fresh = claim_waiting(50)

    assert process_claimed(stale) == []
    assert [delivery.outcome for delivery in process_claimed(fresh)] == ["new_ticket"]
    message = InboundMessage.objects.get(pk=message_id)
    assert (message.status, message.attempts) == (InboundStatus.PROCESSED, 1)


def test_a_leased_message_is_left_to_its_worker_by_a_single_process_call(support):
    [message_id] = stored(1)
    [leased] = claim_waiting(50)

    assert process(message_id).outcome == InboundStatus.RECEIVED
    assert [delivery.outcome for delivery in process_claimed([leased])] == ["new_ticket"]


def test_a_leased_message_at_its_last_attempt_is_quarantined_with_the_reason(support):
    [message_id] = stored(1)
    InboundMessage.objects.filter(pk=message_id).update(
        attempts=sysconfig.get("PostMasterMaxAttempts"), error="Processing took too long."
    )

    [delivery] = process_claimed(claim_waiting(50))

    assert delivery.outcome == "quarantined"
    assert delivery.error == "Gave up after 3 attempts; the last: Processing took too long."


def test_processing_pending_takes_batches_up_to_the_limit_oldest_first(support):
    ids = stored(7)

    deliveries = process_pending(limit=5, batch_size=2)

    assert [delivery.inbound_id for delivery in deliveries] == ids[:5]
    assert [delivery.inbound_id for delivery in process_pending(batch_size=2)] == ids[5:]


def test_a_worker_stopped_in_the_middle_of_a_batch_gives_back_the_leases_it_did_not_use(support):
    PostmasterFilter.objects.create(
        name="slow", matches=[{"header": "Subject", "value": SLOW_PATTERN}], sets=[]
    )
    first, slow, last = (
        store_raw(mail(subject=subject))[0].pk for subject in ("First", SLOW_SUBJECT, "Last")
    )
    batch = claim_waiting(50)

    def stop(_signum: int, _frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    try:
        with pytest.raises(Stopped):
            process_claimed(batch)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    rows = InboundMessage.objects.in_bulk([first, slow, last])
    assert (rows[first].status, rows[first].attempts) == (InboundStatus.PROCESSED, 1)
    # The attempt that was cut off counts and holds the mail until its time is up.
    assert (rows[slow].status, rows[slow].attempts) == (InboundStatus.RECEIVED, 1)
    assert rows[slow].attempted_at is not None
    assert (rows[last].status, rows[last].attempts) == (InboundStatus.RECEIVED, 0)
    assert rows[last].attempted_at is None
    assert [delivery.inbound_id for delivery in process_pending()] == [last]
