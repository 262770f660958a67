import pytest

from tests.accounts.factories import AgentFactory, GroupFactory, RoleFactory
from ticketry.accounts.models import AgentGroupPermission, PermissionType, RoleGroupPermission
from ticketry.core.actor import Actor
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerCompany, CustomerUser, CustomerUserCompany
from ticketry.tickets.models import Queue, Ticket
from ticketry.tickets.permissions import queue_permission, ticket_permission, visible_tickets
from ticketry.tickets.services import ticket_create, ticket_watch

pytestmark = pytest.mark.django_db

ALL = [p.value for p in PermissionType]


@pytest.fixture
def sales():
    group = GroupFactory(name="sales")
    queue = Queue.objects.create(name="Sales", group=group)
    return group, queue


@pytest.fixture
def ticket(sales):
    CustomerCompany.objects.create(customer_id="acme", name="ACME")
    CustomerUser.objects.create(
        login="jdoe", email="j@example.com", customer_id="acme", first_name="J", last_name="D"
    )
    return ticket_create(actor=Actor.system(), title="Quote", queue="Sales", customer_user="jdoe")


@pytest.mark.parametrize("held", ALL)
def test_direct_group_permission_grants_itself_and_rw_grants_all(sales, ticket, held):
    group, _queue = sales
    agent = AgentFactory()
    AgentGroupPermission.objects.create(agent=agent, group=group, permission=held)
    for asked in ALL:
        expected = held == asked or held == "rw"
        assert ticket_permission(agent.actor, ticket, asked) is expected, (held, asked)
    assert ticket_permission(agent.actor, ticket, "move") is (held == "rw")
    assert (visible_tickets(agent.actor).filter(pk=ticket.pk).exists()) is (held in ("ro", "rw"))


@pytest.mark.parametrize("held", ["ro", "note", "rw"])
def test_role_permissions_count_like_direct_ones(sales, ticket, held):
    group, _queue = sales
    agent = AgentFactory()
    role = RoleFactory()
    role.agents.add(agent)
    RoleGroupPermission.objects.create(role=role, group=group, permission=held)
    assert ticket_permission(agent.actor, ticket, held)
    assert ticket_permission(agent.actor, ticket, "rw") is (held == "rw")
    role.valid = Validity.INVALID
    role.save()
    assert not ticket_permission(agent.actor, ticket, held)


def test_owner_and_responsible_may_do_anything(ticket):
    owner, responsible = AgentFactory(), AgentFactory()
    Ticket.objects.filter(pk=ticket.pk).update(owner=owner, responsible=responsible)
    ticket.refresh_from_db()
    for agent in (owner, responsible):
        assert all(ticket_permission(agent.actor, ticket, p) for p in [*ALL, "move", "lock"])
        assert visible_tickets(agent.actor).filter(pk=ticket.pk).exists()


def test_watchers_may_only_read(ticket):
    watcher = AgentFactory()
    ticket_watch(actor=Actor.system(), ticket=ticket, agent=watcher)
    assert ticket_permission(watcher.actor, ticket, "ro")
    assert not ticket_permission(watcher.actor, ticket, "note")
    assert visible_tickets(watcher.actor).filter(pk=ticket.pk).exists()


def test_agent_without_permission_sees_nothing(ticket):
    stranger = AgentFactory()
    assert not any(ticket_permission(stranger.actor, ticket, p) for p in ALL)
    assert not visible_tickets(stranger.actor).exists()


def test_queue_permission(sales):
    group, queue = sales
    agent = AgentFactory()
    AgentGroupPermission.objects.create(agent=agent, group=group, permission="create")
    assert queue_permission(agent.actor, queue, "create")
    assert not queue_permission(agent.actor, queue, "move_into")


def test_customers_see_own_and_company_tickets(ticket):
    own = CustomerUser.objects.get(login="jdoe")
    colleague = CustomerUser.objects.create(
        login="mary", email="m@example.com", customer_id="acme", first_name="M", last_name="S"
    )
    CustomerCompany.objects.create(customer_id="other", name="Other")
    outsider = CustomerUser.objects.create(
        login="zed", email="z@example.com", customer_id="other", first_name="Z", last_name="Z"
    )
    for customer in (own, colleague):
        assert ticket_permission(customer.actor, ticket, "rw")
        assert list(visible_tickets(customer.actor)) == [ticket]
    assert not ticket_permission(outsider.actor, ticket, "ro")
    assert not visible_tickets(outsider.actor).exists()
    assert not ticket_permission(own.actor, ticket, "owner")
    CustomerUserCompany.objects.create(
        customer_user=outsider, company=CustomerCompany.objects.get(customer_id="acme")
    )
    assert ticket_permission(outsider.actor, ticket, "ro")
    assert list(visible_tickets(outsider.actor)) == [ticket]


def test_system_may_do_everything(ticket):
    assert all(ticket_permission(Actor.system(), ticket, p) for p in ALL)
