"""`{% ticket_action_links ticket as links %}` and `{% ticket_action_permissions ticket as may %}`:
the zoom's action bar, only with what the signed-in agent may do on the ticket."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ticketry.agent.ticket_actions import action_links, action_permissions
from ticketry.tickets.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_action_links(context: template.Context, ticket: Ticket) -> list[dict]:
    """Entries `name`, `label`, `url` and `post_only` (lock, unlock, watch and unwatch are
    done by a POST straight from the bar; the others open their form)."""
    actor = context["request"].actor
    return [
        {
            "name": link.name,
            "label": link.label,
            "post_only": link.post_only,
            "url": reverse("agent:ticket_action", args=[ticket.pk, link.name]),
        }
        for link in action_links(actor, ticket)
    ]


@register.simple_tag(takes_context=True)
def ticket_action_permissions(context: template.Context, ticket: Ticket) -> dict[str, bool]:
    """Action name → may the agent do it (e.g. `may.split` for an article's split link)."""
    return action_permissions(context["request"].actor, ticket)
