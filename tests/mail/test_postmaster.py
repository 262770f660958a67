from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from tests.mail.builders import mail
from ticketry.core import clock, sysconfig
from ticketry.core.actor import Actor
from ticketry.mail.inbound import receive
from ticketry.mail.models import InboundMessage, InboundStatus, OutboundMail, PostmasterFilter
from ticketry.mail.outbound import send_email_article
from ticketry.tickets import services
from ticketry.tickets.models import (
    Article,
    FollowUpOption,
    Queue,
    Ticket,
    TicketHistory,
    TicketLink,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def ticket_of(delivery) -> Ticket:
    return Ticket.objects.get(tn=delivery.ticket_number)


def history_types(ticket: Ticket) -> list[str]:
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("history_type__name", flat=True)
    )


# New tickets


def test_mail_to_a_system_address_opens_a_ticket_in_its_queue(support, jdoe):
    delivery = receive(mail(subject="Printer on fire", to="Support <support@example.com>"))
    assert delivery.outcome == "new_ticket"
    ticket = ticket_of(delivery)
    assert ticket.queue.name == "Misc"
    assert ticket.title == "Printer on fire"
    assert ticket.state.name == "new"
    assert ticket.priority.name == "3 normal"
    assert (ticket.customer_user_id, ticket.customer_id) == ("jdoe", "acme")
    article = Article.objects.get(pk=delivery.article_id)
    assert article.channel.name == "Email"
    assert article.sender_type.name == "customer"
    assert article.is_visible_for_customer
    assert "smoking" in article.body
    assert article.raw_message
    assert history_types(ticket)[:2] == ["NewTicket", "CustomerUpdate"]
    assert "EmailCustomer" in history_types(ticket)


def test_mail_nobody_claims_goes_to_the_default_queue_with_the_address_as_customer(support):
    delivery = receive(mail(sender="Stranger <New.Person@Example.org>", to="sales@example.com"))
    ticket = ticket_of(delivery)
    assert ticket.queue.name == "Raw"
    assert ticket.customer_user_id == "new.person@example.org"
    assert ticket.customer_id == "new.person@example.org"


def test_a_mail_account_with_a_fixed_queue_puts_everything_there(support):
    postmaster = Queue.objects.get(name="Postmaster")
    delivery = receive(mail(), queue=postmaster)
    assert ticket_of(delivery).queue == postmaster


def test_trusted_x_otrs_headers_set_the_ticket(support, agent_bob):
    headers = {
        "X-OTRS-Queue": "Junk",
        "X-OTRS-Priority": "5 very high",
        "X-OTRS-State": "open",
        "X-OTRS-Title": "From the monitoring",
        "X-OTRS-Owner": "bob",
        "X-OTRS-CustomerUser": "external-login",
        "X-OTRS-CustomerNo": "EXT",
        "X-OTRS-SenderType": "system",
        "X-OTRS-IsVisibleForCustomer": "0",
    }
    delivery = receive(mail(headers=headers), trusted=True)
    ticket = ticket_of(delivery)
    assert ticket.queue.name == "Junk"
    assert ticket.priority.name == "5 very high"
    assert ticket.state.name == "open"
    assert ticket.title == "From the monitoring"
    assert ticket.owner == agent_bob
    assert (ticket.customer_user_id, ticket.customer_id) == ("external-login", "EXT")
    article = Article.objects.get(pk=delivery.article_id)
    assert article.sender_type.name == "system"
    assert not article.is_visible_for_customer


def test_x_otrs_headers_from_an_untrusted_source_are_ignored(support):
    headers = {"X-OTRS-Queue": "Junk", "X-OTRS-Priority": "5 very high", "X-OTRS-Ignore": "yes"}
    delivery = receive(mail(headers=headers), trusted=False)
    ticket = ticket_of(delivery)
    assert ticket.queue.name == "Misc"
    assert ticket.priority.name == "3 normal"


def test_pending_time_header_relative_and_absolute(support):
    relative = ticket_of(
        receive(
            mail(headers={"X-OTRS-State": "pending reminder", "X-OTRS-State-PendingTime": "+2h"}),
            trusted=True,
        )
    )
    assert abs(relative.pending_until - (clock.now() + timedelta(hours=2))) < timedelta(minutes=1)
    absolute = ticket_of(
        receive(
            mail(
                headers={
                    "X-OTRS-State": "pending reminder",
                    "X-OTRS-State-PendingTime": "2031-05-04 10:00:00",
                }
            ),
            trusted=True,
        )
    )
    assert clock.localtime(absolute.pending_until).strftime("%Y-%m-%d %H:%M") == "2031-05-04 10:00"


