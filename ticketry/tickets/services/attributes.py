"""Changing a ticket's attributes: queue, state, priority, lock, owner, title and the rest."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core import clock, sysconfig
from ticketry.core.actor import Actor
from ticketry.core.errors import Conflict, DomainError, InvalidValue, PermissionDenied
from ticketry.core.events import publish

from .. import events, search
from ..models import LockType, State, StateType, Ticket
from ..permissions import queue_permission, require_queue_permission
from .articles import customer_history, pending_history
from .changes import changing, save_ticket, set_lock
from .customers import resolve_customer
from .history import add_history, history_args
from .lookups import (
    Ref,
    resolve_agent,
    resolve_priority,
    resolve_queue,
    resolve_service,
    resolve_sla,
    resolve_state,
    resolve_type,
)
from .pending import check_pending_time

logger = logging.getLogger(__name__)

TITLE_HISTORY_LENGTH = 50


def ticket_move(*, actor: Actor, ticket: Ticket | int, queue: Ref) -> Ticket:
    """Move to another queue: `move` on the ticket and `move_into` on the target queue.
    The ticket is unlocked afterwards (OTRS ForceUnlockOnMove)."""
    with changing(ticket, actor=actor, permission="move") as t:
        new = resolve_queue(queue)
        if new.pk == t.queue_id:
            return t
        require_queue_permission(actor, new, PermissionType.MOVE_INTO)
        old = t.queue
        t.queue = new
        save_ticket(t, "queue", actor=actor)
        add_history(t, "Move", history_args(new.name, new.pk, old.name, old.pk), actor=actor)
        publish(
            events.TicketMoved(
                ticket_id=t.pk, actor=actor, old_queue_id=old.pk, new_queue_id=new.pk
            )
        )
        set_lock(t, LockType.UNLOCK, actor=actor)
    return t


def ticket_set_state(
    *,
    actor: Actor,
    ticket: Ticket | int,
    state: Ref,
    pending_until: datetime | None = None,
) -> Ticket:
    """Change the state. Pending states need `pending_until`; leaving them clears it.
    Closing unlocks the ticket, as OTRS's close action does."""
    with changing(ticket, actor=actor, permission="state") as t:
        _change_state(t, resolve_state(state), pending_until, actor=actor)
    return t


def ticket_close_pending_auto(*, ticket: Ticket | int) -> bool:
    """OTRS's pending check for one ticket: a `pending auto` ticket whose pending time has
    passed gets the state Ticket::StateAfterPending names for its state, by the system and
    without telling the owner of the unlock. False if the ticket is not (or no longer) due."""
    actor = Actor.system()
    with changing(ticket, actor=actor, permission="state") as t:
        after = sysconfig.get("Ticket::StateAfterPending").get(t.state.name)
        due = t.pending_until is not None and t.pending_until <= clock.now()
        if t.state.type.name != StateType.PENDING_AUTO or not due or not after:
            return False
        _change_state(t, resolve_state(after), None, actor=actor, announce_unlock=False)
    return True


def close_due_pending_auto(limit: int = 1000) -> list[int]:
    """The pending check over every due `pending auto` ticket; returns the ids it closed.
    A ticket that cannot be changed (a mapping to an unknown state) is logged and left."""
    due = (
        Ticket.objects.filter(
            state__type__name=StateType.PENDING_AUTO, pending_until__lte=clock.now()
        )
        .order_by("pending_until", "id")
        .values_list("pk", flat=True)[:limit]
    )
    closed = []
    for ticket_id in due:
        try:
            if ticket_close_pending_auto(ticket=ticket_id):
                closed.append(ticket_id)
        except DomainError as error:
            logger.warning("Pending check left ticket %s: %s", ticket_id, error)
    return closed


def _change_state(
    t: Ticket,
    new: State,
    pending_until: datetime | None,
    *,
    actor: Actor,
    announce_unlock: bool = True,
) -> None:
    if new.type.name in (StateType.MERGED,):
        raise InvalidValue(_("Use merge to merge a ticket."))
    check_pending_time(new, pending_until)
    old = t.state
    if new.pk != old.pk:
        t.state = new
        save_ticket(t, "state", actor=actor)
        add_history(t, "StateUpdate", history_args(old.name, new.name, ""), actor=actor)
        publish(
            events.TicketStateChanged(
                ticket_id=t.pk, actor=actor, old_state_id=old.pk, new_state_id=new.pk
            )
        )
    _set_pending_time(t, pending_until if new.is_pending else None, actor=actor)
    if new.type.name == StateType.CLOSED:
        set_lock(t, LockType.UNLOCK, actor=actor, announce=announce_unlock)


