"""The ticket actions of the zoom screen: their names, the permission each needs, and reading
a ticket for an action (refusals) and for its change (row lock)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketry.accounts.models import PermissionType
from ticketry.agent.access import agent_ticket
from ticketry.core.actor import Actor
from ticketry.core.errors import Conflict, NotFound
from ticketry.tickets.models import LockType, Ticket, TicketLink, Watcher
from ticketry.tickets.permissions import ticket_permission


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    """One action. `required_lock` is OTRS's RequiredLock: the action locks an unlocked ticket
    for the agent first and refuses a ticket someone else has locked. `checks_collision` means
    the form carries the ticket's version and warns about changes since it was loaded."""

    name: str
    label: Promise
    permission: str
    # The zoom's menu the action is in (ACTION_GROUPS); empty for a button of its own.
    group: str = ""
    post_only: bool = False
    checks_collision: bool = True
    required_lock: bool = False


# OTRS's clusters of the zoom's menu; the most used actions stay buttons of their own.
ACTION_GROUPS: dict[str, Promise] = {
    "communication": gettext_lazy("Communication"),
    "people": gettext_lazy("People"),
    "attributes": gettext_lazy("Attributes"),
    "misc": gettext_lazy("Miscellaneous"),
}

_SPECS = (
    ActionSpec(
        name="lock",
        label=gettext_lazy("Lock"),
        permission="lock",
        post_only=True,
        checks_collision=False,
    ),
    ActionSpec(
        name="unlock",
        label=gettext_lazy("Unlock"),
        permission="lock",
        post_only=True,
        checks_collision=False,
    ),
    ActionSpec(
        name="note",
        group="communication",
        label=gettext_lazy("Note"),
        permission=PermissionType.NOTE,
    ),
    ActionSpec(
        name="phone_out",
        group="communication",
        label=gettext_lazy("Phone call outbound"),
        permission="phone",
        required_lock=True,
    ),
    ActionSpec(
        name="phone_in",
        group="communication",
        label=gettext_lazy("Phone call inbound"),
        permission="phone",
    ),
    ActionSpec(name="move", label=gettext_lazy("Move"), permission="move", required_lock=True),
    ActionSpec(
        name="owner", group="people", label=gettext_lazy("Owner"), permission=PermissionType.OWNER
    ),
    ActionSpec(
        name="responsible",
        group="people",
        label=gettext_lazy("Responsible"),
        permission="responsible",
    ),
    ActionSpec(
        name="priority",
        group="attributes",
        label=gettext_lazy("Priority"),
        permission=PermissionType.PRIORITY,
        required_lock=True,
    ),
    ActionSpec(
        name="pending",
        group="attributes",
        label=gettext_lazy("Pending"),
        permission="pending",
        required_lock=True,
    ),
    ActionSpec(name="close", label=gettext_lazy("Close"), permission="close", required_lock=True),
    ActionSpec(name="title", group="attributes", label=gettext_lazy("Title"), permission="title"),
    ActionSpec(name="type", group="attributes", label=gettext_lazy("Type"), permission="type"),
    ActionSpec(
        name="customer", group="people", label=gettext_lazy("Customer"), permission="customer"
    ),
    ActionSpec(
        name="watch",
        group="misc",
        label=gettext_lazy("Watch"),
        permission=PermissionType.RO,
        post_only=True,
        checks_collision=False,
    ),
    ActionSpec(
        name="unwatch",
        group="misc",
        label=gettext_lazy("Stop watching"),
        permission=PermissionType.RO,
        post_only=True,
        checks_collision=False,
    ),
    ActionSpec(name="link", group="misc", label=gettext_lazy("Link"), permission="link"),
    ActionSpec(name="unlink", group="misc", label=gettext_lazy("Remove link"), permission="link"),
    ActionSpec(
        name="merge",
        group="misc",
        label=gettext_lazy("Merge"),
        permission="merge",
        required_lock=True,
    ),
    ActionSpec(
        name="split",
        label=gettext_lazy("Split"),
        permission=PermissionType.RO,
        checks_collision=False,
    ),
)
ACTIONS: dict[str, ActionSpec] = {spec.name: spec for spec in _SPECS}


def action_spec(name: str) -> ActionSpec:
    try:
        return ACTIONS[name]
    except KeyError:
        raise NotFound(_("Unknown ticket action “%(ref)s”."), ref=name) from None


def action_permissions(actor: Actor, ticket: Ticket) -> dict[str, bool]:
    """Which actions `actor` may do on `ticket`, by action name (for menus; services check)."""
    # rw implies every permission, so the common case costs one permission lookup.
    if ticket_permission(actor, ticket, PermissionType.RW):
        return dict.fromkeys(ACTIONS, True)
    by_permission: dict[str, bool] = {}
    allowed = {}
    for name, spec in ACTIONS.items():
        if spec.permission not in by_permission:
            by_permission[spec.permission] = ticket_permission(actor, ticket, spec.permission)
        allowed[name] = by_permission[spec.permission]
    return allowed


@dataclass(frozen=True, slots=True)
class ActionLink:
    name: str
    label: Promise
    post_only: bool
    group: str = ""


def action_links(actor: Actor, ticket: Ticket) -> list[ActionLink]:
    """The actions of the zoom's action bar that `actor` may do on `ticket` as it is now:
    lock or unlock, watch or stop watching, remove a link only when there is one. Split
    belongs to an article and is left to the article's menu."""
    allowed = action_permissions(actor, ticket)
    hidden = {"split", "unlock" if ticket.lock_id == LockType.UNLOCK else "lock"}
    watching = Watcher.objects.filter(ticket_id=ticket.pk, agent_id=actor.id).exists()
    hidden.add("watch" if watching else "unwatch")
    if not TicketLink.objects.filter(Q(source_id=ticket.pk) | Q(target_id=ticket.pk)).exists():
        hidden.add("unlink")
    return [
        ActionLink(spec.name, spec.label, spec.post_only, spec.group)
        for spec in _SPECS
        if allowed[spec.name] and spec.name not in hidden
    ]


def ticket_for_change(actor: Actor, ticket_id: int, permission: str) -> Ticket:
    """The ticket as it is now, its row locked until the transaction ends.

    Call inside the transaction of the change: the stale-form check and the services then see
    the same ticket, and a second agent submitting at the same moment waits and is warned.
    """
    list(Ticket.objects.select_for_update().filter(pk=ticket_id).values_list("pk", flat=True))
    return agent_ticket(actor, ticket_id, permission)


def owner_lock_conflict(actor: Actor, ticket: Ticket) -> Conflict | None:
    """OTRS RequiredLock: only the owner may act on a ticket that is locked."""
    if ticket.lock_id == LockType.LOCK and ticket.owner_id != actor.id:
        return Conflict(
            _(
                "Ticket %(tn)s is locked by %(owner)s. Sorry, you need to be the ticket owner "
                "to perform this action; change the owner first."
            ),
            tn=ticket.tn,
            owner=ticket.owner,
        )
    return None
