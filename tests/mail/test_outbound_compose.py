"""Sending mail from a ticket: the article, its queued message and how that message looks."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from importlib import metadata

import pytest
from django_tasks_db.models import DBTaskResult

from tests.accounts.factories import AgentFactory, grant
from tests.mail.fixtures_smtp import CUSTOMER_MESSAGE_ID, CUSTOMER_REFERENCES
from ticketry.accounts.models import Group
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, PermissionDenied
from ticketry.core.events import record_events
from ticketry.mail.models import OutboundMail, OutboundStatus
from ticketry.mail.outbound import send_email_article, transmission_status
from ticketry.mail.outbound.tasks import send_outbound_mail
from ticketry.mail.raw_messages import open_raw_message
from ticketry.tickets.events import ArticleCreated
from ticketry.tickets.models import Article, Queue, TicketHistory
from ticketry.tickets.services import AttachmentInput

pytestmark = pytest.mark.django_db

MOMENT = datetime(2015, 7, 15, 10, 12, 34, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def alice():
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Agent")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


def customer_article(ticket) -> Article:
    return ticket.articles.get(message_id=CUSTOMER_MESSAGE_ID)


def parsed(mail: OutboundMail):
    return message_from_bytes(bytes(mail.message), policy=policy.default)


def answer(ticket, actor, **overrides) -> Article:
    values = {
        "actor": actor,
        "ticket": ticket,
        "to": '"John Doe" <jdoe@example.com>',
        "subject": f"Re: [Ticket#{ticket.tn}] Printer on fire",
        "body": "We are on our way.\n",
        "in_reply_to": customer_article(ticket),
    }
    values.update(overrides)
    return send_email_article(**values)


def test_an_answer_is_an_email_article_with_its_queued_message(mail_ticket, alice):
    clock.freeze(MOMENT)
    with record_events() as events:
        article = answer(mail_ticket, alice.actor, time_units=5)

    assert article.channel.name == "Email"
    assert article.sender_type.name == "agent"
    assert article.is_visible_for_customer
    assert article.from_address == "Example Support <support@example.com>"
    assert article.to_address == '"John Doe" <jdoe@example.com>'
    assert article.body == "We are on our way.\n"
    assert article.time_units == 5
    # The queued message is the article's raw message, the only copy of it.
    assert not article.raw_message
    history = TicketHistory.objects.filter(article=article).values_list(
        "history_type__name", "name"
    )
    assert ("SendAnswer", '%%"John Doe" <jdoe@example.com>') in list(history)
    assert [e.history_type for e in events if isinstance(e, ArticleCreated)] == ["SendAnswer"]

    mail = OutboundMail.objects.get(article=article)
    assert mail.ticket_id == mail_ticket.pk
    assert mail.status == OutboundStatus.QUEUED
    assert mail.attempts == 0
    assert mail.next_attempt_at == MOMENT
    assert mail.envelope_from == "support@example.com"
    assert mail.recipients == ["jdoe@example.com"]
    assert mail.message_id == article.message_id
    assert bytes(mail.message).startswith(b"Date: ")
    assert open_raw_message(article).read() == bytes(mail.message)
    status = transmission_status(article)
    assert (status.status, status.attempts, status.next_attempt_at) == ("queued", 0, MOMENT)
    assert str(status.label) == "queued"


def test_the_headers_identify_sender_recipients_and_thread(mail_ticket, alice, settings):
    settings.FQDN = "helpdesk.example.com"
    clock.freeze(MOMENT)
    article = answer(
        mail_ticket, alice.actor, cc="Boss <boss@example.com>, ops@example.com", bcc="audit@x.org"
    )
    message = parsed(OutboundMail.objects.get(article=article))

    assert message["From"] == "Example Support <support@example.com>"
    assert message["To"] == "John Doe <jdoe@example.com>"
    assert message["Cc"] == "Boss <boss@example.com>, ops@example.com"
    assert message["Bcc"] is None
    assert message["Subject"] == f"Re: [Ticket#{mail_ticket.tn}] Printer on fire"
    assert message["Date"].datetime == MOMENT
    assert message["Message-ID"] == article.message_id
    assert article.message_id.startswith(f"<{int(MOMENT.timestamp())}.")
    assert article.message_id.endswith("@helpdesk.example.com>")
    assert message["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert message["References"].split() == [CUSTOMER_REFERENCES, CUSTOMER_MESSAGE_ID]
    assert (article.in_reply_to, article.references) == (
        CUSTOMER_MESSAGE_ID,
        f"{CUSTOMER_REFERENCES} {CUSTOMER_MESSAGE_ID}",
    )
    assert message["X-Mailer"] == f"Ticketry Mail Service ({metadata.version('ticketry')})"
    assert message["X-Loop"] is None and message["Auto-Submitted"] is None
    assert OutboundMail.objects.get(article=article).recipients == [
        "jdoe@example.com",
        "boss@example.com",
        "ops@example.com",
        "audit@x.org",
    ]
    assert article.bcc == "audit@x.org"


def test_a_reply_to_the_reply_continues_the_thread(mail_ticket, alice):
    first = answer(mail_ticket, alice.actor)
    second = answer(mail_ticket, alice.actor, in_reply_to=first)
    assert second.in_reply_to == first.message_id
    assert second.references.split() == [
        CUSTOMER_REFERENCES,
        CUSTOMER_MESSAGE_ID,
        first.message_id,
    ]


def test_auto_responses_are_marked_as_automatic(mail_ticket):
    article = send_email_article(
        actor=Actor.system(),
        ticket=mail_ticket.pk,
        to="jdoe@example.com",
        subject=f"[Ticket#{mail_ticket.tn}] RE: Printer on fire",
        body="Thank you.",
        in_reply_to=customer_article(mail_ticket),
        sender_type="system",
        history_type="SendAutoReply",
        auto_response=True,
        extra_headers={"X-Custom": "1", "Precedence": "auto_reply"},
    )
    message = parsed(OutboundMail.objects.get(article=article))
    assert message["X-Loop"] == "yes"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_all("Precedence") == ["auto_reply"]
    assert message["X-Custom"] == "1"
    assert message["X-Mailer"].startswith("Ticketry Mail Service (")
    assert article.sender_type.name == "system"


def test_text_html_inline_images_and_attachments_parse_back(mail_ticket, alice):
    article = answer(
        mail_ticket,
        alice.actor,
        body="See the picture. Grüße\n",
        body_html='<p>See the <img src="cid:pic1@example.com"> picture. Grüße</p>',
        attachments=[
            AttachmentInput(
                filename="pic.png",
                content=PNG,
                content_type="image/png",
                content_id="<pic1@example.com>",
                disposition="inline",
            ),
            AttachmentInput(filename="Bericht März.pdf", content=b"%PDF-1.4 x", content_type=""),
            AttachmentInput(filename="notes.txt", content=b"a\nb\n", content_type="text/plain"),
        ],
    )
    message = parsed(OutboundMail.objects.get(article=article))

    assert message.get_content_type() == "multipart/mixed"
    alternative, pdf, notes = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, related = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    # Text travels in canonical form, with CRLF line ends.
    assert text.get_content() == "See the picture. Grüße\r\n"
    assert related.get_content_type() == "multipart/related"
    html, image = related.iter_parts()
    assert "Grüße" in html.get_content()
    assert image["Content-ID"] == "<pic1@example.com>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    assert pdf.get_content_type() == "application/octet-stream"
    assert pdf.get_filename() == "Bericht März.pdf"
    assert pdf.get_content() == b"%PDF-1.4 x"
    assert notes.get_filename() == "notes.txt"
    assert notes.get_payload(decode=True) == b"a\nb\n"
    assert article.content_type == "text/html"
    assert sorted(a.filename for a in article.attachments.all()) == [
        "Bericht März.pdf",
        "notes.txt",
        "pic.png",
    ]
    # Every part travels as 7-bit, so no relay has to support 8BITMIME.
    assert max(bytes(OutboundMail.objects.get(article=article).message)) < 128


def test_a_plain_message_is_a_single_text_part(mail_ticket, alice):
    article = answer(
        mail_ticket, alice.actor, subject="Grüße aus dem Support", to="Jörg <jdoe@exämple.com>"
    )
    raw = bytes(OutboundMail.objects.get(article=article).message)
    message = message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Subject"] == "Grüße aus dem Support"
    assert message["To"] == "Jörg <jdoe@xn--exmple-cua.com>"
    assert b"=?utf-8?" in raw
    assert b"\r\n" in raw


def test_a_line_break_in_the_subject_does_not_break_the_header(mail_ticket, alice):
    article = answer(mail_ticket, alice.actor, subject="Printer\r\nBcc: victim@example.com")
    message = parsed(OutboundMail.objects.get(article=article))
    assert message["Subject"] == "Printer Bcc: victim@example.com"
    assert message["Bcc"] is None


def test_html_without_text_gets_a_text_part_from_the_html(mail_ticket, alice):
    article = answer(mail_ticket, alice.actor, body="", body_html="<p>Hello <b>there</b></p>")
    message = parsed(OutboundMail.objects.get(article=article))
    text, html = message.iter_parts()
    assert "Hello there" in text.get_content()
    assert html.get_content_type() == "text/html"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("to", "not an address"),
        ("to", ""),
        ("cc", "x@"),
        ("cc", "@example.com"),
        ("bcc", "ok@example.com, two words@example.com"),
        ("bcc", "jdöe@example.com"),
    ],
)
def test_invalid_recipients_are_refused_and_nothing_is_written(mail_ticket, alice, field, value):
    with pytest.raises(InvalidValue):
        answer(mail_ticket, alice.actor, **{field: value})
    assert not OutboundMail.objects.exists()
    assert mail_ticket.articles.count() == 1


def test_agents_without_write_permission_cannot_send(mail_ticket):
    stranger = AgentFactory(login="stranger")
    with pytest.raises(PermissionDenied):
        answer(mail_ticket, stranger.actor)
    assert not OutboundMail.objects.exists()


def test_the_message_is_handed_to_a_worker_after_the_commit(
    mail_ticket, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = answer(mail_ticket, alice.actor)
    mail = OutboundMail.objects.get(article=article)
    job = DBTaskResult.objects.get(task_path=send_outbound_mail.module_path)
    assert job.args_kwargs == {"args": [mail.pk], "kwargs": {}}


def test_the_sender_defaults_to_the_first_system_address_without_one_for_the_queue(
    mail_ticket, alice
):
    Queue.objects.filter(pk=mail_ticket.queue_id).update(system_address=None)
    article = answer(mail_ticket, alice.actor)
    assert article.from_address == "OTRS System <otrs@localhost>"
