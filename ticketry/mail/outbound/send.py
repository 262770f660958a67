"""Sending a mail from a ticket: the Email article and its queued message, written together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from email.headerregistry import Address

from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound
from ticketry.core.validity import Validity
from ticketry.tickets.models import Article, SystemAddress, Ticket
from ticketry.tickets.services import ArticleInput, AttachmentInput, article_create
from ticketry.tickets.services.history import history_args

from .compose import compose_message, thread_headers
from .queue import enqueue_message
from .tasks import send_after_commit


def send_email_article(
    *,
    actor: Actor,
    ticket: Ticket | int,
    to: str,
    subject: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    body_html: str = "",
    attachments: Sequence[AttachmentInput] = (),
    in_reply_to: Article | None = None,
    from_address: str | None = None,
    sender_type: str = "agent",
    is_visible_for_customer: bool = True,
    history_type: str = "SendAnswer",
    history_comment: str | None = None,
    auto_response: bool = False,
    extra_headers: Mapping[str, str] | None = None,
    time_units: Decimal | int | str | None = None,
) -> Article:
    """Add an Email article to `ticket` and queue its message, in one transaction; a worker
    sends it after the commit. The queued message is the article's raw message: it is
    stored there only. `from_address` defaults to the queue's system address;
    `auto_response` marks the mail as automatic (X-Loop, Precedence, Auto-Submitted)."""
    if from_address is None:
        from_address = queue_sender(ticket)
    reply_id, references = "", ""
    if in_reply_to is not None:
        reply_id, references = thread_headers(in_reply_to.message_id, in_reply_to.references)
    composed = compose_message(
        from_address=from_address,
        to=to,
        cc=cc,
        bcc=bcc,
        subject=subject,
        body=body,
        body_html=body_html,
        attachments=attachments,
        in_reply_to=reply_id,
        references=references,
        auto_response=auto_response,
        extra_headers=extra_headers,
    )
    data = ArticleInput(
        channel="Email",
        sender_type=sender_type,
        is_visible_for_customer=is_visible_for_customer,
        from_address=from_address,
        to_address=to,
        cc=cc,
        bcc=bcc,
        subject=subject,
        body=body,
        body_html=body_html,
        content_type="text/html" if body_html else "text/plain",
        charset="utf-8",
        message_id=composed.message_id,
        in_reply_to=reply_id,
        references=references,
        attachments=tuple(attachments),
        history_type=history_type,
        history_comment=history_args(to) if history_comment is None else history_comment,
        time_units=time_units,
    )
    with transaction.atomic():
        article = article_create(actor=actor, ticket=ticket, article=data)
        outbound = enqueue_message(composed, article_id=article.pk, ticket_id=article.ticket_id)
        send_after_commit(outbound.pk)
    return article


def queue_sender(ticket: Ticket | int) -> str:
    """`Display Name <address>` of the system address of the ticket's queue."""
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    queue = (
        Ticket.objects.filter(pk=ticket_id)
        .select_related("queue__system_address")
        .values_list("queue__system_address__realname", "queue__system_address__name")
        .first()
    )
    if queue is None:
        raise NotFound(_("Ticket %(id)s does not exist."), id=ticket_id)
    realname, address = queue
    if not address:
        # A queue without its own address sends from the first valid one, as OTRS falls
        # back to system address 1.
        fallback = (
            SystemAddress.objects.filter(valid=Validity.VALID)
            .order_by("id")
            .values_list("realname", "name")
            .first()
        )
        if fallback is None:
            raise InvalidValue(_("There is no system address to send mail from."))
        realname, address = fallback
    return str(Address(display_name=realname, addr_spec=address))