def test_an_unknown_trusted_queue_does_not_lose_the_mail(support):
    delivery = receive(mail(headers={"X-OTRS-Queue": "No such queue"}), trusted=True)
    assert delivery.outcome in ("new_ticket", "quarantined")
    message = InboundMessage.objects.get(pk=delivery.inbound_id)
    if delivery.outcome == "quarantined":
        assert "No such queue" in message.error
    else:
        assert ticket_of(delivery).queue.name == "Misc"


# Follow-ups


def test_a_reply_with_the_ticket_number_in_the_subject_is_a_follow_up(support):
    first = receive(mail(subject="Printer on fire"))
    reply = receive(mail(subject=f"RE: [Ticket#{first.ticket_number}] Printer on fire"))
    assert reply.outcome == "follow_up"
    assert reply.ticket_number == first.ticket_number
    ticket = ticket_of(first)
    assert ticket.articles.count() >= 2
    # A follow-up to a ticket nobody has touched leaves it new.
    assert ticket.state.name == "new"
    assert "FollowUp" in history_types(ticket)


def test_a_reply_found_by_references_is_a_follow_up(support):
    first = receive(mail(message_id="<original@example.com>", subject="Hello"))
    reply = receive(
        mail(
            subject="Re: Hello",
            headers={
                "In-Reply-To": "<original@example.com>",
                "References": "<older@example.com> <original@example.com>",
            },
        )
    )
    assert reply.outcome == "follow_up"
    assert reply.ticket_number == first.ticket_number


def test_a_follow_up_reopens_a_worked_ticket(support):
    first = receive(mail())
    services.ticket_set_state(actor=Actor.system(), ticket=ticket_of(first), state="open")
    services.ticket_set_state(
        actor=Actor.system(), ticket=ticket_of(first), state="closed successful"
    )
    receive(mail(subject=f"[Ticket#{first.ticket_number}] still broken"))
    assert ticket_of(first).state.name == "open"


def test_follow_up_state_keep_header_keeps_the_state(support):
    first = receive(mail())
    services.ticket_set_state(actor=Actor.system(), ticket=ticket_of(first), state="open")
    services.ticket_set_state(
        actor=Actor.system(),
        ticket=ticket_of(first),
        state="pending reminder",
        pending_until=clock.now() + timedelta(days=1),
    )
    receive(
        mail(
            subject=f"[Ticket#{first.ticket_number}] fyi",
            headers={"X-OTRS-FollowUp-State-Keep": "1"},
        ),
        trusted=True,
    )
    assert ticket_of(first).state.name == "pending reminder"


def test_follow_up_to_a_closed_ticket_is_rejected_when_the_queue_says_so(support):
    first = receive(mail())
    ticket = ticket_of(first)
    Queue.objects.filter(pk=ticket.queue_id).update(follow_up=FollowUpOption.REJECT)
    services.ticket_set_state(actor=Actor.system(), ticket=ticket, state="closed successful")
    reply = receive(mail(subject=f"Re: [Ticket#{ticket.tn}] thanks"))
    assert reply.outcome == "follow_up_rejected"
    assert ticket_of(first).state.name == "closed successful"
    reject = OutboundMail.objects.filter(ticket=ticket).order_by("-id").first()
    assert reject is not None
    assert b"rejected" in bytes(reject.message)


def test_follow_up_to_a_closed_ticket_opens_a_linked_new_one_when_the_queue_says_so(support):
    first = receive(mail())
    ticket = ticket_of(first)
    Queue.objects.filter(pk=ticket.queue_id).update(follow_up=FollowUpOption.NEW_TICKET)
    services.ticket_set_state(actor=Actor.system(), ticket=ticket, state="closed successful")
    reply = receive(mail(subject=f"Re: [Ticket#{ticket.tn}] it is back"))
    assert reply.outcome == "new_ticket_for_closed"
    new = ticket_of(reply)
    assert new.pk != ticket.pk
    assert ticket.tn not in new.title
    assert TicketLink.objects.filter(source=ticket, target=new).exists()


def test_mail_for_a_merged_ticket_goes_to_the_merge_target(support):
    source = ticket_of(receive(mail(subject="one")))
    target = ticket_of(receive(mail(subject="two")))
    services.ticket_merge(actor=Actor.system(), source=source, target=target)
    reply = receive(mail(subject=f"Re: [Ticket#{source.tn}] one"))
    assert reply.outcome == "follow_up"
    assert reply.ticket_number == target.tn


