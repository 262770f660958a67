import random

import pytest

from tests.mail.builders import mail
from ticketry.mail.inbound import receive, store_raw
from ticketry.mail.inbound.store import read_raw
from ticketry.mail.models import InboundMessage, InboundSource, InboundStatus
from ticketry.tickets.models import Article, Ticket

pytestmark = pytest.mark.django_db


def test_the_raw_bytes_are_kept_exactly():
    raw = mail(subject="Hello") + b"\n\xff\xfe junk bytes\n"
    message, created = store_raw(raw, source=InboundSource.PIPE)
    assert created
    assert read_raw(message) == raw
    assert message.size == len(raw)
    assert message.subject == "Hello"
    assert message.status == InboundStatus.RECEIVED


def test_the_same_message_delivered_twice_is_stored_once():
    raw = mail(message_id="<twice@example.com>")
    first, created = store_raw(raw)
    # A second route adds its own trace header; it is still the same message.
    again, created_again = store_raw(b"Received: from relay2 by mx\r\n" + raw)
    assert created and not created_again
    assert again.pk == first.pk
    assert InboundMessage.objects.count() == 1


def test_a_reused_message_id_with_other_content_is_another_message():
    first, _ = store_raw(mail(message_id="<same@example.com>", body="one\n"))
    second, created = store_raw(mail(message_id="<same@example.com>", body="two\n"))
    assert created and second.pk != first.pk


def test_without_message_id_the_whole_message_is_the_identity():
    raw = b"From: a@example.com\r\nSubject: no id\r\n\r\nbody\r\n"
    first, _ = store_raw(raw)
    again, created = store_raw(raw)
    assert not created and again.pk == first.pk
    _other, created_other = store_raw(raw.replace(b"no id", b"no id either"))
    assert created_other


def test_a_second_delivery_makes_no_second_ticket():
    raw = mail(message_id="<dup@example.com>")
    first = receive(raw, source=InboundSource.PIPE)
    second = receive(raw, source=InboundSource.PIPE)
    assert first.outcome == "new_ticket" and not first.duplicate
    assert second.duplicate
    assert second.ticket_number == first.ticket_number
    assert second.article_id == first.article_id


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes(range(256)) * 40,
        b"Subject: " + b"x" * 1_000_000 + b"\r\n\r\nbody",
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nbroken',
    ],
    ids=["empty", "binary-junk", "1MB-header-line", "unterminated-multipart"],
)
def test_bad_input_is_stored_and_either_processed_or_quarantined(raw):
    delivery = receive(raw, source=InboundSource.PIPE)
    message = InboundMessage.objects.get(pk=delivery.inbound_id)
    assert read_raw(message) == raw
    assert message.status in (InboundStatus.PROCESSED, InboundStatus.QUARANTINED)
    if message.status == InboundStatus.QUARANTINED:
        assert message.error


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The message is empty"),
        (b"\r\n \t\r\n", "The message is empty"),
        (random.Random(9).randbytes(5000), "it is not an email"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "it is not an email"),
        (b"colour: blue\nsize: 3\n\nA settings file piped by mistake.\n", "it is not an email"),
    ],
    ids=["empty", "blank-lines", "random-bytes", "pdf-file", "no-email-field"],
)
def test_what_is_not_an_email_is_quarantined_with_the_reason_and_makes_no_ticket(raw, reason):
    delivery = receive(raw, source=InboundSource.PIPE)

    assert delivery.outcome == "quarantined"
    assert reason in delivery.error
    message = InboundMessage.objects.get(pk=delivery.inbound_id)
    assert (message.status, message.ticket_id) == (InboundStatus.QUARANTINED, None)
    assert reason in message.error
    assert read_raw(message) == raw
    assert not Ticket.objects.exists()


def test_a_mail_with_only_a_from_header_is_still_a_ticket():
    delivery = receive(b"From: jdoe@example.com\r\n\r\n", source=InboundSource.PIPE)

    assert delivery.outcome == "new_ticket", delivery.error


def test_line_ends_changed_on_the_way_do_not_make_a_second_message():
    raw = mail(message_id="<crlf@example.com>").replace(b"\r\n", b"\n")
    first, _ = store_raw(raw)
    again, created = store_raw(raw.replace(b"\n", b"\r\n"))
    assert not created and again.pk == first.pk


def test_nul_bytes_in_headers_and_body_do_not_stop_the_mail():
    raw = (
        b"From: a\x00b@example.com\r\nSubject: zero\x00byte\r\n"
        b"Message-ID: <n\x00ul@x>\r\n\r\nbo\x00dy\r\n"
    )
    delivery = receive(raw, source=InboundSource.PIPE)
    assert delivery.outcome == "new_ticket", delivery.error


def test_the_article_keeps_the_raw_message_as_received():
    raw = mail(subject="Keep me") + b"\n"
    delivery = receive(raw, source=InboundSource.PIPE)
    article = Article.objects.get(pk=delivery.article_id)
    with article.raw_message.open("rb") as handle:
        assert handle.read() == raw
