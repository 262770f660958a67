"""Sending a message of the queue again, on an agent's request."""

from __future__ import annotations

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core.actor import Actor
from ticketry.core.errors import PermissionDenied
from ticketry.tickets.permissions import require_ticket_permission

from ..models import OutboundMail
from .queue import requeue
from .tasks import send_after_commit


def resend(outbound: OutboundMail | int, *, actor: Actor) -> OutboundMail:
    """Queue a sent or failed message again for an attempt now. Needs `rw` on its ticket;
    a message without a ticket only the system or a superuser may resend."""
    mail = (
        OutboundMail.objects.select_related("ticket__queue").get(pk=outbound)
        if isinstance(outbound, int)
        else outbound
    )
    if mail.ticket_id is not None:
        require_ticket_permission(actor, mail.ticket, PermissionType.RW)
    elif not (
        actor.is_system or Agent.objects.filter(pk=actor.agent_id, is_superuser=True).exists()
    ):
        raise PermissionDenied()
    requeued = requeue(mail.pk)
    send_after_commit(requeued.pk)
    return requeued
