"""Each mail is stored once: a received mail as its file, a sent mail as its queued message,
and an article's raw message is that one copy."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.accounts.factories import AgentFactory, grant
from tests.mail.builders import mail
from ticketry.accounts.models import Group
from ticketry.mail.inbound import receive
from ticketry.mail.models import InboundMessage, OutboundMail
from ticketry.mail.outbound import resend, send_due, send_email_article
from ticketry.mail.outbound.bounce import bounce_article
from ticketry.mail.raw_messages import has_raw_message, open_raw_message, with_raw_message_flag
from ticketry.tickets.models import Article, Ticket
from ticketry.tickets.services import ArticleInput, AttachmentInput, article_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Agent")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


@pytest.fixture
def storage_writes():
    """The names saved to the default storage while the test runs."""
    names: list[str] = []
    save = default_storage.save

    def counting(name, content, max_length=None):
        names.append(save(name, content, max_length=max_length))
        return names[-1]

    with mock.patch.object(default_storage, "save", counting):
        yield names


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    settings.MAIL_TRANSPORT_URL = f"file://{tmp_path}"
    return tmp_path


def sent_files(outbox: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(outbox.glob("*.eml"))]


def raw_of(article: Article) -> bytes | None:
    file = open_raw_message(article)
    if file is None:
        return None
    with file:
        return file.read()


def acknowledged(raw: bytes) -> tuple[Article, Article]:
    """The customer's article and the acknowledgement of a new mail."""
    delivery = receive(raw)
    ticket = Ticket.objects.get(tn=delivery.ticket_number)
    customer, acknowledgement = ticket.articles.order_by("id")
    assert acknowledgement.sender_type.name == "system"
    return customer, acknowledgement


def answer(ticket: Ticket, agent) -> Article:
    return send_email_article(
        actor=agent.actor,
        ticket=ticket,
        to='"John Doe" <jdoe@example.com>',
        subject=f"Re: [Ticket#{ticket.tn}] Printer on fire",
        body="We are on our way.\n",
    )


def test_a_new_mail_and_its_acknowledgement_write_storage_once(support, jdoe, storage_writes):
    raw = mail()

    customer, acknowledgement = acknowledged(raw)

    (inbound,) = InboundMessage.objects.all()
    assert storage_writes == [inbound.raw.name]
    assert customer.raw_message.name == inbound.raw.name
    assert raw_of(customer) == raw
    assert not acknowledgement.raw_message
    (queued,) = OutboundMail.objects.filter(article=acknowledgement)
    assert raw_of(acknowledgement) == bytes(queued.message)
    assert has_raw_message(customer) and has_raw_message(acknowledgement)


def test_a_follow_up_and_its_confirmation_write_storage_once(support, jdoe, storage_writes):
    customer, _ack = acknowledged(mail())
    storage_writes.clear()

    delivery = receive(mail(subject=f"[Ticket#{customer.ticket.tn}] Still smoking"))

    assert delivery.outcome == "follow_up"
    assert storage_writes == [InboundMessage.objects.order_by("id").last().raw.name]
    assert OutboundMail.objects.count() == 2


def test_an_answer_writes_nothing_to_storage(mail_ticket, alice, storage_writes):
    article = answer(mail_ticket, alice)

    assert storage_writes == []
    assert not article.raw_message
    assert raw_of(article) == bytes(OutboundMail.objects.get(article=article).message)


def test_the_attachments_of_an_answer_are_its_only_storage_writes(
    mail_ticket, alice, storage_writes
):
    article = send_email_article(
        actor=alice.actor,
        ticket=mail_ticket,
        to="jdoe@example.com",
        subject="Your invoice",
        body="Attached.\n",
        attachments=[AttachmentInput("invoice.pdf", b"%PDF-1.4", "application/pdf")],
    )

    assert storage_writes == [article.attachments.get().content.name]


def test_the_acknowledgement_goes_out_as_its_raw_message(support, jdoe, outbox):
    _customer, acknowledgement = acknowledged(mail())

    assert len(send_due().sent) == 1

    assert sent_files(outbox) == [raw_of(acknowledgement)]


def test_a_resent_answer_is_its_raw_message_again(mail_ticket, alice, outbox):
    article = answer(mail_ticket, alice)
    send_due()

    resend(OutboundMail.objects.get(article=article).pk, actor=alice.actor)
    send_due()

    assert sent_files(outbox) == [raw_of(article)] * 2


def test_a_bounced_answer_goes_on_as_sent_and_stays_the_raw_message(mail_ticket, alice, outbox):
    article = answer(mail_ticket, alice)
    sent = raw_of(article)

    bounced = bounce_article(actor=alice.actor, article=article, to="boss@example.org")

    assert bytes(bounced.message).partition(b"\r\n\r\n")[2] == sent.partition(b"\r\n\r\n")[2]
    assert bounced.article_id == article.pk
    assert raw_of(article) == sent
    send_due()
    assert sorted(sent_files(outbox)) == sorted([sent, bytes(bounced.message)])


def test_an_article_with_a_raw_file_from_before_reads_the_file(mail_ticket, alice):
    article = answer(mail_ticket, alice)
    # Mail sent before was kept as a file as well; that file stays the one read.
    article.raw_message.save("old.eml", ContentFile(b"Subject: as stored before\r\n\r\nx\r\n"))

    assert raw_of(article) == b"Subject: as stored before\r\n\r\nx\r\n"


def test_a_note_has_no_raw_message(mail_ticket, alice):
    note = article_create(
        actor=alice.actor,
        ticket=mail_ticket,
        article=ArticleInput(subject="Called him", body="He is on it."),
    )
    sent = answer(mail_ticket, alice)
    bounce_article(actor=alice.actor, article=sent, to="boss@example.org")

    assert open_raw_message(note) is None
    assert not has_raw_message(note)
    flags = with_raw_message_flag(mail_ticket.articles.order_by("id"))
    # The fixture's customer article was made without a raw message.
    assert [bool(article.has_raw_message) for article in flags] == [False, False, True]


def test_a_missing_file_is_an_error_not_an_empty_message(support, jdoe):
    customer, _ack = acknowledged(mail())
    default_storage.delete(customer.raw_message.name)

    with pytest.raises(OSError):
        open_raw_message(customer)
