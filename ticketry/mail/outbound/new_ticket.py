"""Opening a ticket by writing to the customer (OTRS `AgentTicketEmail`): the ticket and its
first article, a mail from the agent, are written and queued in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from ticketry.accounts.models import Agent
from ticketry.core.actor import Actor
from ticketry.tickets.models import Ticket
from ticketry.tickets.services import AttachmentInput, ticket_create
from ticketry.tickets.services.lookups import Ref

from ..subjects import subject_build
from .send import send_email_article


def email_ticket_create(
    *,
    actor: Actor,
    title: str,
    queue: Ref,
    to: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    state: Ref = "open",
    priority: Ref = "3 normal",
    type: Ref | None = None,
    owner: int | str | Agent | None = None,
    responsible: int | str | Agent | None = None,
    customer_user: str = "",
    customer_id: str = "",
    allow_unknown_customer: bool = False,
    pending_until: datetime | None = None,
    attachments: Sequence[AttachmentInput] = (),
    time_units: Decimal | int | str | None = None,
) -> Ticket:
    """Open a ticket and send its first article to `to`: an Email article from the agent,
    visible for the customer, with history `EmailAgent` and the ticket number in the subject.
    Nothing is written if the mail cannot be composed."""
    with transaction.atomic():
        ticket = ticket_create(
            actor=actor,
            title=title,
            queue=queue,
            state=state,
            priority=priority,
            type=type,
            owner=owner,
            responsible=responsible,
            customer_user=customer_user,
            customer_id=customer_id,
            allow_unknown_customer=allow_unknown_customer,
            pending_until=pending_until,
        )
        send_email_article(
            actor=actor,
            ticket=ticket,
            to=to,
            cc=cc,
            bcc=bcc,
            subject=subject_build(ticket.tn, ticket.title),
            body=body,
            attachments=attachments,
            history_type="EmailAgent",
            time_units=time_units,
        )
    return ticket
