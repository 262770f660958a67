"""Reading tickets: always through the actor's permissions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ticketry.accounts.models import PermissionType
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound

from . import search
from .models import StateType, Ticket, TicketHistory
from .permissions import require_ticket_permission, visible_tickets


def access_ticket(actor: Actor, ticket_id: int, permission: str = PermissionType.RO) -> Ticket:
    """The ticket, if `actor` holds `permission` on it; NotFound hides tickets one may not see."""
    try:
        ticket = Ticket.objects.select_related(
            "queue", "state__type", "priority", "type", "lock", "owner", "responsible"
        ).get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise NotFound(_("Unknown ticket “%(ref)s”."), ref=ticket_id) from None
    require_ticket_permission(actor, ticket, permission)
    return ticket


@dataclass(frozen=True, kw_only=True)
class TicketQuery:
    """What to look for. Empty fields do not filter; ranges are [after, before)."""

    text: str = ""
    queue_ids: Iterable[int] = field(default=())
    state_ids: Iterable[int] = field(default=())
    state_types: Iterable[str] = field(default=())
    priority_ids: Iterable[int] = field(default=())
    owner_ids: Iterable[int] = field(default=())
    responsible_ids: Iterable[int] = field(default=())
    lock_ids: Iterable[int] = field(default=())
    customer_user: str = ""
    customer_id: str = ""
    archived: bool | None = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    changed_after: datetime | None = None
    changed_before: datetime | None = None
    closed_after: datetime | None = None
    closed_before: datetime | None = None


def search_tickets(actor: Actor, query: TicketQuery) -> QuerySet[Ticket]:
    """Tickets `actor` may see that match `query`, newest first."""
    tickets = visible_tickets(actor)
    filters = {
        "queue_id__in": list(query.queue_ids),
        "state_id__in": list(query.state_ids),
        "state__type__name__in": list(query.state_types),
        "priority_id__in": list(query.priority_ids),
        "owner_id__in": list(query.owner_ids),
        "responsible_id__in": list(query.responsible_ids),
        "lock_id__in": list(query.lock_ids),
        "customer_user_id": query.customer_user,
        "customer_id": query.customer_id,
        "created_at__gte": query.created_after,
        "created_at__lt": query.created_before,
        "changed_at__gte": query.changed_after,
        "changed_at__lt": query.changed_before,
    }
    tickets = tickets.filter(**{k: v for k, v in filters.items() if v not in ((), [], "", None)})
    if query.archived is not None:
        tickets = tickets.filter(archived=query.archived)
    for after, before in (
        (query.created_after, query.created_before),
        (query.changed_after, query.changed_before),
        (query.closed_after, query.closed_before),
    ):
        if after and before and after >= before:
            raise InvalidValue(_("A time range must start before it ends."))
    if query.closed_after or query.closed_before:
        tickets = tickets.filter(id__in=_closed_between(query.closed_after, query.closed_before))
    if query.text.strip():
        tickets = search.filter_fulltext(tickets, query.text)
    return tickets.order_by("-created_at", "-id")


def _closed_between(after: datetime | None, before: datetime | None) -> QuerySet:
    # As OTRS: the close time is that of a history row that put the ticket in a closed state.
    rows = TicketHistory.objects.filter(
        history_type__name__in=("StateUpdate", "NewTicket"), state__type__name=StateType.CLOSED
    )
    if after:
        rows = rows.filter(created_at__gte=after)
    if before:
        rows = rows.filter(created_at__lt=before)
    return rows.values("ticket_id")
