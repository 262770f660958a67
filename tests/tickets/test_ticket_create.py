from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound, PermissionDenied
from ticketry.core.events import record_events
from ticketry.tickets.events import ArticleCreated, TicketCreated
from ticketry.tickets.models import (
    Article,
    Attachment,
    SearchDocument,
    Ticket,
    TicketHistory,
)
from ticketry.tickets.services import AttachmentInput, article_create, ticket_create

from .conftest import customer_mail

pytestmark = pytest.mark.django_db


def history_of(ticket):
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("history_type__name", "name")
    )


def test_create_opens_ticket_with_number_article_history_index_and_events(make_ticket, agent):
    with record_events() as events:
        ticket = make_ticket()

    ticket.refresh_from_db()
    assert ticket.tn.isdigit() and len(ticket.tn) == 16
    assert (ticket.queue.name, ticket.state.name, ticket.priority.name) == (
        "Raw",
        "new",
        "3 normal",
    )
    assert ticket.type.name == "Unclassified"
    assert ticket.lock.name == "unlock"
    assert ticket.owner == agent and ticket.responsible == agent
    assert (ticket.customer_user_id, ticket.customer_id) == ("jdoe", "acme")
    article = ticket.articles.get()
    assert article.channel.name == "Email" and article.sender_type.name == "customer"
    assert article.is_visible_for_customer
    assert history_of(ticket) == [
        ("NewTicket", f"%%{ticket.tn}%%Raw%%3 normal%%new%%{ticket.pk}"),
        ("CustomerUpdate", "%%CustomerID=acme;CustomerUser=jdoe;"),
        ("EmailCustomer", "%%"),
    ]
    assert SearchDocument.objects.filter(ticket=ticket).count() == 2
    assert [type(e) for e in events] == [ArticleCreated, TicketCreated]
    assert events[1].article_id == article.pk


def test_create_skips_a_number_a_ticket_has_already(make_ticket):
    clock.freeze(datetime(2015, 7, 15, 9, 0, tzinfo=UTC))
    imported = make_ticket()
    imported.pk = None
    imported.tn = "2015071510000029"
    imported.save()

    with record_events() as events:
        ticket = make_ticket()

    assert ticket.tn == "2015071510000038"
    assert history_of(ticket)[0] == ("NewTicket", f"%%{ticket.tn}%%Raw%%3 normal%%new%%{ticket.pk}")
    assert SearchDocument.objects.filter(ticket=ticket).count() == 2
    assert [type(e) for e in events] == [ArticleCreated, TicketCreated]
    assert make_ticket().tn == "2015071510000047"


def test_create_takes_one_statement_per_table(make_ticket, system_actor, django_assert_num_queries):
    make_ticket(actor=system_actor)
    # Customer user; savepoint; counter (a SELECT first where UPDATE returns no rows); ticket;
    # article; history rows; search documents; release.
    counter_statements = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(7 + counter_statements):
        make_ticket(actor=system_actor)


def test_follow_up_takes_one_statement_per_table(
    make_ticket, system_actor, django_assert_num_queries
):
    ticket = make_ticket(actor=system_actor)
    article_create(actor=system_actor, ticket=ticket.pk, article=customer_mail())
    # Savepoint; ticket lock; article; history; seen flags; search document; ticket; release.
    with django_assert_num_queries(8):
        article_create(actor=system_actor, ticket=ticket.pk, article=customer_mail())


def test_create_keeps_attachments_and_raw_message(make_ticket):
    ticket = make_ticket(
        article=customer_mail(
            raw_message=b"From: jdoe@example.com\r\n\r\nhello",
            attachments=[AttachmentInput("log.txt", b"line 1\n", "text/plain")],
        )
    )
    article = ticket.articles.get()
    assert article.raw_message.read() == b"From: jdoe@example.com\r\n\r\nhello"
    attachment = Attachment.objects.get(article=article)
    assert (attachment.filename, attachment.size, attachment.content.read()) == (
        "log.txt",
        7,
        b"line 1\n",
    )


def test_pending_state_needs_time_and_records_it(make_ticket):
    with pytest.raises(InvalidValue, match="needs a pending time"):
        make_ticket(state="pending reminder")
    until = clock.now() + timedelta(days=1)
    ticket = make_ticket(state="pending reminder", pending_until=until)
    assert ticket.pending_until == until
    assert history_of(ticket)[2][0] == "SetPendingTime"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("queue", "Nowhere", "Unknown queue “Nowhere”"),
        ("state", "sleeping", "Unknown state “sleeping”"),
        ("priority", "9 urgent", "Unknown priority “9 urgent”"),
        ("owner", "nobody", "Unknown agent “nobody”"),
        ("customer_user", "ghost", "Unknown customer user “ghost”"),
        ("type", "Incident", "Unknown ticket type “Incident”"),
    ],
)
def test_unknown_references_are_refused_and_nothing_is_written(make_ticket, field, value, message):
    with pytest.raises(NotFound, match=message):
        make_ticket(**{field: value})
    assert Ticket.objects.count() == 0
    assert TicketHistory.objects.count() == 0


def test_unknown_customer_is_kept_for_mail_when_allowed(make_ticket):
    ticket = make_ticket(customer_user="new@example.org", allow_unknown_customer=True)
    assert (ticket.customer_user_id, ticket.customer_id) == ("new@example.org", "")


def test_agent_needs_create_permission_on_the_queue(make_ticket):
    from tests.accounts.factories import AgentFactory

    outsider = AgentFactory(login="outsider")
    with pytest.raises(PermissionDenied, match="create"):
        make_ticket(actor=outsider.actor)
    assert Ticket.objects.count() == 0


def test_failure_inside_the_transaction_leaves_nothing_behind(make_ticket):
    with pytest.raises(NotFound, match="history type"):
        make_ticket(article=customer_mail(history_type="NoSuchType"))
    assert Ticket.objects.count() == 0
    assert Article.objects.count() == 0
    assert SearchDocument.objects.count() == 0


def test_article_create_adds_note_with_history_and_time(make_ticket, actor, other_agent):
    ticket = make_ticket()
    other_agent_actor = other_agent.actor
    with record_events() as events:
        note = article_create(
            actor=other_agent_actor,
            ticket=ticket,
            article=customer_mail(
                channel="Internal",
                sender_type="agent",
                is_visible_for_customer=False,
                subject="Checked",
                body="Called the customer.",
                history_type="AddNote",
                history_comment="%%Note",
                time_units="1,5",
            ),
        )
    assert note.ticket == ticket and note.time_units == 1.5
    assert history_of(ticket)[-2:] == [
        ("AddNote", "%%Note"),
        ("TimeAccounting", "%%1.5%%1.5"),
    ]
    ticket.refresh_from_db()
    assert ticket.changed_by == other_agent
    assert ticket.unlock_timeout_base == note.created_at
    assert [type(e).__name__ for e in events] == ["TicketTimeAccounted", "ArticleCreated"]


def test_customer_creates_ticket_for_herself(customer):
    ticket = ticket_create(
        actor=customer.actor,
        title="Login fails",
        queue="Misc",
        customer_user="someone-else",
        allow_unknown_customer=True,
        article=customer_mail(history_type="WebRequestCustomer"),
    )
    assert (ticket.customer_user_id, ticket.customer_id) == ("jdoe", "acme")
    assert ticket.created_by_id == Actor.system().agent_id
