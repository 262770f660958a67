import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ticketry.agent.history_text import history_text, history_type_label, parse_history_args
from ticketry.tickets.models import HistoryType, TicketHistory
from ticketry.tickets.services import (
    ArticleInput,
    article_create,
    ticket_account_time,
    ticket_link_add,
    ticket_lock,
    ticket_move,
    ticket_set_priority,
    ticket_set_state,
    ticket_set_title,
)

pytestmark = pytest.mark.django_db


def history_url(ticket):
    return reverse("agent:ticket_history", args=[ticket.pk])


@pytest.mark.parametrize(
    ("history_type", "name", "text"),
    [
        (
            "NewTicket",
            "%%2024010110000001%%Raw%%3 normal%%new%%7",
            "Created ticket 2024010110000001 in “Raw” with priority “3 normal” and state “new”.",
        ),
        ("FollowUp", "%%2024010110000001%%", "Added follow-up to ticket 2024010110000001."),
        ("FollowUp", "%%Follow up rejected.", "Rejected a follow-up to a closed ticket."),
        ("SendAnswer", "%%jdoe@example.com", "Sent email to “jdoe@example.com”."),
        ("AddNote", "%%Note", "Added note (Note)."),
        ("AddNote", "%%", "Added note."),
        ("Move", "%%Misc%%4%%Raw%%2", "Changed queue from “Raw” to “Misc”."),
        ("StateUpdate", "%%new%%open%%", "Changed state from “new” to “open”."),
        (
            "PriorityUpdate",
            "%%3 normal%%3%%5 very high%%5",
            "Changed priority from “3 normal” to “5 very high”.",
        ),
        ("OwnerUpdate", "%%bob%%3", "Changed owner to “bob”."),
        ("ResponsibleUpdate", "%%bob%%3", "Changed responsible agent to “bob”."),
        ("Lock", "%%lock", "Locked ticket."),
        ("Unlock", "%%unlock", "Unlocked ticket."),
        ("TitleUpdate", "%%Old%%New", "Changed title from “Old” to “New”."),
        (
            "TypeUpdate",
            "%%Incident%%2%%Unclassified%%1",
            "Changed type from “Unclassified” to “Incident”.",
        ),
        (
            "CustomerUpdate",
            "%%CustomerID=acme;CustomerUser=jdoe;",
            "Changed customer to “jdoe” (customer ID “acme”).",
        ),
        ("CustomerUpdate", "%%CustomerID=;CustomerUser=;", "Removed the customer."),
        ("SetPendingTime", "%%2024-05-01 10:00", "Changed pending time to “2024-05-01 10:00”."),
        ("SetPendingTime", "%%00-00-00 00:00", "Removed the pending time."),
        ("Merged", "%%1001%%1%%1002%%2", "Merged ticket 1001 into ticket 1002."),
        ("TicketLinkAdd", "%%1002%%2%%1", "Added link to ticket 1002."),
        ("TicketLinkDelete", "%%1002%%2%%1", "Deleted link to ticket 1002."),
        (
            "TimeAccounting",
            "%%1.5%%3.5",
            "Accounted time: 1.5 (total 3.5).",
        ),
        ("EmailCustomer", "%%", "Added email."),
        ("EmailAgent", "%%jdoe@example.com", "Sent email to “jdoe@example.com”."),
        ("PhoneCallCustomer", "%%", "Added phone call from customer."),
        ("PhoneCallAgent", "%%", "Added phone call to customer."),
        ("SendAutoReply", "%%jdoe@example.com", "Sent auto reply to “jdoe@example.com”."),
        ("SendAutoReject", "%%jdoe@example.com", "Sent auto reject to “jdoe@example.com”."),
        ("Bounce", "%%other@example.com", "Bounced to “other@example.com”."),
        ("Forward", "%%other@example.com", "Forwarded to “other@example.com”."),
        (
            "LoopProtection",
            "%%jdoe@example.com",
            "Loop protection: no auto-response sent to “jdoe@example.com”.",
        ),
        ("Misc", "%%tmp_lock", "Locked ticket for the time of an action."),
        (
            "Misc",
            "%%Sent no auto-response: the address is excluded.%%x@example.com",
            "Sent no auto-response: the address is excluded. (x@example.com)",
        ),
        (
            "TicketDynamicFieldUpdate",
            "%%FieldName%%Hardware%%Value%%lj4%%OldValue%%",
            "Changed dynamic field Hardware from “” to “lj4”.",
        ),
        ("Subscribe", "%%Bob Brown", "Added subscription for “Bob Brown”."),
        ("Unsubscribe", "%%Bob Brown", "Removed subscription for “Bob Brown”."),
        ("ArchiveFlagUpdate", "%%y", "Archived the ticket."),
        ("ArchiveFlagUpdate", "%%n", "Restored the ticket from the archive."),
        ("ServiceUpdate", "%%NULL%%%%IT%%4", "Changed service from “IT” to “none”."),
        ("SomethingNew", "%%a%%b", "%%a%%b"),
    ],
)
def test_history_sentences(history_type, name, text):
    with translation.override("en"):
        assert history_text(history_type, name) == text


