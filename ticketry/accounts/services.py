"""Changing agents' own settings: the one writer of an agent's preferences."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.core.actor import Actor
from ticketry.core.errors import PermissionDenied

from .models import Agent


def agent_update_preferences(
    *, actor: Actor, agent: Agent | int, values: Mapping[str, object]
) -> Agent:
    """Merge `values` into the agent's preferences; a value of None removes the key.

    Agents change their own preferences; the system may change anybody's.
    """
    agent_id = agent.pk if isinstance(agent, Agent) else agent
    if not actor.is_system and not (actor.is_agent and actor.id == agent_id):
        raise PermissionDenied(_("You may only change your own preferences."))
    with transaction.atomic():
        row = Agent.objects.select_for_update().get(pk=agent_id)
        preferences = dict(row.preferences)
        for key, value in values.items():
            if value is None:
                preferences.pop(key, None)
            else:
                preferences[key] = value
        row.preferences = preferences
        row.save(update_fields=["preferences", "changed_at"])
    if isinstance(agent, Agent):
        agent.preferences = row.preferences
    return row
