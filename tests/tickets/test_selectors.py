from datetime import timedelta

import pytest
from django.db.models import Q

from tests.accounts.factories import AgentFactory, GroupFactory, grant
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound, PermissionDenied
from ticketry.tickets.models import Queue, Ticket
from ticketry.tickets.permissions import (
    tickets_in_visible_queues,
    visible_queues,
    visible_tickets,
)
from ticketry.tickets.selectors import (
    CappedCount,
    TicketQuery,
    access_ticket,
    count_tickets,
    search_tickets,
    ticket_search,
)
from ticketry.tickets.services import ticket_create, ticket_set_state

from .conftest import customer_mail, fulltext_db

pytestmark = fulltext_db


@pytest.fixture
def tickets(make_ticket):
    hidden_group = GroupFactory(name="hr")
    Queue.objects.create(name="HR", group=hidden_group)
    return {
        "printer": make_ticket(title="Printer jammed", priority="4 high"),
        "mail": make_ticket(
            title="Mail quota",
            queue="Misc",
            article=customer_mail(subject="Mailbox full", body="My mailbox is full again."),
        ),
        "salary": ticket_create(
            actor=Actor.system(),
            title="Printer for salary slips",
            queue="HR",
            article=customer_mail(subject="Salary printer"),
        ),
    }


def titles(actor, **query):
    return {t.title for t in search_tickets(actor, TicketQuery(**query))}


def test_full_text_is_scoped_to_what_the_agent_may_see(tickets, actor):
    assert titles(actor, text="printer") == {"Printer jammed"}
    assert titles(Actor.system(), text="printer") == {"Printer jammed", "Printer for salary slips"}
    assert titles(actor, text="mailbox") == {"Mail quota"}
    assert titles(actor, text="printer mailbox") == set()


def test_attribute_filters_combine_with_text(tickets, actor):
    raw, misc = Queue.objects.get(name="Raw"), Queue.objects.get(name="Misc")
    assert titles(actor, queue_ids=[misc.pk]) == {"Mail quota"}
    assert titles(actor, text="printer", queue_ids=[raw.pk], priority_ids=[4]) == {"Printer jammed"}
    assert titles(actor, priority_ids=[1]) == set()
    assert titles(actor, customer_user="jdoe") == {"Printer jammed", "Mail quota"}
    assert titles(actor, state_types=["new"]) == {"Printer jammed", "Mail quota"}


def test_time_ranges(tickets, actor):
    now = clock.now()
    assert titles(actor, created_after=now - timedelta(hours=1)) == {"Printer jammed", "Mail quota"}
    assert titles(actor, created_before=now - timedelta(hours=1)) == set()
    ticket_set_state(actor=actor, ticket=tickets["mail"], state="closed successful")
    assert titles(actor, closed_after=now - timedelta(minutes=5)) == {"Mail quota"}
    assert titles(actor, state_types=["closed"]) == {"Mail quota"}
    with pytest.raises(InvalidValue):
        titles(actor, created_after=now, created_before=now - timedelta(days=1))


def test_access_ticket(tickets, actor):
    assert access_ticket(actor, tickets["printer"].pk) == tickets["printer"]
    with pytest.raises(PermissionDenied):
        access_ticket(actor, tickets["salary"].pk)
    with pytest.raises(NotFound):
        access_ticket(actor, 999999)


def test_search_runs_a_fixed_number_of_queries(tickets, actor, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        list(search_tickets(actor, TicketQuery(text="printer", state_types=["new"])))


def test_customers_search_their_tickets(tickets, customer):
    assert titles(customer.actor, text="printer") == {"Printer jammed"}
    outsider = AgentFactory(login="nobody")
    grant(outsider, GroupFactory(name="empty"), "rw")
    assert titles(outsider.actor, text="printer") == set()


def test_counts_are_capped_and_taken_in_one_query(tickets, actor, django_assert_num_queries):
    every = Ticket.objects.all()
    with django_assert_num_queries(1):
        counts = count_tickets(
            [every, every.filter(title__startswith="Printer"), every.none()], cap=2
        )
    assert counts == [CappedCount(2, capped=True), CappedCount(2), CappedCount(0)]
    assert count_tickets([]) == []


def test_search_counts_its_tickets(tickets, actor):
    raw = Queue.objects.get(name="Raw")

    assert ticket_search(actor, TicketQuery(text="printer")).count() == CappedCount(1)
    assert ticket_search(actor, TicketQuery(text="mailbox")).count(
        Q(queue_id=raw.pk)
    ) == CappedCount(0)
    assert ticket_search(actor, TicketQuery()).count() == CappedCount(2)
    assert ticket_search(Actor.system(), TicketQuery(text="printer")).count() == CappedCount(2)


def test_tickets_in_visible_queues_are_the_visible_ones_there(tickets, actor, agent):
    queue_ids = list(visible_queues(actor).values_list("id", flat=True))
    hr = Queue.objects.get(name="HR")
    # As responsible agent alice sees a ticket in a queue she may not read.
    Ticket.objects.filter(pk=tickets["salary"].pk).update(responsible=agent)

    in_queues = set(tickets_in_visible_queues(actor))

    assert in_queues == set(visible_tickets(actor).filter(queue_id__in=queue_ids))
    assert tickets["salary"] in set(visible_tickets(actor))
    assert hr.pk not in queue_ids
    assert set(tickets_in_visible_queues(Actor.system())) == set(Ticket.objects.all())
