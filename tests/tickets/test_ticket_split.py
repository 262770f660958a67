import pytest

from tests.accounts.factories import AgentFactory, grant
from ticketry.core.errors import NotFound, PermissionDenied
from ticketry.core.events import record_events
from ticketry.tickets.events import ArticleCreated, TicketCreated, TicketLinkAdded
from ticketry.tickets.models import Article, Ticket, TicketHistory, TicketLink
from ticketry.tickets.services import AttachmentInput, ticket_split

from .conftest import customer_mail

pytestmark = pytest.mark.django_db


def history_of(ticket):
    return list(
        TicketHistory.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("history_type__name", "name")
    )


def test_split_opens_a_child_ticket_with_the_articles_text_and_attachments(make_ticket, actor):
    parent = make_ticket(
        article=customer_mail(
            subject="Two problems",
            body="The printer burns. Also the coffee machine leaks.",
            attachments=[AttachmentInput("photo.jpg", b"\xff\xd8jpeg", "image/jpeg")],
        )
    )
    article = parent.articles.get()

    with record_events() as events:
        child = ticket_split(actor=actor, article=article, title="Coffee machine", queue="Misc")

    child.refresh_from_db()
    assert (child.title, child.queue.name, child.state.name) == ("Coffee machine", "Misc", "open")
    assert (child.customer_user_id, child.customer_id) == ("jdoe", "acme")
    new_article = child.articles.get()
    assert (new_article.channel.name, new_article.sender_type.name) == ("Phone", "customer")
    assert new_article.is_visible_for_customer
    assert (new_article.subject, new_article.body) == (article.subject, article.body)
    assert new_article.from_address == article.from_address
    copied = new_article.attachments.get()
    assert (copied.filename, copied.content_type, copied.size) == ("photo.jpg", "image/jpeg", 6)
    assert copied.content.read() == b"\xff\xd8jpeg"
    assert Article.objects.get(pk=article.pk).ticket == parent
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.link_type.name) == (parent, child, "ParentChild")
    assert history_of(child) == [
        ("NewTicket", f"%%{child.tn}%%Misc%%3 normal%%open%%{child.pk}"),
        ("CustomerUpdate", "%%CustomerID=acme;CustomerUser=jdoe;"),
        ("PhoneCallCustomer", "%%"),
        ("TicketLinkAdd", f"%%{parent.tn}%%{parent.pk}%%{child.pk}"),
    ]
    assert history_of(parent)[-1] == ("TicketLinkAdd", f"%%{child.tn}%%{child.pk}%%{parent.pk}")
    assert [type(e) for e in events] == [
        ArticleCreated,
        TicketCreated,
        TicketLinkAdded,
        TicketLinkAdded,
    ]


def test_split_takes_the_agents_edits_and_time_units(make_ticket, actor, customer):
    parent = make_ticket()
    article = parent.articles.get()

    child = ticket_split(
        actor=actor,
        article=article.pk,
        title="Edited",
        queue="Raw",
        subject="Only the coffee",
        body="The coffee machine leaks.",
        state="pending reminder",
        pending_until=parent.created_at,
        customer_user="jdoe",
        time_units="1,5",
        copy_attachments=False,
    )

    new_article = child.articles.get()
    assert (new_article.subject, new_article.body) == (
        "Only the coffee",
        "The coffee machine leaks.",
    )
    assert str(new_article.time_units) == "1.50"
    assert child.state.name == "pending reminder" and child.pending_until == parent.created_at


def test_split_keeps_an_unknown_customer_of_the_original(make_ticket, actor):
    parent = make_ticket(customer_user="stranger@example.org", allow_unknown_customer=True)

    child = ticket_split(actor=actor, article=parent.articles.get(), title="x", queue="Raw")

    assert child.customer_user_id == "stranger@example.org"


def test_split_needs_read_access_to_the_original_and_create_on_the_queue(make_ticket, users_group):
    parent = make_ticket()
    article = parent.articles.get()
    outsider = AgentFactory(login="oscar")
    reader = AgentFactory(login="rita")
    grant(reader, users_group, "ro")

    with pytest.raises(PermissionDenied):
        ticket_split(actor=outsider.actor, article=article, title="x", queue="Raw")
    with pytest.raises(PermissionDenied, match="create"):
        ticket_split(actor=reader.actor, article=article, title="x", queue="Raw")
    with pytest.raises(NotFound):
        ticket_split(actor=reader.actor, article=999999, title="x", queue="Raw")
    assert Ticket.objects.count() == 1 and not TicketLink.objects.exists()
