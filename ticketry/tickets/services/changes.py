"""Shared steps of every ticket change: lock the row, check permission, save, unlock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.events import publish

from ..events import TicketLockChanged
from ..models import LockType, Ticket
from ..permissions import require_ticket_permission
from .history import add_history, history_args
from .lookups import lock_ticket_row


@contextmanager
def changing(ticket: Ticket | int, *, actor: Actor, permission: str) -> Iterator[Ticket]:
    """Open a transaction, lock the ticket row and check `permission` before the change."""
    with transaction.atomic():
        locked = lock_ticket_row(ticket)
        require_ticket_permission(actor, locked, permission)
        yield locked


def save_ticket(ticket: Ticket, *fields: str, actor: Actor) -> None:
    ticket.changed_at = clock.now()
    ticket.changed_by_id = actor.agent_id
    ticket.save(update_fields=[*fields, "changed_at", "changed_by"])


def set_lock(ticket: Ticket, lock_id: int, *, actor: Actor, announce: bool = True) -> bool:
    """Set the lock state on a locked row; returns whether it changed. Without `announce`,
    nobody is notified of an unlock (OTRS's `Notification => 0`)."""
    if ticket.lock_id == lock_id:
        return False
    ticket.lock_id = lock_id
    fields = ["lock"]
    if lock_id == LockType.LOCK:
        ticket.unlock_timeout_base = clock.now()
        fields.append("unlock_timeout_base")
    save_ticket(ticket, *fields, actor=actor)
    if lock_id == LockType.UNLOCK:
        add_history(ticket, "Unlock", history_args("unlock"), actor=actor)
    elif lock_id == LockType.LOCK:
        add_history(ticket, "Lock", history_args("lock"), actor=actor)
    else:
        add_history(ticket, "Misc", history_args("tmp_lock"), actor=actor)
    publish(
        TicketLockChanged(
            ticket_id=ticket.pk,
            actor=actor,
            locked=lock_id != LockType.UNLOCK,
            owner_id=ticket.owner_id,
            announce=announce,
        )
    )
    return True