def ticket_set_pending_time(
    *, actor: Actor, ticket: Ticket | int, pending_until: datetime | None
) -> Ticket:
    with changing(ticket, actor=actor, permission="pending") as t:
        check_pending_time(t.state, pending_until)
        if pending_until is not None and not t.state.is_pending:
            raise InvalidValue(_("Ticket %(tn)s is not in a pending state."), tn=t.tn)
        _set_pending_time(t, pending_until, actor=actor)
    return t


def _set_pending_time(ticket: Ticket, moment: datetime | None, *, actor: Actor) -> None:
    if ticket.pending_until == moment:
        return
    ticket.pending_until = moment
    save_ticket(ticket, "pending_until", actor=actor)
    add_history(ticket, "SetPendingTime", pending_history(moment), actor=actor)
    publish(events.TicketPendingTimeChanged(ticket_id=ticket.pk, actor=actor, pending_until=moment))


def ticket_set_priority(*, actor: Actor, ticket: Ticket | int, priority: Ref) -> Ticket:
    with changing(ticket, actor=actor, permission=PermissionType.PRIORITY) as t:
        new = resolve_priority(priority)
        old = t.priority
        if new.pk == old.pk:
            return t
        t.priority = new
        save_ticket(t, "priority", actor=actor)
        add_history(
            t, "PriorityUpdate", history_args(old.name, old.pk, new.name, new.pk), actor=actor
        )
        publish(
            events.TicketPriorityChanged(
                ticket_id=t.pk, actor=actor, old_priority_id=old.pk, new_priority_id=new.pk
            )
        )
    return t


def ticket_lock(*, actor: Actor, ticket: Ticket | int) -> Ticket:
    """Lock the ticket for the acting agent, who becomes its owner."""
    with changing(ticket, actor=actor, permission="lock") as t:
        if t.lock_id == LockType.LOCK:
            if t.owner_id == actor.agent_id:
                return t
            raise Conflict(
                _("Ticket %(tn)s is locked by %(owner)s. Change the owner first."),
                tn=t.tn,
                owner=t.owner.login,
            )
        set_lock(t, LockType.LOCK, actor=actor)
        _set_owner(t, resolve_agent(actor.agent_id), actor=actor)
    return t


def ticket_unlock(*, actor: Actor, ticket: Ticket | int) -> Ticket:
    """Release the lock. Only the owner may, or an agent with `rw` on the queue."""
    with changing(ticket, actor=actor, permission="lock") as t:
        if (
            actor.is_agent
            and t.owner_id != actor.id
            and not queue_permission(actor, t.queue, PermissionType.RW)
        ):
            raise PermissionDenied(
                _("Sorry, the current owner is %(owner)s! Please become the owner first."),
                owner=t.owner.login,
            )
        set_lock(t, LockType.UNLOCK, actor=actor)
    return t


def ticket_set_owner(*, actor: Actor, ticket: Ticket | int, owner: int | str | Agent) -> Ticket:
    """Hand the ticket to another agent, who needs `owner` on the queue. This is how an agent
    with `owner` or `rw` takes over a ticket locked by someone else."""
    with changing(ticket, actor=actor, permission=PermissionType.OWNER) as t:
        new = resolve_agent(owner)
        if not queue_permission(new.actor, t.queue, PermissionType.OWNER):
            raise PermissionDenied(
                _("%(agent)s may not own tickets in queue “%(queue)s”."),
                agent=new.login,
                queue=t.queue.name,
            )
        _set_owner(t, new, actor=actor)
    return t


def _set_owner(ticket: Ticket, new: Agent, *, actor: Actor) -> None:
    old_id = ticket.owner_id
    if new.pk == old_id:
        return
    ticket.owner = new
    save_ticket(ticket, "owner", actor=actor)
    add_history(ticket, "OwnerUpdate", history_args(new.login, new.pk), actor=actor)
    publish(
        events.TicketOwnerChanged(
            ticket_id=ticket.pk, actor=actor, old_owner_id=old_id, new_owner_id=new.pk
        )
    )


def ticket_set_responsible(
    *, actor: Actor, ticket: Ticket | int, responsible: int | str | Agent
) -> Ticket:
    with changing(ticket, actor=actor, permission="responsible") as t:
        new = resolve_agent(responsible)
        old_id = t.responsible_id
        if new.pk == old_id:
            return t
        t.responsible = new
        save_ticket(t, "responsible", actor=actor)
        add_history(t, "ResponsibleUpdate", history_args(new.login, new.pk), actor=actor)
        publish(
            events.TicketResponsibleChanged(
                ticket_id=t.pk, actor=actor, old_responsible_id=old_id, new_responsible_id=new.pk
            )
        )
    return t


