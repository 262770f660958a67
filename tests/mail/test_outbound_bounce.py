"""Bouncing a received mail: the original goes on unchanged under a Resent-* block, the
ticket records it, and the sender may be told."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.accounts.factories import AgentFactory, grant
from tests.mail.conftest_data import known_customer
from ticketry.accounts.models import Group
from ticketry.core import clock
from ticketry.core.errors import InvalidValue, PermissionDenied
from ticketry.mail.inbound import receive
from ticketry.mail.models import OutboundMail
from ticketry.mail.outbound import send_due
from ticketry.mail.outbound.bounce import BounceNotice, bounce_article, resent_message
from ticketry.tickets.models import Article, LockType, TicketHistory
from ticketry.tickets.services import ticket_create
from ticketry.tickets.services.articles import ArticleInput

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
MOMENT = datetime(2015, 7, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def alice():
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Agent")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


@pytest.fixture
def original() -> bytes:
    return (FIXTURES / "alternative.eml").read_bytes()


@pytest.fixture
def received(original) -> Article:
    """The fixture mail, received into queue Raw (system address otrs@localhost)."""
    known_customer()
    delivery = receive(original)
    return Article.objects.select_related("ticket").get(pk=delivery.article_id)


def history_of(ticket, kind):
    return list(
        TicketHistory.objects.filter(ticket=ticket, history_type__name=kind).values_list(
            "name", flat=True
        )
    )


def test_the_original_is_queued_under_a_resent_block(received, alice, original):
    clock.freeze(MOMENT)

    outbound = bounce_article(actor=alice.actor, article=received, to="Boss <boss@example.org>")

    assert outbound.recipients == ["boss@example.org"]
    assert outbound.envelope_from == "otrs@localhost"
    assert outbound.article_id == received.pk
    assert outbound.ticket_id == received.ticket_id
    message = message_from_bytes(bytes(outbound.message), policy=policy.default)
    assert message["Resent-From"] == "OTRS System <otrs@localhost>"
    assert message["Resent-To"] == "Boss <boss@example.org>"
    assert message["Resent-Date"] == "Wed, 15 Jul 2015 10:00:00 +0000"
    # OTRS gives the copy its own Message-ID, so a failure report names the queued copy.
    assert message["Resent-Message-ID"] == "<alt-1@example.com>"
    assert message["Message-ID"] == outbound.message_id != "<alt-1@example.com>"
    assert message["From"] == "sender@example.com"
    assert message["Subject"] == "Alternative"
    head, _sep, body = bytes(outbound.message).partition(b"\r\n\r\n")
    assert body == original.replace(b"\n", b"\r\n").partition(b"\r\n\r\n")[2]
    assert head.count(b"\nMessage-ID:") == 1
    assert history_of(received.ticket, "Bounce") == ["%%Boss <boss@example.org>"]
    assert received.ticket.articles.count() == 1


def test_the_bounced_mail_leaves_through_the_transport(received, alice, settings, tmp_path):
    settings.MAIL_TRANSPORT_URL = f"file://{tmp_path}"
    outbound = bounce_article(actor=alice.actor, article=received, to="boss@example.org")

    report = send_due(outbound_ids=[outbound.pk])

    assert [outcome.outbound_id for outcome in report.sent] == [outbound.pk]
    [written] = tmp_path.glob("*.eml")
    assert written.read_bytes() == bytes(outbound.message)
    assert b"Resent-To: boss@example.org\r\n" in written.read_bytes()


def test_the_sender_is_told_and_the_state_set(received, alice):
    notice = BounceNotice(
        to="sender@example.com",
        subject="Bounced",
        body="Your mail <OTRS_TICKET> went to <OTRS_BOUNCE_TO>. <OTRS_CUSTOMER_SUBJECT>",
    )

    bounce_article(
        actor=alice.actor,
        article=received,
        to="boss@example.org",
        notice=notice,
        state="closed successful",
    )

    ticket = received.ticket
    ticket.refresh_from_db()
    told = ticket.articles.get(channel__name="Email", sender_type__name="agent")
    assert told.to_address == "sender@example.com"
    assert told.body == f"Your mail {ticket.tn} went to boss@example.org. Alternative"
    assert told.is_visible_for_customer
    assert OutboundMail.objects.filter(article=told).count() == 1
    assert OutboundMail.objects.filter(article=received).count() == 1
    assert history_of(ticket, "Bounce") == ["%%boss@example.org", "%%sender@example.com"]
    assert ticket.state.name == "closed successful"
    assert ticket.lock_id == LockType.UNLOCK


def test_resent_message_keeps_everything_else():
    raw = (
        b"From: a@example.com\nMessage-ID:\n <folded@example.com>\nX-Long: one\n two\n"
        b"Subject: s\n\nbody\n"
    )

    message, message_id = resent_message(
        raw, resent_from="x@example.org", resent_to="y@example.org"
    )

    assert message.endswith(
        b"Message-ID: " + message_id.encode() + b"\r\nFrom: a@example.com\r\n"
        b"X-Long: one\r\n two\r\nSubject: s\r\n\r\nbody\r\n"
    )
    assert b"Resent-Message-ID: <folded@example.com>\r\n" in message
    assert message.count(b"folded@example.com") == 1


def test_resent_message_without_message_id_or_body():
    message, message_id = resent_message(
        b"From: a@example.com\r\n", resent_from="x@example.org", resent_to="Zoë <z@example.org>"
    )

    assert b"Resent-Message-ID" not in message
    assert b"Resent-To: =?utf-8?q?Zo=C3=AB?= <z@example.org>\r\n" in message
    assert message.endswith(
        b"Message-ID: " + message_id.encode() + b"\r\nFrom: a@example.com\r\n\r\n"
    )


def test_refusals_queue_nothing(received, alice, users_without_write):
    ticket = received.ticket
    written = ticket_create(
        actor=alice.actor,
        title="Typed in",
        queue="Raw",
        article=ArticleInput(channel="Phone", body="no mail here", is_visible_for_customer=True),
    ).articles.get()
    cases = [
        (dict(actor=alice.actor, article=received, to=""), InvalidValue, "at least one"),
        (
            dict(actor=alice.actor, article=received, to="Loop <OTRS@localhost>"),
            InvalidValue,
            "loop",
        ),
        (dict(actor=alice.actor, article=received, to="not an address"), InvalidValue, "valid"),
        (dict(actor=alice.actor, article=written, to="boss@example.org"), InvalidValue, "original"),
        (
            dict(actor=users_without_write.actor, article=received, to="boss@example.org"),
            PermissionDenied,
            "bounce",
        ),
    ]
    for kwargs, error, words in cases:
        with pytest.raises(error, match=words):
            bounce_article(**kwargs)

    assert OutboundMail.objects.count() == 0
    assert history_of(ticket, "Bounce") == []


def test_a_missing_stored_file_is_a_clear_error(received, alice):
    received.raw_message.storage.delete(received.raw_message.name)

    with pytest.raises(InvalidValue, match="missing"):
        bounce_article(actor=alice.actor, article=received, to="boss@example.org")


@pytest.fixture
def users_without_write():
    agent = AgentFactory(login="rita")
    grant(agent, Group.objects.get(name="users"), "ro")
    return agent
