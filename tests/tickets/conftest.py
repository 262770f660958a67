import pytest
from django.db import connection

from tests.accounts.factories import AgentFactory, grant
from ticketry.core.actor import Actor
from ticketry.tickets.services import ArticleInput, ticket_create

# InnoDB's FULLTEXT index sees only committed rows, so full-text tests commit on MariaDB.
_FULLTEXT_COMMITS = connection.vendor == "mysql"
fulltext_db = pytest.mark.django_db(
    transaction=_FULLTEXT_COMMITS, serialized_rollback=_FULLTEXT_COMMITS
)


@pytest.fixture
def agent(users_group):
    agent = AgentFactory(login="alice")
    grant(agent, users_group, "rw")
    return agent


@pytest.fixture
def other_agent(users_group):
    agent = AgentFactory(login="bob")
    grant(agent, users_group, "rw")
    return agent


@pytest.fixture
def actor(agent) -> Actor:
    return agent.actor


def customer_mail(**overrides) -> ArticleInput:
    values = {
        "channel": "Email",
        "sender_type": "customer",
        "is_visible_for_customer": True,
        "from_address": '"John Doe" <jdoe@example.com>',
        "to_address": "support@example.com",
        "subject": "Printer on fire",
        "body": "The printer in room 4 is smoking.",
        "history_type": "EmailCustomer",
        "history_comment": "%%",
    }
    values.update(overrides)
    return ArticleInput(**values)


@pytest.fixture
def make_ticket(actor, customer):
    def make(**overrides):
        values = {
            "actor": actor,
            "title": "Printer on fire",
            "queue": "Raw",
            "customer_user": "jdoe",
            "article": customer_mail(),
        }
        values.update(overrides)
        return ticket_create(**values)

    return make
