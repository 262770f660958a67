"""The whole story with real servers: a customer's mail arrives by IMAP, the ticket and its
acknowledgement are made, an agent answers, the customer's reply to that answer lands on the
same ticket, and a second delivery of it changes nothing."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from ticketry.mail.fetching.accounts import fetch_account
from ticketry.mail.inbound import receive
from ticketry.mail.models import InboundMessage, MailAccountType
from ticketry.mail.outbound import compose_reply, send_due, send_email_article
from ticketry.tickets.models import Article, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def customer_mail(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = "John Doe <jdoe@example.com>"
    message["To"] = "Example Support <support@example.com>"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid("customer", "example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def test_mail_in_acknowledgement_out_answer_out_reply_in(
    support, jdoe, agent_bob, mail_account, smtp_server, settings
):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    account, mailbox = mail_account(MailAccountType.IMAP)

    # 1. The customer writes; the worker fetches the mailbox.
    mailbox.deliver(customer_mail("Printer on fire", "The printer in room 4 is smoking."))
    report = fetch_account(account.pk)
    assert report.error == ""
    assert mailbox.remaining() == []
    ticket = Ticket.objects.get()
    assert ticket.queue.name == "Misc"
    assert ticket.customer_user_id == "jdoe"

    # 2. The acknowledgement with the ticket number reaches the SMTP server.
    send_due()
    [acknowledgement] = smtp_server.messages
    assert acknowledgement.rcpt_tos == ["jdoe@example.com"]
    ack = acknowledgement.message
    assert f"[Ticket#{ticket.tn}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-generated"
    assert ack["X-Loop"] == "yes"
    # It reads like a helpdesk's: received, the ticket number, keep it in the subject.
    text = ack.get_content().replace("\r\n", "\n")
    assert text.startswith("Dear John Doe,\n\nthank you for your message.")
    assert f"opened ticket Ticket#{ticket.tn} for it" in text
    assert "please keep the ticket number in the subject" in text
    assert "> The printer in room 4 is smoking." in text

    # 3. An agent answers through the services; the mail threads under the customer's.
    customer_article = ticket.articles.filter(sender_type__name="customer").get()
    draft = compose_reply(ticket=ticket, article=customer_article, agent=agent_bob)
    answer = send_email_article(
        actor=agent_bob.actor,
        ticket=ticket,
        to=draft.to,
        subject=draft.subject,
        body="We are sending a technician.\n\n" + draft.body,
        in_reply_to=customer_article,
    )
    send_due()
    sent = smtp_server.messages[-1].message
    assert sent["Subject"] == f"Re: [Ticket#{ticket.tn}] Printer on fire"
    assert sent["In-Reply-To"] == customer_article.message_id
    assert customer_article.message_id in sent["References"]
    assert sent["From"] == "Example Support <support@example.com>"
    assert sent["Message-ID"] == answer.message_id

    # 4. The customer replies to the answer (no ticket number in the subject): a follow-up.
    reply = customer_mail(
        "Re: Printer on fire",
        "Thank you, the technician was here.",
        In_Reply_To=sent["Message-ID"],
        References=f"{sent['References']} {sent['Message-ID']}",
    )
    mailbox.deliver(reply)
    fetch_account(account.pk)
    assert Ticket.objects.count() == 1
    assert Article.objects.filter(ticket=ticket, sender_type__name="customer").count() == 2

    # 5. The same mail once more (a second fetch, an MTA retry): nothing new.
    mailbox.deliver(reply)
    fetch_account(account.pk)
    again = receive(reply)
    assert again.duplicate and again.ticket_number == ticket.tn
    assert Article.objects.filter(ticket=ticket, sender_type__name="customer").count() == 2
    assert InboundMessage.objects.count() == 2
