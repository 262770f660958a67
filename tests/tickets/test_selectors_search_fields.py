from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from ticketry.core import clock
from ticketry.core.errors import InvalidValue
from ticketry.tickets.models import DynamicField, Ticket, TicketType
from ticketry.tickets.selectors import TicketQuery, search_tickets
from ticketry.tickets.services import (
    ticket_set_dynamic_field,
    ticket_set_state,
    ticket_set_type,
)

from .conftest import customer_mail, fulltext_db

pytestmark = fulltext_db


@pytest.fixture
def tickets(make_ticket):
    printer = make_ticket(title="Printer jammed")
    mail = make_ticket(
        title="Mail quota exceeded",
        article=customer_mail(
            from_address="Mary Major <mary@example.org>",
            to_address="help@example.com",
            subject="Mailbox full",
            body="My mailbox is full again.",
        ),
    )
    Ticket.objects.filter(pk=printer.pk).update(tn="2025061010000017")
    Ticket.objects.filter(pk=mail.pk).update(tn="2025061110000023")
    return {"printer": printer, "mail": mail}


def titles(actor, **query):
    return {t.title for t in search_tickets(actor, TicketQuery(**query))}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("2025061010000017", {"Printer jammed"}),
        ("20250610", set()),
        ("20250610*", {"Printer jammed"}),
        ("*23", {"Mail quota exceeded"}),
        ("*0000*", {"Printer jammed", "Mail quota exceeded"}),
        ("2025*11*23", {"Mail quota exceeded"}),
        ("2025061010000017*2025061010000017", set()),
        ("*", {"Printer jammed", "Mail quota exceeded"}),
    ],
)
def test_ticket_number_with_wildcards(tickets, actor, pattern, expected):
    assert titles(actor, tn=pattern) == expected


def test_title_matches_anywhere_ignoring_case_with_wildcards(tickets, actor):
    assert titles(actor, title="JAMMED") == {"Printer jammed"}
    assert titles(actor, title="quota*exceeded") == {"Mail quota exceeded"}
    assert titles(actor, title="mail*printer") == set()


def test_article_fields_match_one_article(tickets, actor):
    assert titles(actor, from_address="mary@") == {"Mail quota exceeded"}
    assert titles(actor, to_address="help@example") == {"Mail quota exceeded"}
    assert titles(actor, subject="mailbox") == {"Mail quota exceeded"}
    assert titles(actor, body="smoking") == {"Printer jammed"}
    assert titles(actor, subject="mailbox", body="smoking") == set()


def test_type_filter(tickets, actor):
    incident = TicketType.objects.create(name="Incident")
    ticket_set_type(actor=actor, ticket=tickets["mail"], type="Incident")

    assert titles(actor, type_ids=[incident.pk]) == {"Mail quota exceeded"}


def test_pending_range(tickets, actor):
    now = clock.now()
    ticket_set_state(
        actor=actor,
        ticket=tickets["printer"],
        state="pending reminder",
        pending_until=now + timedelta(days=2),
    )

    assert titles(actor, pending_after=now + timedelta(days=1)) == {"Printer jammed"}
    assert titles(actor, pending_before=now + timedelta(days=1)) == set()
    with pytest.raises(InvalidValue):
        titles(actor, pending_after=now, pending_before=now - timedelta(days=1))


