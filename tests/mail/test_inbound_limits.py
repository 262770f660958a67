"""Mail with very many headers or parts: handled in linear time, quarantined above the limits."""

import pytest

from tests.mail.builders import mail
from ticketry.core import sysconfig
from ticketry.mail.inbound import receive
from ticketry.mail.inbound.params import MailParams
from ticketry.mail.models import InboundMessage, InboundStatus
from ticketry.mail.parsing import ParsedMessage, parse_message
from ticketry.tickets.models import Ticket

HEADERS = 20_000


def many_headers(count: int) -> bytes:
    extra = b"".join(b"X-Header-%d: value %d\n" % (number, number) for number in range(count))
    head, _separator, body = mail(subject="Many headers").partition(b"\n\n")
    return head + b"\n" + extra + b"\n" + body


class CountingHeaders(tuple):
    """The headers of a parsed mail, counting how often they are read through."""

    passes = 0

    def __iter__(self):
        CountingHeaders.passes += 1
        return super().__iter__()


def test_the_postmaster_reads_the_headers_once_however_many_there_are():
    parsed = parse_message(many_headers(HEADERS))
    assert len(parsed.headers) > HEADERS
    CountingHeaders.passes = 0

    counted = ParsedMessage(subject=parsed.subject, headers=CountingHeaders(parsed.headers))
    params = MailParams(counted, trusted=True)

    # A scan per header looked at every header once per header: 20,000 passes.
    assert CountingHeaders.passes == 1
    assert params.get("x-header-19999") == "value 19999"
    assert params.get("Subject") == "Many headers"
    assert counted.header_all("X-HEADER-7") == ["value 7"]


# Limits


def multipart(parts: int) -> bytes:
    body = b"".join(
        b"--p\nContent-Type: text/plain\n\npart %d\n" % number for number in range(parts)
    )
    return (
        (
            b"From: jdoe@example.com\nSubject: parts\nMessage-ID: <parts-%d@example.com>\n"
            b"Content-Type: multipart/mixed; boundary=p\n\n" % parts
        )
        + body
        + b"--p--\n"
    )


def nested(depth: int) -> bytes:
    opening = b"".join(
        b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (level, level + 1)
        for level in range(depth)
    )
    closing = b"".join(b"--b%d--\n" % level for level in reversed(range(depth + 1)))
    return (
        b"From: jdoe@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
        + opening
        + b"--b%d\nContent-Type: text/plain\n\ndeep text\n" % depth
        + closing
    )


@pytest.mark.django_db
def test_a_mail_with_more_headers_than_the_limit_is_quarantined_with_the_reason(support):
    sysconfig.set_value("PostMasterMaxEmailHeaders", 100)

    delivery = receive(many_headers(200))

    assert delivery.outcome == "quarantined"
    assert "header fields, more than the limit of 100" in delivery.error
    message = InboundMessage.objects.get(pk=delivery.inbound_id)
    assert message.status == InboundStatus.QUARANTINED
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_the_header_limit_is_a_few_thousand_by_default(support):
    assert receive(many_headers(2_500)).outcome == "new_ticket"
    assert receive(many_headers(5_000)).outcome == "quarantined"


@pytest.mark.django_db
def test_a_mail_with_100000_headers_becomes_a_ticket_when_the_limit_allows(support):
    sysconfig.set_value("PostMasterMaxEmailHeaders", 200_000)

    # With a scan of all headers per header, this took many minutes.
    delivery = receive(many_headers(100_000))

    assert delivery.outcome == "new_ticket"


@pytest.mark.django_db
def test_a_mail_with_more_mime_parts_than_the_limit_is_quarantined(support):
    assert receive(multipart(400)).outcome == "new_ticket"

    delivery = receive(multipart(600))

    assert delivery.outcome == "quarantined"
    assert delivery.error == "The message has 601 MIME parts, more than the limit of 500."


@pytest.mark.django_db
def test_a_mail_nested_deeper_than_the_limit_is_quarantined(support):
    assert receive(nested(19)).outcome == "new_ticket"
    sysconfig.set_value("PostMasterMaxEmailDepth", 5)

    delivery = receive(nested(6))

    assert delivery.outcome == "quarantined"
    assert delivery.error == "The MIME parts are nested 7 deep, more than the limit of 5."
