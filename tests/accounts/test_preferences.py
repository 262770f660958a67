import pytest

from tests.accounts.factories import AgentFactory
from ticketry.accounts.services import agent_update_preferences
from ticketry.core.actor import Actor
from ticketry.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def test_agent_merges_and_removes_own_preferences():
    agent = AgentFactory(preferences={"page_size": 25, "theme": "dark"})

    agent_update_preferences(
        actor=agent.actor, agent=agent, values={"page_size": 50, "theme": None, "my_queues": [1]}
    )

    agent.refresh_from_db()
    assert agent.preferences == {"page_size": 50, "my_queues": [1]}


def test_agent_may_not_change_another_agents_preferences():
    agent, other = AgentFactory(), AgentFactory()

    with pytest.raises(PermissionDenied):
        agent_update_preferences(actor=agent.actor, agent=other, values={"page_size": 10})


def test_system_may_change_any_agents_preferences():
    agent = AgentFactory()

    agent_update_preferences(actor=Actor.system(), agent=agent.pk, values={"page_size": 10})

    agent.refresh_from_db()
    assert agent.preferences == {"page_size": 10}