# Filters


def make_filter(name, matches, sets, stop=False):
    return PostmasterFilter.objects.create(
        name=name, matches=matches, sets=sets, stop_after_match=stop
    )


def test_a_filter_routes_by_sender_and_sets_the_priority(support):
    make_filter(
        "10-vip",
        [{"header": "From", "value": r"@vip\.example\.com"}],
        [
            {"header": "X-OTRS-Queue", "value": "Junk"},
            {"header": "X-OTRS-Priority", "value": "4 high"},
        ],
    )
    vip = ticket_of(receive(mail(sender="Boss <boss@vip.example.com>")))
    other = ticket_of(receive(mail()))
    assert (vip.queue.name, vip.priority.name) == ("Junk", "4 high")
    assert (other.queue.name, other.priority.name) == ("Misc", "3 normal")


def test_filter_email_address_match_negation_and_capture(support):
    make_filter(
        "20-alerts",
        [
            {"header": "To", "value": "EMAILADDRESS:alerts@example\\.com"},
            {"header": "Subject", "value": r"host (\w+) down"},
            {"header": "X-Test", "value": "skip", "negate": True},
        ],
        [{"header": "X-OTRS-Title", "value": "Outage of [***]"}],
    )
    hit = ticket_of(receive(mail(to="Ops <alerts@example.com>", subject="host db1 down")))
    assert hit.title == "Outage of db1"
    near = ticket_of(receive(mail(to="not-alerts@example.com", subject="host db2 down")))
    assert near.title == "host db2 down"
    negated = ticket_of(
        receive(mail(to="alerts@example.com", subject="host db3 down", headers={"X-Test": "skip"}))
    )
    assert negated.title == "host db3 down"


def test_filters_run_in_name_order_and_stop_after_match(support):
    make_filter(
        "1-first",
        [{"header": "Subject", "value": "."}],
        [{"header": "X-OTRS-Priority", "value": "1 very low"}],
        stop=True,
    )
    make_filter(
        "2-second",
        [{"header": "Subject", "value": "."}],
        [{"header": "X-OTRS-Priority", "value": "5 very high"}],
    )
    assert ticket_of(receive(mail())).priority.name == "1 very low"


def test_pictures_the_html_shows_are_no_attachments_for_filters_or_the_ticket(support):
    # Both pictures in the text are declared as attachments (OTRS bug 14949).
    make_filter(
        "attachments",
        [
            {"header": "X-OTRS-AttachmentExists", "value": "yes"},
            {"header": "X-OTRS-AttachmentCount", "value": r"(\d+)"},
        ],
        [{"header": "X-OTRS-Title", "value": "[***] attachments"}],
    )
    raw = (FIXTURES / "inline_declared_attachment.eml").read_bytes()

    ticket = ticket_of(receive(raw))

    assert ticket.title == "2 attachments"
    article = ticket.articles.get(sender_type__name="customer")
    assert sorted(article.attachments.values_list("filename", "disposition")) == [
        ("image001.png", "inline"),
        ("image002.png", "inline"),
        ("log.pdf", "attachment"),
        ("photo.png", "attachment"),
    ]


def test_a_filter_can_ignore_a_mail(support):
    make_filter(
        "noreply",
        [{"header": "From", "value": "noreply@"}],
        [{"header": "X-OTRS-Ignore", "value": "yes"}],
    )
    delivery = receive(mail(sender="noreply@shop.example.com"))
    assert delivery.outcome == "ignored"
    assert delivery.ticket_number == ""
    assert InboundMessage.objects.get(pk=delivery.inbound_id).status == InboundStatus.PROCESSED


# Auto-responses and loop protection


def auto_mails(ticket: Ticket) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(ticket=ticket).order_by("id"))


def test_a_new_ticket_gets_an_auto_reply_with_its_number(support):
    ticket = ticket_of(receive(mail(subject="Printer on fire, please help quickly")))
    [reply] = auto_mails(ticket)
    assert reply.recipients == ["jdoe@example.com"]
    message = bytes(reply.message)
    assert f"[Ticket#{ticket.tn}] RE: Printer on fire, please [...]".encode() in message
    assert b"X-Loop: yes" in message
    assert b"Precedence: bulk" in message
    assert b"Auto-Submitted: auto-generated" in message
    assert "SendAutoReply" in history_types(ticket)


