import threading

import pytest
from django.db import connection

from tests.mail.builders import mail
from ticketry.mail.inbound import process_pending, store_raw
from ticketry.mail.models import InboundMessage, InboundStatus
from ticketry.tickets.models import Article

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite has one writer; nothing runs side by side"
    ),
]


def test_two_workers_process_every_stored_message_exactly_once(support):
    for number in range(40):
        store_raw(mail(subject=f"Request {number}"))
    results: list[list] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(process_pending(limit=100))
        except BaseException as error:  # the test reports it below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    handled = [delivery.inbound_id for batch in results for delivery in batch]
    assert sorted(handled) == sorted(set(handled))
    assert len(handled) == 40
    assert InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count() == 40
    assert Article.objects.filter(sender_type__name="customer").count() == 40
