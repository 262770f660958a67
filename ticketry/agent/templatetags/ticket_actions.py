"""`{% ticket_action_menu ticket as menu %}` and `{% ticket_action_permissions ticket as may %}`:
the zoom's action bar, only with what the signed-in agent may do on the ticket."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ticketry.agent.ticket_actions import ACTION_GROUPS, action_links, action_permissions
from ticketry.tickets.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_action_menu(context: template.Context, ticket: Ticket) -> dict:
    """`buttons`, the actions shown on their own, and `groups` (`name`, `label`, `links`),
    OTRS's menus of the others, leaving out empty ones. Each link has `name`, `label`, `url`
    and `post_only` (lock, unlock, watch and unwatch are done by a POST straight from the
    bar; the others open their form)."""
    actor = context["request"].actor
    buttons: list[dict] = []
    grouped: dict[str, list[dict]] = {name: [] for name in ACTION_GROUPS}
    for link in action_links(actor, ticket):
        entry = {
            "name": link.name,
            "label": link.label,
            "post_only": link.post_only,
            "url": reverse("agent:ticket_action", args=[ticket.pk, link.name]),
        }
        (grouped[link.group] if link.group else buttons).append(entry)
    groups = [
        {"name": name, "label": label, "links": grouped[name]}
        for name, label in ACTION_GROUPS.items()
        if grouped[name]
    ]
    return {"buttons": buttons, "groups": groups}


@register.simple_tag(takes_context=True)
def ticket_action_permissions(context: template.Context, ticket: Ticket) -> dict[str, bool]:
    """Action name → may the agent do it (e.g. `may.split` for an article's split link)."""
    return action_permissions(context["request"].actor, ticket)
