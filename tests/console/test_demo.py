"""Demo data: agents, customers and tickets opened through the ticket service."""

import pytest

from ticketry.accounts.models import Agent
from ticketry.console.demo import create_demo_data, demo_data_exists, is_fresh_installation
from ticketry.customers.models import CustomerCompany, CustomerUser
from ticketry.tickets.models import Ticket, TicketHistory

pytestmark = pytest.mark.django_db


def _permissions(login: str) -> set[tuple[str, str]]:
    agent = Agent.objects.get(login=login)
    return set(agent.group_permissions.values_list("group__name", "permission"))


def test_creates_agents_customers_and_tickets():
    assert is_fresh_installation()

    logins = create_demo_data()

    assert logins == [("root@localhost", "root"), ("demo-agent", "demo"), ("demo-admin", "demo")]
    for login, password in logins:
        assert Agent.objects.get(login=login).check_password(password)
    assert _permissions("demo-agent") == {("users", "rw")}
    assert _permissions("demo-admin") == {("users", "rw"), ("admin", "rw"), ("stats", "rw")}
    assert Agent.objects.get(login="demo-admin").is_superuser
    assert not Agent.objects.get(login="demo-agent").is_superuser

    assert CustomerCompany.objects.count() == 2
    assert CustomerUser.objects.count() == 4
    assert all(customer.check_password("demo") for customer in CustomerUser.objects.all())

    welcome = Ticket.objects.get(title="Welcome to Ticketry!")
    assert welcome.queue.name == "Raw"
    assert welcome.state.name == "new"
    assert Ticket.objects.count() == 10
    # Opened through the service: every ticket has its NewTicket history row.
    assert (
        TicketHistory.objects.filter(history_type__name="NewTicket")
        .values("ticket")
        .distinct()
        .count()
        == 10
    )
    assert demo_data_exists()
    assert not is_fresh_installation()


def test_a_second_call_creates_nothing():
    create_demo_data()

    assert create_demo_data()[1] == ("demo-agent", "demo")
    assert Ticket.objects.count() == 10
    assert Agent.objects.filter(login="demo-agent").count() == 1