def ticket_set_title(*, actor: Actor, ticket: Ticket | int, title: str) -> Ticket:
    title = title.strip()
    if not title:
        raise InvalidValue(_("A ticket needs a title."))
    with changing(ticket, actor=actor, permission="title") as t:
        old = t.title
        if title == old:
            return t
        t.title = title[: Ticket._meta.get_field("title").max_length]
        save_ticket(t, "title", actor=actor)
        shown = t.title[:TITLE_HISTORY_LENGTH]
        if len(shown) == TITLE_HISTORY_LENGTH:
            shown += "..."
        add_history(t, "TitleUpdate", history_args(old, shown), actor=actor)
        search.index_ticket(t)
        publish(
            events.TicketTitleChanged(ticket_id=t.pk, actor=actor, old_title=old, new_title=t.title)
        )
    return t


def ticket_set_type(*, actor: Actor, ticket: Ticket | int, type: Ref) -> Ticket:
    with changing(ticket, actor=actor, permission="type") as t:
        new = resolve_type(type)
        old = t.type
        if new.pk == old.pk:
            return t
        t.type = new
        save_ticket(t, "type", actor=actor)
        add_history(t, "TypeUpdate", history_args(new.name, new.pk, old.name, old.pk), actor=actor)
        publish(
            events.TicketTypeChanged(
                ticket_id=t.pk, actor=actor, old_type_id=old.pk, new_type_id=new.pk
            )
        )
    return t


def ticket_set_service(*, actor: Actor, ticket: Ticket | int, service: Ref | None) -> Ticket:
    with changing(ticket, actor=actor, permission="service") as t:
        new = resolve_service(service) if service is not None else None
        old = t.service
        if (new and new.pk) == (old and old.pk):
            return t
        t.service = new
        save_ticket(t, "service", actor=actor)
        add_history(t, "ServiceUpdate", _optional_args(new, old), actor=actor)
        publish(events.TicketServiceChanged(ticket_id=t.pk, actor=actor, service_id=new and new.pk))
    return t


def ticket_set_sla(*, actor: Actor, ticket: Ticket | int, sla: Ref | None) -> Ticket:
    with changing(ticket, actor=actor, permission="service") as t:
        new = resolve_sla(sla) if sla is not None else None
        old = t.sla
        if (new and new.pk) == (old and old.pk):
            return t
        t.sla = new
        save_ticket(t, "sla", actor=actor)
        add_history(t, "SLAUpdate", _optional_args(new, old), actor=actor)
        publish(events.TicketSLAChanged(ticket_id=t.pk, actor=actor, sla_id=new and new.pk))
    return t


def _optional_args(new: object | None, old: object | None) -> str:
    def pair(obj):
        return (obj.name, obj.pk) if obj is not None else ("NULL", "")

    return history_args(*pair(new), *pair(old))


def ticket_set_customer(
    *,
    actor: Actor,
    ticket: Ticket | int,
    customer_user: str,
    customer_id: str = "",
    allow_unknown_customer: bool = False,
) -> Ticket:
    customer_user, customer_id = resolve_customer(
        customer_user, customer_id, allow_unknown=allow_unknown_customer
    )
    with changing(ticket, actor=actor, permission="customer") as t:
        if (t.customer_user_id, t.customer_id) == (customer_user, customer_id):
            return t
        t.customer_user_id = customer_user
        t.customer_id = customer_id
        save_ticket(t, "customer_user_id", "customer_id", actor=actor)
        add_history(t, "CustomerUpdate", customer_history(customer_user, customer_id), actor=actor)
        publish(
            events.TicketCustomerChanged(
                ticket_id=t.pk, actor=actor, customer_user_id=customer_user, customer_id=customer_id
            )
        )
    return t


def ticket_set_archived(*, actor: Actor, ticket: Ticket | int, archived: bool) -> Ticket:
    with changing(ticket, actor=actor, permission="archive") as t:
        if t.archived == archived:
            return t
        t.archived = archived
        save_ticket(t, "archived", actor=actor)
        add_history(t, "ArchiveFlagUpdate", history_args("y" if archived else "n"), actor=actor)
        publish(events.TicketArchiveFlagChanged(ticket_id=t.pk, actor=actor, archived=archived))
    return t