def test_dynamic_fields(tickets, actor):
    DynamicField.objects.create(
        name="Product",
        label="Product",
        field_type=DynamicField.FieldType.DROPDOWN,
        object_type=DynamicField.ObjectType.TICKET,
        config={"possible_values": {"laser": "Laser", "ink": "Ink"}},
    )
    DynamicField.objects.create(
        name="Room",
        label="Room",
        field_type=DynamicField.FieldType.TEXT,
        object_type=DynamicField.ObjectType.TICKET,
    )
    ticket_set_dynamic_field(actor=actor, ticket=tickets["printer"], field="Product", value="laser")
    ticket_set_dynamic_field(actor=actor, ticket=tickets["printer"], field="Room", value="B 4.12")

    assert titles(actor, dynamic_fields={"Product": "laser"}) == {"Printer jammed"}
    assert titles(actor, dynamic_fields={"Product": "las"}) == set()
    assert titles(actor, dynamic_fields={"Room": "4.1"}) == {"Printer jammed"}
    assert titles(actor, dynamic_fields={"Room": "4.1", "Product": "ink"}) == set()
    assert titles(actor, dynamic_fields={"Room": ""}) == {"Printer jammed", "Mail quota exceeded"}


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def date_fields(tickets, actor):
    """Date field Due (printer: 2025-03-10), date/time field Visit (mail: 2025-03-10 12:00)."""
    kind = DynamicField.FieldType
    for name, field_type in (("Due", kind.DATE), ("Visit", kind.DATETIME)):
        DynamicField.objects.create(
            name=name, label=name, field_type=field_type, object_type=DynamicField.ObjectType.TICKET
        )
    ticket_set_dynamic_field(
        actor=actor, ticket=tickets["printer"], field="Due", value=date(2025, 3, 10)
    )
    ticket_set_dynamic_field(actor=actor, ticket=tickets["mail"], field="Visit", value=at(10, 12))


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ({"Due": (at(10), at(11))}, {"Printer jammed"}),
        ({"Due": (at(9), at(10))}, set()),
        ({"Due": (at(11), None)}, set()),
        ({"Due": (at(10), None)}, {"Printer jammed"}),
        ({"Due": (None, at(10, 1))}, {"Printer jammed"}),
        ({"Visit": (at(10, 12), at(10, 13))}, {"Mail quota exceeded"}),
        ({"Visit": (at(10), at(10, 12))}, set()),
        ({"Visit": (None, at(11))}, {"Mail quota exceeded"}),
        ({"Due": (at(1), at(31)), "Visit": (at(1), at(31))}, set()),
        ({"Due": (None, None)}, {"Printer jammed", "Mail quota exceeded"}),
    ],
)
def test_date_dynamic_field_ranges(date_fields, actor, ranges, expected):
    assert titles(actor, dynamic_field_ranges=ranges) == expected


def test_date_ranges_skip_fields_of_other_types(tickets, actor):
    DynamicField.objects.create(
        name="Room",
        label="Room",
        field_type=DynamicField.FieldType.TEXT,
        object_type=DynamicField.ObjectType.TICKET,
    )
    ticket_set_dynamic_field(actor=actor, ticket=tickets["printer"], field="Room", value="B 4.12")

    assert titles(actor, dynamic_field_ranges={"Room": (at(1), None)}) == set()
    assert titles(actor, dynamic_field_ranges={"Unknown": (at(1), None)}) == set()


def test_date_range_must_start_before_it_ends(date_fields, actor):
    with pytest.raises(InvalidValue):
        titles(actor, dynamic_field_ranges={"Due": (at(11), at(10))})


def test_new_filters_add_no_queries(tickets, actor, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        list(
            search_tickets(
                actor,
                TicketQuery(
                    tn="2025*",
                    title="printer",
                    subject="printer",
                    dynamic_fields={"Room": "4"},
                    dynamic_field_ranges={"Due": (at(1), at(31))},
                ),
            )
        )


INDEX_QUERIES = {
    # Full text (migration 0003) and, on PostgreSQL, `*word*` in titles and subjects (0005).
    "postgresql": "SELECT indexname FROM pg_indexes WHERE indexname IN "
    "('search_doc_vector', 'ticket_title_trgm', 'article_subject_trgm')",
    "sqlite": "SELECT name FROM sqlite_master WHERE name = 'tickets_searchdocument_fts'",
    "mysql": "SELECT DISTINCT index_name FROM information_schema.statistics "
    "WHERE table_schema = DATABASE() AND index_name = 'search_doc_content'",
}
EXPECTED_INDEXES = {
    "postgresql": {"search_doc_vector", "ticket_title_trgm", "article_subject_trgm"},
    "sqlite": {"tickets_searchdocument_fts"},
    "mysql": {"search_doc_content"},
}


def test_the_search_indexes_of_each_database_exist():
    with connection.cursor() as cursor:
        cursor.execute(INDEX_QUERIES[connection.vendor])
        names = {row[0] for row in cursor.fetchall()}
    assert names == EXPECTED_INDEXES[connection.vendor]