def test_the_auto_follow_up_subject_is_cut_after_the_customers_prefix_pile(support):
    first = receive(mail(subject="Invoice 2026-118 for the new office"))
    ticket = ticket_of(first)

    receive(mail(subject=f"[Ticket#{ticket.tn}] RE: AW: Re: Invoice 2026-118 for the new office"))

    follow_up = auto_mails(ticket)[-1]
    subject = message_from_bytes(bytes(follow_up.message), policy=default)["Subject"]
    assert subject == f"[Ticket#{ticket.tn}] RE: Invoice 2026-118 for the [...]"


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "bulk"},
        {"X-Loop": "yes"},
        {"Auto-Submitted": "auto-replied"},
        {"List-Id": "x"} | {"Mailing-List": "list@example.com"},
    ],
)
def test_no_auto_reply_to_automatic_mail(support, headers):
    ticket = ticket_of(receive(mail(headers=headers)))
    assert auto_mails(ticket) == []
    assert "Misc" in history_types(ticket)


def test_auto_submitted_no_still_gets_an_answer(support):
    ticket = ticket_of(receive(mail(headers={"Auto-Submitted": "no"})))
    assert len(auto_mails(ticket)) == 1


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.net", "support@example.com"]
)
def test_no_auto_reply_to_daemons_or_ourselves(support, sender):
    ticket = ticket_of(receive(mail(sender=sender, to="support@example.com")))
    assert auto_mails(ticket) == []


def test_a_sender_no_mail_can_be_sent_to_keeps_the_ticket_without_an_answer(support):
    delivery = receive(mail(sender="sarah.köhler@example.com"))

    assert delivery.outcome == "new_ticket"
    ticket = ticket_of(delivery)
    assert auto_mails(ticket) == []
    note = ticket.history.get(history_type__name="Misc")
    assert "not a plain ASCII address" in note.name
    assert "sarah.köhler@example.com" in note.name


def test_loop_protection_limits_auto_replies_per_address_and_day(support):
    sysconfig.set_value("PostmasterMaxEmails", 2)
    tickets = [ticket_of(receive(mail(subject=f"mail {n}"))) for n in range(3)]
    assert [len(auto_mails(ticket)) for ticket in tickets] == [1, 1, 0]
    assert "LoopProtection" in history_types(tickets[2])
    sysconfig.set_value("PostmasterMaxEmailsPerAddress", {"JDoe@example.com": 5})
    assert len(auto_mails(ticket_of(receive(mail(subject="mail 4"))))) == 1


def test_a_follow_up_gets_the_follow_up_auto_response(support):
    first = receive(mail())
    services.ticket_set_state(actor=Actor.system(), ticket=ticket_of(first), state="open")
    receive(mail(subject=f"Re: [Ticket#{first.ticket_number}] more"))
    ticket = ticket_of(first)
    assert "SendAutoFollowUp" in history_types(ticket)


# Bounces


def bounce_for(message_id: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.com\r\n"
        "To: support@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@example.com\r\nTo: gone@example.org\r\nMessage-ID: {message_id}\r\n"
        "Subject: [Ticket#1] answer\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_goes_to_the_ticket_of_the_bounced_mail(support):
    ticket = ticket_of(receive(mail()))
    [auto_reply] = auto_mails(ticket)
    tickets_before = Ticket.objects.count()
    delivery = receive(bounce_for(auto_reply.message_id))
    assert delivery.outcome == "follow_up"
    assert delivery.ticket_number == ticket.tn
    assert Ticket.objects.count() == tickets_before
    auto_reply.refresh_from_db()
    assert auto_reply.status == "failed"
    assert "user unknown" in auto_reply.last_error


def test_a_reply_to_an_internal_forward_stays_internal(support, jdoe, agent_bob):
    ticket = ticket_of(receive(mail()))
    forward = send_email_article(
        actor=agent_bob.actor,
        ticket=ticket,
        to="Partner <expert@partner.example>",
        subject=f"Fwd: [Ticket#{ticket.tn}] Printer on fire",
        body="Can you have a look?",
        is_visible_for_customer=False,
        history_type="Forward",
    )
    reply = receive(
        mail(
            sender="Expert <expert@partner.example>",
            subject=f"Re: [Ticket#{ticket.tn}] Printer on fire",
            headers={"In-Reply-To": forward.message_id},
        )
    )
    assert reply.outcome == "follow_up"
    assert not Article.objects.get(pk=reply.article_id).is_visible_for_customer
    customer_reply = receive(mail(subject=f"Re: [Ticket#{ticket.tn}] still smoking"))
    assert Article.objects.get(pk=customer_reply.article_id).is_visible_for_customer
