import pytest

from tests.accounts.factories import AgentFactory, grant
from tests.tickets.conftest import customer_mail
from ticketry.tickets.services import ticket_create


@pytest.fixture
def agent(users_group):
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Adams")
    grant(agent, users_group, "rw")
    return agent


@pytest.fixture
def other_agent(users_group):
    agent = AgentFactory(login="bob", first_name="Bob", last_name="Brown")
    grant(agent, users_group, "rw")
    return agent


@pytest.fixture
def outsider(db):
    """An agent without any group permission."""
    return AgentFactory(login="oscar", first_name="Oscar", last_name="Outside")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def make_ticket(agent, customer):
    """Tickets in queue Raw from customer jdoe, created by alice; keywords override."""

    def make(**overrides):
        values = {
            "actor": agent.actor,
            "title": "Printer on fire",
            "queue": "Raw",
            "customer_user": "jdoe",
            "article": customer_mail(),
        }
        values.update(overrides)
        return ticket_create(**values)

    return make
