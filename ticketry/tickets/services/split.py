"""Splitting an article off into a new ticket (OTRS's article action "Split").

The new ticket is the child of the ticket the article came from (OTRS `SplitLinkType`:
ParentChild, direction Target); the article itself stays where it is.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core.actor import Actor
from ticketry.core.errors import NotFound

from ..models import Article, LinkType, Ticket
from ..permissions import require_ticket_permission
from .articles import ArticleInput, AttachmentInput, ticket_create
from .lookups import Ref, lock_ticket_row, resolve_link_type
from .relations import _link


def ticket_split(
    *,
    actor: Actor,
    article: Article | int,
    title: str,
    queue: Ref,
    subject: str | None = None,
    body: str | None = None,
    state: Ref = "open",
    priority: Ref = "3 normal",
    type: Ref | None = None,
    owner: int | str | Agent | None = None,
    responsible: int | str | Agent | None = None,
    customer_user: str | None = None,
    customer_id: str | None = None,
    allow_unknown_customer: bool = False,
    pending_until: datetime | None = None,
    channel: str = "Phone",
    sender_type: str = "customer",
    history_type: str = "PhoneCallCustomer",
    time_units: Decimal | int | str | None = None,
    copy_attachments: bool = True,
) -> Ticket:
    """Open a new ticket from `article` and link it as child of the article's ticket.

    The new article takes the article's addresses and attachments and its subject and body
    unless the agent edited them (`subject`, `body`). The customer is the original ticket's
    unless given; the original's may be one the customer database does not know, a given one
    only with `allow_unknown_customer`.
    Reading the original ticket (`ro`) is enough; creating needs `create` on `queue`.
    """
    article_id = article.pk if isinstance(article, Article) else article
    with transaction.atomic():
        ticket_id = (
            Article.objects.filter(pk=article_id).values_list("ticket_id", flat=True).first()
        )
        if ticket_id is None:
            raise NotFound(_("Unknown article “%(ref)s”."), ref=article_id)
        parent = lock_ticket_row(ticket_id)
        require_ticket_permission(actor, parent, PermissionType.RO)
        original = Article.objects.prefetch_related("attachments").get(pk=article_id)
        attachments = (
            tuple(
                AttachmentInput(
                    filename=stored.filename,
                    content=_read(stored.content),
                    content_type=stored.content_type,
                    content_id=stored.content_id,
                    disposition=stored.disposition,
                )
                for stored in original.attachments.all()
            )
            if copy_attachments
            else ()
        )
        inherit_customer = customer_user is None
        if inherit_customer:
            customer_user = parent.customer_user_id
            customer_id = parent.customer_id if customer_id is None else customer_id
        child = ticket_create(
            actor=actor,
            title=title,
            queue=queue,
            state=state,
            priority=priority,
            type=type,
            owner=owner,
            responsible=responsible,
            customer_user=customer_user,
            customer_id=customer_id or "",
            allow_unknown_customer=inherit_customer or allow_unknown_customer,
            pending_until=pending_until,
            article=ArticleInput(
                channel=channel,
                sender_type=sender_type,
                is_visible_for_customer=True,
                from_address=original.from_address,
                to_address=original.to_address,
                cc=original.cc,
                subject=original.subject if subject is None else subject,
                body=original.body if body is None else body,
                attachments=attachments,
                history_type=history_type,
                time_units=time_units,
            ),
        )
        _link(parent, child, resolve_link_type(LinkType.PARENT_CHILD), actor=actor)
    return child


def _read(content) -> bytes:
    with content.open("rb") as stored:
        return stored.read()
