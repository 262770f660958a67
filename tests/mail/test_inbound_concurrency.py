import threading

import pytest
from django.db import connection

from tests.mail.builders import mail
from ticketry.mail.inbound import claim_waiting, process_pending, store_raw
from ticketry.mail.models import InboundMessage, InboundStatus
from ticketry.tickets.models import Article

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite has one writer; nothing runs side by side"
    ),
]


def side_by_side(work, count: int = 2) -> list:
    """Run `work` in `count` threads at once; their results, once all have finished."""
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:  # the test reports it below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    return results


def test_two_workers_process_every_stored_message_exactly_once(support):
    for number in range(40):
        store_raw(mail(subject=f"Request {number}"))

    results = side_by_side(lambda: process_pending(limit=100))

    handled = [delivery.inbound_id for batch in results for delivery in batch]
    assert sorted(handled) == sorted(set(handled))
    assert len(handled) == 40
    assert InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count() == 40
    assert Article.objects.filter(sender_type__name="customer").count() == 40


def test_two_claims_at_once_lease_disjoint_batches(support):
    ids = [store_raw(mail(subject=f"Request {number}"))[0].pk for number in range(80)]
    both_ready = threading.Barrier(2)

    def claim() -> list[int]:
        both_ready.wait(timeout=30)
        return [message.pk for message in claim_waiting(50)]

    first, second = side_by_side(claim)

    assert len(first) <= 50 and len(second) <= 50
    assert set(first).isdisjoint(second)
    assert sorted(first + second) == ids


def test_two_workers_taking_small_batches_process_each_mail_once_and_quarantine_junk(support):
    for number in range(120):
        store_raw(mail(subject=f"Request {number}"))
        if number % 40 == 20:
            store_raw(b"colour: blue\nsize: %d\n\nA settings file piped by mistake.\n" % number)

    results = side_by_side(lambda: process_pending(limit=1000, batch_size=10))

    handled = [delivery.inbound_id for batch in results for delivery in batch]
    assert sorted(handled) == sorted(set(handled))
    assert len(handled) == 123
    assert InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count() == 120
    assert InboundMessage.objects.filter(status=InboundStatus.QUARANTINED).count() == 3
    assert set(InboundMessage.objects.values_list("attempts", flat=True)) == {1}
    assert Article.objects.filter(sender_type__name="customer").count() == 120
