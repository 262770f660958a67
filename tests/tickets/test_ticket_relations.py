import pytest

from ticketry.core.errors import Conflict, InvalidValue, NotFound
from ticketry.tickets.models import (
    Article,
    ArticleFlag,
    DynamicField,
    DynamicFieldValue,
    SearchDocument,
    TicketFlag,
    TicketHistory,
    TicketLink,
    TimeAccounting,
    Watcher,
)
from ticketry.tickets.seen import unseen_articles
from ticketry.tickets.services import (
    article_create,
    ticket_account_time,
    ticket_link_add,
    ticket_link_remove,
    ticket_mark_seen,
    ticket_merge,
    ticket_set_dynamic_field,
    ticket_unwatch,
    ticket_watch,
)

from .conftest import customer_mail

pytestmark = pytest.mark.django_db


def names(ticket, history_type):
    return list(
        TicketHistory.objects.filter(ticket=ticket, history_type__name=history_type)
        .order_by("id")
        .values_list("name", flat=True)
    )


def test_merge_moves_articles_links_and_marks_source(make_ticket, actor, other_agent):
    source, target = make_ticket(title="first"), make_ticket(title="second")
    ticket_account_time(actor=actor, ticket=source, time_units=2)
    ticket_watch(actor=other_agent.actor, ticket=source)
    source_article = source.articles.get()

    merged_into = ticket_merge(actor=actor, source=source, target=target)

    assert merged_into == target
    source.refresh_from_db()
    assert source.state.name == "merged" and source.lock.name == "unlock"
    assert Article.objects.get(pk=source_article.pk).ticket == target
    note = source.articles.get()
    assert (note.subject, note.body) == (
        "Ticket Merged",
        f"Merged Ticket {source.tn} to {target.tn}.",
    )
    assert note.is_visible_for_customer and note.channel.name == "Internal"
    assert TimeAccounting.objects.get().ticket == target
    assert Watcher.objects.get().ticket == target
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.link_type.name) == (target, source, "ParentChild")
    merged = f"%%{source.tn}%%{source.pk}%%{target.tn}%%{target.pk}"
    assert names(source, "Merged") == [merged] and names(target, "Merged") == [merged]
    assert names(source, "StateUpdate") == ["%%new%%merged%%"]
    assert SearchDocument.objects.get(article=source_article).ticket == target


def test_merge_refuses_itself_and_merged_tickets(make_ticket, actor):
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    with pytest.raises(InvalidValue, match="itself"):
        ticket_merge(actor=actor, source=first, target=first)
    ticket_merge(actor=actor, source=first, target=second)
    with pytest.raises(Conflict, match="merged already"):
        ticket_merge(actor=actor, source=third, target=first)
    with pytest.raises(Conflict, match="merged already"):
        ticket_merge(actor=actor, source=first, target=third)
    assert third.articles.count() == 1


def test_link_and_unlink_write_history_on_both(make_ticket, actor):
    a, b = make_ticket(), make_ticket()
    ticket_link_add(actor=actor, source=a, target=b)
    ticket_link_add(actor=actor, source=b, target=a)  # Normal links have no direction
    assert TicketLink.objects.count() == 1
    assert names(a, "TicketLinkAdd") == [f"%%{b.tn}%%{b.pk}%%{a.pk}"]
    assert names(b, "TicketLinkAdd") == [f"%%{a.tn}%%{a.pk}%%{b.pk}"]
    ticket_link_remove(actor=actor, source=b, target=a)
    assert not TicketLink.objects.exists()
    assert len(names(a, "TicketLinkDelete")) == 1
    with pytest.raises(NotFound, match="not linked"):
        ticket_link_remove(actor=actor, source=a, target=b)


def test_watch_and_unwatch(make_ticket, actor, agent):
    ticket = make_ticket()
    ticket_watch(actor=actor, ticket=ticket)
    ticket_watch(actor=actor, ticket=ticket)
    assert Watcher.objects.filter(ticket=ticket, agent=agent).count() == 1
    ticket_unwatch(actor=actor, ticket=ticket)
    assert not Watcher.objects.exists()
    assert names(ticket, "Subscribe") == [f"%%{agent.full_name}"]
    assert names(ticket, "Unsubscribe") == [f"%%{agent.full_name}"]


def test_time_accounting_sums_up(make_ticket, actor):
    ticket = make_ticket()
    ticket_account_time(actor=actor, ticket=ticket, time_units="1.25")
    ticket_account_time(actor=actor, ticket=ticket, time_units=2)
    assert names(ticket, "TimeAccounting") == ["%%1.25%%1.25", "%%2%%3.25"]
    with pytest.raises(InvalidValue):
        ticket_account_time(actor=actor, ticket=ticket, time_units="lots")


def test_seen_flag_is_cleared_for_others_by_a_new_article(make_ticket, actor, other_agent):
    ticket = make_ticket()
    ticket_mark_seen(actor=actor, ticket=ticket)
    ticket_mark_seen(actor=other_agent.actor, ticket=ticket)
    article_create(
        actor=actor,
        ticket=ticket,
        article=customer_mail(channel="Internal", sender_type="agent", history_type="AddNote"),
    )
    assert list(TicketFlag.objects.values_list("agent__login", flat=True)) == ["alice"]


def test_seen_flags_are_kept_per_article(make_ticket, actor, other_agent):
    ticket = make_ticket()
    note = customer_mail(channel="Internal", sender_type="agent", history_type="AddNote")
    own = article_create(actor=other_agent.actor, ticket=ticket, article=note)
    mail = ticket.articles.exclude(pk=own.pk).get()
    assert list(unseen_articles(ticket, other_agent.pk)) == [mail]
    assert set(unseen_articles(ticket, actor.id)) == {mail, own}

    ticket_mark_seen(actor=other_agent.actor, ticket=ticket)
    ticket_mark_seen(actor=other_agent.actor, ticket=ticket)

    assert list(ArticleFlag.objects.values_list("article", "agent__login")) == [(mail.pk, "bob")]
    assert not unseen_articles(ticket, other_agent.pk).exists()
    assert unseen_articles(ticket, actor.id).count() == 2


def test_dynamic_fields(make_ticket, actor):
    DynamicField.objects.create(
        name="Product",
        label="Product",
        field_type="Dropdown",
        object_type="Ticket",
        config={"possible_values": {"printer": "Printer", "scanner": "Scanner"}},
    )
    DynamicField.objects.create(
        name="Tags",
        label="Tags",
        field_type="Multiselect",
        object_type="Ticket",
        config={"possible_values": {"a": "A", "b": "B"}},
    )
    ticket = make_ticket()
    ticket_set_dynamic_field(actor=actor, ticket=ticket, field="Product", value="printer")
    ticket_set_dynamic_field(actor=actor, ticket=ticket, field="Product", value="scanner")
    ticket_set_dynamic_field(actor=actor, ticket=ticket, field="Tags", value=["a", "b"])
    assert names(ticket, "TicketDynamicFieldUpdate") == [
        "%%FieldName%%Product%%Value%%printer%%OldValue%%",
        "%%FieldName%%Product%%Value%%scanner%%OldValue%%printer",
        "%%FieldName%%Tags%%Value%%a, b%%OldValue%%",
    ]
    assert DynamicFieldValue.objects.filter(object_id=ticket.pk).count() == 3
    with pytest.raises(InvalidValue, match="not a possible value"):
        ticket_set_dynamic_field(actor=actor, ticket=ticket, field="Product", value="toaster")
    with pytest.raises(NotFound, match="Unknown dynamic field"):
        ticket_set_dynamic_field(actor=actor, ticket=ticket, field="Nope", value="x")