def test_every_history_type_has_a_name_in_words_in_english_and_german():
    types = list(HistoryType.objects.values_list("name", flat=True))

    with translation.override("en"):
        english = {name: history_type_label(name) for name in types}
    with translation.override("de"):
        german = {name: history_type_label(name) for name in types}

    assert len(types) == 51
    # A raw name is the type itself or one of OTRS's CamelCase words.
    raw = [
        name for name in types if re.search(r"[a-z][A-Z]", english[name]) or english[name] == name
    ]
    assert not raw
    untranslated = [name for name in types if german[name] == english[name]]
    assert not untranslated
    assert english["NewTicket"] == "New ticket"
    assert german["StateUpdate"] == "Status geändert"


def test_history_types_added_later_show_their_name():
    assert history_type_label("SomethingNew") == "SomethingNew"


def test_short_argument_lists_do_not_break_the_sentence():
    assert history_text("Move", "%%Misc") == "Changed queue from “” to “Misc”."
    assert parse_history_args("plain comment") == ["plain comment"]
    assert parse_history_args("%%") == [""]


def test_history_screen_lists_every_change(agent_client, agent, make_ticket):
    ticket = make_ticket()
    ticket_lock(actor=agent.actor, ticket=ticket)
    ticket_set_state(actor=agent.actor, ticket=ticket, state="open")
    ticket_set_priority(actor=agent.actor, ticket=ticket, priority="4 high")
    ticket_set_title(actor=agent.actor, ticket=ticket, title="Printer still on fire")
    ticket_move(actor=agent.actor, ticket=ticket, queue="Misc")
    ticket_account_time(actor=agent.actor, ticket=ticket, time_units=2)
    note = article_create(
        actor=agent.actor,
        ticket=ticket,
        article=ArticleInput(subject="Note", body="Called facilities.", history_comment="%%Note"),
    )

    response = agent_client.get(history_url(ticket))

    page = response.content.decode()
    assert response.status_code == 200
    for sentence in (
        f"Created ticket {ticket.tn} in “Raw” with priority “3 normal” and state “new”.",
        "Changed customer to “jdoe” (customer ID “acme”).",
        "Added email.",
        "Locked ticket.",
        "Changed state from “new” to “open”.",
        "Changed priority from “3 normal” to “4 high”.",
        "Changed title from “Printer on fire” to “Printer still on fire”.",
        "Changed queue from “Raw” to “Misc”.",
        "Unlocked ticket.",
        "Accounted time: 2 (total 2).",
        "Added note (Note).",
    ):
        assert sentence.replace("“", "&ldquo;") in page or sentence in page, sentence
    assert '<th scope="col">' in page
    assert "<td>New ticket</td>" in page and "<td>State changed</td>" in page
    assert "NewTicket" not in page and "StateUpdate" not in page
    assert "Alice Adams" in page
    assert f"#article-{note.pk}" in page
    texts = [line.text for line in response.context["lines"]]
    assert texts[0].startswith("Created ticket") and texts[-1] == "Added note (Note)."


def test_history_text_is_escaped(agent_client, agent, make_ticket):
    ticket = make_ticket()
    ticket_set_title(actor=agent.actor, ticket=ticket, title="<script>alert(1)</script>")

    page = agent_client.get(history_url(ticket)).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_outsider_gets_404(client, outsider, make_ticket):
    ticket = make_ticket()
    client.force_login(outsider)

    assert client.get(history_url(ticket)).status_code == 404


def test_history_query_count_does_not_grow(agent_client, agent, make_ticket):
    short, long = make_ticket(), make_ticket()
    ticket_link_add(actor=agent.actor, source=long, target=short)
    for number in range(25):
        ticket_set_title(actor=agent.actor, ticket=long, title=f"Title {number}")

    counts = []
    for ticket in (short, long):
        agent_client.get(history_url(ticket))
        with CaptureQueriesContext(connection) as queries:
            agent_client.get(history_url(ticket))
        counts.append(len(queries))

    assert TicketHistory.objects.filter(ticket=long).count() > 25
    assert counts[0] == counts[1] <= 6
