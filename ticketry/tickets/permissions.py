"""The one place that answers "may this actor do P on this ticket" and scopes ticket reads.

OTRS's permission chain: the owner and the responsible agent may do anything, then the
permission the agent holds on the queue's group (directly or through roles), then watchers
may read. Customers may read and write their own tickets and those of their companies.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ticketry.accounts.models import PermissionType
from ticketry.accounts.permissions import group_ids_with_permission
from ticketry.core.actor import Actor
from ticketry.core.errors import PermissionDenied
from ticketry.customers.selectors import customer_ids_of

from .models import Queue, Ticket, Watcher

GROUP_PERMISSIONS = frozenset(PermissionType.values)
# Permissions used by actions that no group permission but rw grants (OTRS screens).
ACTION_PERMISSIONS = frozenset(
    {
        "lock",
        "move",
        "close",
        "pending",
        "state",
        "compose",
        "forward",
        "bounce",
        "customer",
        "phone",
        "responsible",
        "title",
        "type",
        "service",
        "link",
        "merge",
        "archive",
        "dynamic_field",
        "bulk",
    }
)
CUSTOMER_PERMISSIONS = frozenset({PermissionType.RO, PermissionType.RW})


def _group_permission_for(permission: str) -> str:
    if permission in GROUP_PERMISSIONS:
        return permission
    if permission in ACTION_PERMISSIONS:
        return PermissionType.RW
    raise ValueError(f"Unknown permission {permission!r}")


def ticket_permission(actor: Actor, ticket: Ticket, permission: str) -> bool:
    """May `actor` do `permission` on `ticket`?"""
    group_permission = _group_permission_for(permission)
    if actor.is_system:
        return True
    if actor.is_customer:
        if group_permission not in CUSTOMER_PERMISSIONS:
            return False
        return _customer_owns(actor, ticket)
    if actor.id in (ticket.owner_id, ticket.responsible_id):
        return True
    if ticket.queue.group_id in group_ids_with_permission(actor.id, group_permission):
        return True
    return (
        group_permission == PermissionType.RO
        and Watcher.objects.filter(ticket_id=ticket.pk, agent_id=actor.id).exists()
    )


def _customer_owns(actor: Actor, ticket: Ticket) -> bool:
    if ticket.customer_user_id and ticket.customer_user_id == actor.login:
        return True
    return bool(ticket.customer_id) and ticket.customer_id in customer_ids_of(actor.login)


def queue_permission(actor: Actor, queue: Queue, permission: str) -> bool:
    """May `actor` use `queue` for `permission` (e.g. `create` a ticket, `move_into` it)?"""
    if actor.is_system:
        return True
    if actor.is_customer:
        # Customer group support is off by default: customers may use every queue.
        return True
    return queue.group_id in group_ids_with_permission(actor.id, _group_permission_for(permission))


def require_ticket_permission(actor: Actor, ticket: Ticket, permission: str) -> None:
    if not ticket_permission(actor, ticket, permission):
        raise PermissionDenied(
            _("You need the permission “%(permission)s” on ticket %(tn)s."),
            permission=permission,
            tn=ticket.tn,
        )


def require_queue_permission(actor: Actor, queue: Queue, permission: str) -> None:
    if not queue_permission(actor, queue, permission):
        raise PermissionDenied(
            _("You need the permission “%(permission)s” on queue “%(queue)s”."),
            permission=permission,
            queue=queue.name,
        )


def visible_tickets(actor: Actor, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Narrow `queryset` (all tickets by default) to those `actor` may read."""
    tickets = Ticket.objects.all() if queryset is None else queryset
    if actor.is_system:
        return tickets
    if actor.is_customer:
        return tickets.filter(
            Q(customer_user_id=actor.login) | Q(customer_id__in=customer_ids_of(actor.login))
        )
    group_ids = group_ids_with_permission(actor.id, PermissionType.RO)
    # Subqueries on the small queue and watcher tables rather than a join: the ticket table
    # stays alone in the FROM clause, so its indexes serve every other filter and the sort.
    queues = Queue.objects.filter(group_id__in=group_ids).values("id")
    watched = Watcher.objects.filter(agent_id=actor.id).values("ticket_id")
    return tickets.filter(
        Q(queue_id__in=queues)
        | Q(owner_id=actor.id)
        | Q(responsible_id=actor.id)
        | Q(id__in=watched)
    )


def tickets_in_visible_queues(actor: Actor) -> QuerySet[Ticket]:
    """The tickets in the queues of `visible_queues(actor)`: a part of `visible_tickets(actor)`
    (as owner, responsible agent or watcher one may see tickets in other queues too), and
    the queue view's tickets. One reads every ticket of such a queue, so the queue alone
    decides, and an index on the queue (and state) can count them without reading rows."""
    queues = visible_queues(actor).values("id")
    if actor.is_customer:
        return visible_tickets(actor).filter(queue_id__in=queues)
    return Ticket.objects.filter(queue_id__in=queues)


def visible_queues(actor: Actor, permission: str = PermissionType.RO) -> QuerySet[Queue]:
    queues = Queue.objects.valid()
    if actor.is_system or actor.is_customer:
        return queues
    return queues.filter(group_id__in=group_ids_with_permission(actor.id, permission))
