"""Creating tickets and adding articles to them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue
from ticketry.core.events import publish

from .. import search
from ..events import ArticleCreated, TicketCreated
from ..models import (
    Article,
    Attachment,
    LockType,
    SearchDocument,
    SenderType,
    StateType,
    Ticket,
    TicketFlag,
    TicketHistory,
)
from ..numbers import allocate_ticket_number
from ..permissions import require_queue_permission, require_ticket_permission
from .customers import resolve_customer
from .history import add_history_entries, history_args, history_entry
from .lookups import (
    Ref,
    lock_ticket_row,
    resolve_agent,
    resolve_channel,
    resolve_priority,
    resolve_queue,
    resolve_sender_type,
    resolve_state,
    resolve_type,
)
from .pending import check_pending_time
from .time_accounting import account_time

TITLE_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class AttachmentInput:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    disposition: str = "attachment"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleInput:
    """What a new article says and how it came in. `history_type` is OTRS's (e.g.
    `EmailCustomer`, `PhoneCallCustomer`, `AddNote`); `history_comment` its argument."""

    channel: str = "Internal"
    sender_type: str = "agent"
    is_visible_for_customer: bool = False
    from_address: str = ""
    to_address: str = ""
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    subject: str = ""
    body: str = ""
    body_html: str = ""
    content_type: str = "text/plain"
    charset: str = "utf-8"
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    incoming_at: datetime | None = None
    raw_message: bytes | None = None
    # The raw message when it is in storage already (inbound mail keeps it from receipt on).
    raw_message_file: str = ""
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)
    history_type: str = "AddNote"
    history_comment: str = "%%"
    time_units: Decimal | int | str | None = None


class _NumberTaken(Exception):
    """The ticket number taken without checking belongs to a ticket already."""


def ticket_create(
    *,
    actor: Actor,
    title: str,
    queue: Ref,
    state: Ref = "new",
    priority: Ref = "3 normal",
    type: Ref | None = None,
    lock: int = LockType.UNLOCK,
    owner: int | str | Agent | None = None,
    responsible: int | str | Agent | None = None,
    customer_user: str = "",
    customer_id: str = "",
    allow_unknown_customer: bool = False,
    pending_until: datetime | None = None,
    article: ArticleInput | None = None,
) -> Ticket:
    """Open a ticket (and its first article) with a new ticket number.

    Unknown customers are refused unless `allow_unknown_customer` (mail from a new address).
    """
    title = title.strip()
    if not title:
        raise InvalidValue(_("A ticket needs a title."))
    queue_obj = resolve_queue(queue)
    require_queue_permission(actor, queue_obj, PermissionType.CREATE)
    state_obj = resolve_state(state)
    if state_obj.type.name in (StateType.MERGED, StateType.REMOVED):
        raise InvalidValue(_("A new ticket cannot be in state “%(state)s”."), state=state_obj.name)
    check_pending_time(state_obj, pending_until)
    priority_obj = resolve_priority(priority)
    type_obj = resolve_type(type if type is not None else "Unclassified")
    # The acting agent (or agent 1 for the system) owns the ticket unless told otherwise.
    owner_id = resolve_agent(owner).pk if owner is not None else actor.agent_id
    responsible_id = resolve_agent(responsible).pk if responsible is not None else owner_id
    customer_user, customer_id = resolve_customer(
        customer_user, customer_id, allow_unknown=allow_unknown_customer
    )
    if actor.is_customer:
        customer_user, customer_id = resolve_customer(actor.login, customer_id, allow_unknown=False)

    def open_ticket(*, skip_taken: bool) -> Ticket:
        with transaction.atomic():
            # The number is taken in this transaction: the counter stays locked until the
            # commit and a rollback gives the number back.
            tn = allocate_ticket_number(skip_taken=skip_taken)
            now = clock.now()
            try:
                ticket = Ticket.objects.create(
                    tn=tn,
                    title=title[:TITLE_MAX_LENGTH],
                    queue=queue_obj,
                    state=state_obj,
                    priority=priority_obj,
                    type=type_obj,
                    lock_id=lock,
                    owner_id=owner_id,
                    responsible_id=responsible_id,
                    customer_user_id=customer_user,
                    customer_id=customer_id,
                    pending_until=pending_until if state_obj.is_pending else None,
                    unlock_timeout_base=now if lock == LockType.LOCK else None,
                    created_at=now,
                    created_by_id=actor.agent_id,
                    changed_at=now,
                    changed_by_id=actor.agent_id,
                )
            except IntegrityError:
                if skip_taken:
                    raise
                raise _NumberTaken from None
            _write_new_ticket(ticket, article, actor=actor)
        return ticket

    try:
        return open_ticket(skip_taken=False)
    except _NumberTaken:
        # A ticket has the counter's next number (imported, or the counter was reset): this
        # rare case pays for the search that every ticket would otherwise pay for.
        return open_ticket(skip_taken=True)


def _write_new_ticket(ticket: Ticket, article: ArticleInput | None, *, actor: Actor) -> None:
    """History, search documents, first article and event of a ticket just inserted."""
    history = [
        history_entry(
            ticket,
            "NewTicket",
            history_args(
                ticket.tn, ticket.queue.name, ticket.priority.name, ticket.state.name, ticket.pk
            ),
            actor=actor,
        )
    ]
    if ticket.customer_user_id or ticket.customer_id:
        history.append(
            history_entry(
                ticket,
                "CustomerUpdate",
                customer_history(ticket.customer_user_id, ticket.customer_id),
                actor=actor,
            )
        )
    if ticket.pending_until:
        history.append(
            history_entry(
                ticket, "SetPendingTime", pending_history(ticket.pending_until), actor=actor
            )
        )
    documents = [search.ticket_document(ticket)]
    if article:
        created_article = _create_article(
            ticket, article, actor=actor, new_ticket=True, history=history, documents=documents
        )
    else:
        created_article = None
        add_history_entries(history)
        search.add_documents(documents)
    publish(
        TicketCreated(
            ticket_id=ticket.pk,
            actor=actor,
            queue_id=ticket.queue_id,
            article_id=created_article.pk if created_article else None,
        )
    )


def article_create(*, actor: Actor, ticket: Ticket | int, article: ArticleInput) -> Article:
    """Add an article to a ticket. Agents need `note` for internal notes and `rw` otherwise."""
    with transaction.atomic():
        locked = lock_ticket_row(ticket)
        needed = (
            PermissionType.NOTE
            if article.channel == "Internal" and not article.is_visible_for_customer
            else PermissionType.RW
        )
        require_ticket_permission(actor, locked, needed)
        created = _create_article(locked, article, actor=actor)
        Ticket.objects.filter(pk=locked.pk).update(
            changed_at=created.created_at,
            changed_by_id=actor.agent_id,
            unlock_timeout_base=locked.unlock_timeout_base,
        )
    return created


def _create_article(
    ticket: Ticket,
    data: ArticleInput,
    *,
    actor: Actor,
    new_ticket: bool = False,
    history: Sequence[TicketHistory] = (),
    documents: Sequence[SearchDocument] = (),
) -> Article:
    """Write the article with its history and search document. `history` and `documents` are
    unsaved rows of the same change, written before the article's own in the same statements."""
    channel = resolve_channel(data.channel)
    sender_type = resolve_sender_type(data.sender_type)
    now = clock.now()
    article = Article(
        ticket=ticket,
        channel=channel,
        sender_type=sender_type,
        is_visible_for_customer=data.is_visible_for_customer,
        from_address=data.from_address,
        to_address=data.to_address,
        cc=data.cc,
        bcc=data.bcc,
        reply_to=data.reply_to,
        subject=data.subject,
        message_id=data.message_id,
        message_id_md5=hashlib.md5(data.message_id.encode()).hexdigest() if data.message_id else "",
        in_reply_to=data.in_reply_to,
        references=data.references,
        body=data.body,
        body_html=data.body_html,
        content_type=data.content_type,
        charset=data.charset,
        incoming_at=data.incoming_at or now,
        created_at=now,
        created_by_id=actor.agent_id,
        changed_at=now,
        changed_by_id=actor.agent_id,
    )
    if data.raw_message_file:
        article.raw_message.name = data.raw_message_file
    elif data.raw_message is not None:
        article.raw_message.save(f"{ticket.tn}.eml", ContentFile(data.raw_message), save=False)
    article.save(force_insert=True)
    for attachment in data.attachments:
        stored = Attachment(
            article=article,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content_id=attachment.content_id,
            disposition=attachment.disposition,
            size=len(attachment.content),
            created_at=now,
        )
        stored.content.save(
            attachment.filename or "attachment", ContentFile(attachment.content), save=False
        )
        stored.save(force_insert=True)
    own_history = history_entry(
        ticket, data.history_type, data.history_comment, actor=actor, article=article
    )
    add_history_entries([*history, own_history])
    if data.time_units:
        account_time(ticket, data.time_units, actor=actor, article=article)
    if sender_type.pk == SenderType.AGENT:
        # OTRS resets the unlock timeout on every agent article, so a locked ticket someone
        # is answering does not fall back into the queue.
        ticket.unlock_timeout_base = article.created_at
    if not new_ticket:
        _mark_unseen_for_others(ticket, actor=actor)
    names = [a.filename for a in data.attachments]
    search.add_documents([*documents, search.article_document(article, attachment_names=names)])
    publish(
        ArticleCreated(
            ticket_id=ticket.pk,
            actor=actor,
            article_id=article.pk,
            history_type=data.history_type,
        )
    )
    return article


def _mark_unseen_for_others(ticket: Ticket, *, actor: Actor) -> None:
    """A new article makes the ticket unseen for everyone but its author."""
    flags = TicketFlag.objects.filter(ticket=ticket, key="Seen")
    if actor.is_agent:
        flags = flags.exclude(agent_id=actor.id)
    flags.delete()


def customer_history(customer_user: str, customer_id: str) -> str:
    return history_args(f"CustomerID={customer_id};CustomerUser={customer_user};")


def pending_history(moment: datetime | None) -> str:
    if moment is None:
        return history_args("00-00-00 00:00")
    return history_args(clock.localtime(moment).strftime("%Y-%m-%d %H:%M"))
