"""The PostMaster (OTRS Kernel::System::PostMaster): turn a parsed mail into a new ticket, a
follow-up, a rejected follow-up or nothing, and answer with the queue's auto-response."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from ticketry.core import clock, sysconfig
from ticketry.core.actor import Actor
from ticketry.core.errors import DomainError
from ticketry.customers.models import CustomerUser
from ticketry.tickets import services
from ticketry.tickets.models import (
    Article,
    DynamicField,
    FollowUpOption,
    LockType,
    StateType,
    Ticket,
)
from ticketry.tickets.services.history import history_args
from ticketry.tickets.services.lookups import resolve_agent

from ..addresses import address_of, split_addresses
from ..autoresponses import AutoResponseKind, send_auto_response
from ..parsing import ParsedMessage
from ..subjects import subject_clean
from .acceptance import check_is_email
from .bounces import detect_bounce, record_bounce
from .filters import apply_filters
from .followup import find_follow_up, message_ids
from .params import MailParams
from .routing import destination_queue

_RELATIVE_TIME = re.compile(r"^\s*([+-]?)\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
CLOSED_TYPES = {StateType.CLOSED, StateType.REMOVED}


@dataclass(slots=True)
class PostmasterResult:
    outcome: str
    ticket: Ticket | None = None
    article: Article | None = None
    notes: list[str] = field(default_factory=list)


def run_postmaster(
    parsed: ParsedMessage,
    raw: bytes,
    *,
    raw_name: str,
    trusted: bool,
    fixed_queue_id: int | None = None,
    envelope_recipient: str = "",
) -> PostmasterResult:
    """Decide and act, in the caller's transaction (OTRS PostMaster::Run)."""
    check_is_email(parsed, raw)
    params = MailParams(parsed, trusted=trusted)
    detect_attachments(params)
    detect_bounce(params, raw)
    applied = apply_filters(params)
    notes = [_("Filter “%(name)s” matched.") % {"name": run.name} for run in applied]
    if params.flag("X-OTRS-Ignore"):
        return PostmasterResult("ignored", notes=[*notes, _("Ignored (X-OTRS-Ignore).")])
    ticket = find_follow_up(params, raw)
    actor = Actor.system()
    if ticket is None:
        queue = destination_queue(
            params, fixed_queue_id=fixed_queue_id, envelope_recipient=envelope_recipient
        )
        created, article = new_ticket(params, parsed, raw_name, queue=queue, actor=actor)
        return PostmasterResult("new_ticket", created, article, notes)
    closed = ticket.state.type.name in CLOSED_TYPES
    option = ticket.queue.follow_up
    bounce = bool(params.get("X-OTRS-Bounce")) and sysconfig.get("PostmasterBounceEmailAsFollowUp")
    if closed and not bounce and option == FollowUpOption.NEW_TICKET:
        params.set("Subject", subject_clean(ticket.tn, params.get("Subject")))
        created, article = new_ticket(
            params,
            parsed,
            raw_name,
            queue=ticket.queue_id,
            actor=actor,
            link_to=ticket,
            auto_response=AutoResponseKind.NEW_TICKET,
        )
        return PostmasterResult("new_ticket_for_closed", created, article, notes)
    if closed and not bounce and option == FollowUpOption.REJECT:
        article = reject(params, parsed, raw_name, ticket=ticket, actor=actor)
        return PostmasterResult("follow_up_rejected", ticket, article, notes)
    article = follow_up(params, parsed, raw_name, ticket=ticket, actor=actor, was_closed=closed)
    if bounce:
        record_bounce(params)
    return PostmasterResult("follow_up", ticket, article, notes)


def new_ticket(
    params: MailParams,
    parsed: ParsedMessage,
    raw_name: str,
    *,
    queue: int | str,
    actor: Actor,
    link_to: Ticket | None = None,
    auto_response: str = "",
) -> tuple[Ticket, Article]:
    """OTRS PostMaster::NewTicket: attributes from X-OTRS headers or the defaults."""
    state = params.get("X-OTRS-State") or sysconfig.get("PostmasterDefaultState")
    customer_user, customer_id = recognise_customer(params)
    ticket = services.ticket_create(
        actor=actor,
        title=_text(params.get("X-OTRS-Title") or params.get("Subject")) or _("(no subject)"),
        queue=queue,
        state=state,
        priority=params.get("X-OTRS-Priority") or sysconfig.get("PostmasterDefaultPriority"),
        type=params.get("X-OTRS-Type") or None,
        lock=LockType.LOCK if params.get("X-OTRS-Lock").lower() == "lock" else LockType.UNLOCK,
        owner=_agent_ref(params, "X-OTRS-OwnerID", "X-OTRS-Owner"),
        responsible=_agent_ref(params, "X-OTRS-ResponsibleID", "X-OTRS-Responsible") or 1,
        customer_user=customer_user,
        customer_id=customer_id,
        allow_unknown_customer=True,
        pending_until=pending_time(params.get("X-OTRS-State-PendingTime")),
        article=article_input(params, parsed, raw_name, history_type="EmailCustomer", comment="%%"),
    )
    article = ticket.articles.order_by("id").first()
    _optional_attributes(params, ticket, actor=actor, prefix="X-OTRS-")
    _dynamic_fields(params, ticket, article, actor=actor, prefix="X-OTRS-")
    if link_to is not None:
        services.ticket_link_add(actor=actor, source=link_to, target=ticket, link_type="Normal")
    send_auto_response(
        ticket=ticket,
        article=article,
        params=params,
        kind=auto_response or AutoResponseKind.REPLY,
    )
    return ticket, article


def follow_up(
    params: MailParams,
    parsed: ParsedMessage,
    raw_name: str,
    *,
    ticket: Ticket,
    actor: Actor,
    was_closed: bool,
) -> Article:
    """OTRS PostMaster::FollowUp: add the article, then reopen, relock and apply the
    X-OTRS-FollowUp-* headers."""
    visible = _visible_follow_up(params, ticket)
    article = services.article_create(
        actor=actor,
        ticket=ticket,
        article=article_input(
            params,
            parsed,
            raw_name,
            history_type="FollowUp",
            comment=history_args(ticket.tn, ""),
            prefix="X-OTRS-FollowUp-",
            visible=visible,
        ),
    )
    owner = _agent_ref(params, "X-OTRS-FollowUp-OwnerID", "X-OTRS-FollowUp-Owner")
    responsible = _agent_ref(params, "X-OTRS-FollowUp-ResponsibleID", "X-OTRS-FollowUp-Responsible")
    if owner:
        ticket = services.ticket_set_owner(actor=actor, ticket=ticket, owner=owner)
    if responsible:
        ticket = services.ticket_set_responsible(
            actor=actor, ticket=ticket, responsible=responsible
        )
    _follow_up_lock(params, ticket, actor=actor, was_closed=was_closed)
    _follow_up_state(params, ticket, actor=actor, was_closed=was_closed)
    _optional_attributes(params, ticket, actor=actor, prefix="X-OTRS-FollowUp-")
    _dynamic_fields(params, ticket, article, actor=actor, prefix="X-OTRS-FollowUp-")
    send_auto_response(
        ticket=ticket, article=article, params=params, kind=AutoResponseKind.FOLLOW_UP
    )
    return article


def reject(
    params: MailParams, parsed: ParsedMessage, raw_name: str, *, ticket: Ticket, actor: Actor
) -> Article:
    """OTRS PostMaster::Reject: keep the mail, leave the ticket closed, tell the sender."""
    article = services.article_create(
        actor=actor,
        ticket=ticket,
        article=article_input(
            params,
            parsed,
            raw_name,
            history_type="FollowUp",
            comment=history_args("Follow up rejected."),
            prefix="X-OTRS-FollowUp-",
        ),
    )
    send_auto_response(ticket=ticket, article=article, params=params, kind=AutoResponseKind.REJECT)
    return article


def article_input(
    params: MailParams,
    parsed: ParsedMessage,
    raw_name: str,
    *,
    history_type: str,
    comment: str,
    prefix: str = "X-OTRS-",
    visible: bool | None = None,
) -> services.ArticleInput:
    return services.ArticleInput(
        channel="Email",
        sender_type=params.get(f"{prefix}SenderType") or "customer",
        is_visible_for_customer=(
            params.get(f"{prefix}IsVisibleForCustomer") != "0" if visible is None else visible
        ),
        from_address=_text(parsed.from_),
        to_address=_text(parsed.to),
        cc=_text(parsed.cc),
        reply_to=_text(parsed.reply_to),
        subject=_text(params.get("Subject")),
        body=_text(parsed.body_text),
        body_html=_text(parsed.body_html),
        content_type=parsed.content_type,
        charset=parsed.charset or "utf-8",
        message_id=_text(parsed.message_id),
        in_reply_to=_text(parsed.in_reply_to),
        references=_text(" ".join(parsed.references)),
        incoming_at=parsed.date if parsed.date and parsed.date < clock.now() else None,
        raw_message_file=raw_name,
        attachments=[
            services.AttachmentInput(
                filename=_text(item.filename),
                content=item.content,
                content_type=item.content_type,
                content_id=_text(item.content_id),
                disposition=item.disposition,
            )
            for item in parsed.attachments
        ],
        history_type=history_type,
        history_comment=comment,
    )


def _text(value: str) -> str:
    # A NUL from a broken mail cannot be stored in a text column (PostgreSQL refuses it).
    return value.replace("\x00", "")


def recognise_customer(params: MailParams) -> tuple[str, str]:
    """X-OTRS-CustomerUser, else the customer user with the sender's address, else the
    address itself (OTRS AutoAssignCustomerIDForUnknownCustomers)."""
    login = params.get("X-OTRS-CustomerUser").strip()
    customer_id = params.get("X-OTRS-CustomerNo").strip()
    if login:
        known = CustomerUser.objects.filter(login=login).values_list("customer_id", flat=True)
        return login, customer_id or (known.first() or "")
    sender = params.sender.lower()
    if sender:
        match = (
            CustomerUser.objects.filter(email__iexact=sender)
            .values_list("login", "customer_id")
            .first()
        )
        if match:
            return match[0], customer_id or match[1]
    if sysconfig.get("PostMaster::NewTicket::AutoAssignCustomerIDForUnknownCustomers"):
        return sender, customer_id or sender
    return sender, customer_id


def pending_time(value: str) -> datetime | None:
    """`YYYY-MM-DD hh:mm:ss` (local time) or relative like `+36h`; None if empty or bad."""
    value = value.strip()
    if not value:
        return None
    relative = _RELATIVE_TIME.match(value)
    if relative:
        sign, amount, unit = relative.groups()
        seconds = int(amount) * _UNITS[unit]
        return clock.now() + timedelta(seconds=-seconds if sign == "-" else seconds)
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(moment, timezone.get_current_timezone())


def detect_attachments(params: MailParams) -> None:
    """OTRS DetectAttachment: count attachments that are not inline images."""
    count = sum(
        1
        for item in params.parsed.attachments
        if not (item.disposition == "inline" and item.content_id)
    )
    params.set("X-OTRS-AttachmentExists", "yes" if count else "no")
    params.set("X-OTRS-AttachmentCount", str(count))


def _agent_ref(params: MailParams, id_header: str, login_header: str) -> int | str | None:
    agent_id = params.get(id_header).strip()
    if agent_id.isdigit():
        return int(agent_id)
    return params.get(login_header).strip() or None


def _visible_follow_up(params: MailParams, ticket: Ticket) -> bool | None:
    """OTRS FollowUpArticleVisibilityCheck: a reply to an internal forward stays internal."""
    if params.get("X-OTRS-FollowUp-SenderType") != "customer":
        return None
    # Most tickets have no internal mail at all: ask that first, the customer's address only
    # when there is something to compare.
    internal = list(
        Article.objects.filter(
            ticket=ticket,
            channel__name="Email",
            is_visible_for_customer=False,
            sender_type__name="agent",
        ).values_list("to_address", "cc", "message_id")
    )
    if not internal:
        return None
    sender = params.sender.lower()
    customer_email = (
        CustomerUser.objects.filter(login=ticket.customer_user_id)
        .values_list("email", flat=True)
        .first()
        or ticket.customer_user_id
    )
    if sender and sender == (customer_email or "").lower():
        return None
    reply_to = address_of(params.get("Reply-To")).lower()
    referenced = set(message_ids(params))
    for to_address, cc, message_id in internal:
        recipients = {address_of(item).lower() for item in split_addresses(f"{to_address},{cc}")}
        if (sender and sender in recipients) or (reply_to and reply_to in recipients):
            return False
        if message_id and message_id in referenced:
            return False
    return None


def _follow_up_lock(params: MailParams, ticket: Ticket, *, actor: Actor, was_closed: bool) -> None:
    lock = params.get("X-OTRS-FollowUp-Lock").lower()
    if lock == "lock":
        services.ticket_lock(actor=Actor.agent(ticket.owner_id), ticket=ticket)
    elif lock == "unlock" or not resolve_agent(ticket.owner_id).is_active:
        services.ticket_unlock(actor=actor, ticket=ticket)
    elif was_closed and ticket.queue.follow_up_lock and ticket.lock_id != LockType.LOCK:
        services.ticket_lock(actor=Actor.agent(ticket.owner_id), ticket=ticket)


def _follow_up_state(params: MailParams, ticket: Ticket, *, actor: Actor, was_closed: bool) -> None:
    wanted = params.get("X-OTRS-FollowUp-State")
    if params.get(sysconfig.get("KeepStateHeader")):
        return
    if not wanted and ticket.state.type.name == StateType.NEW:
        return
    state = (
        wanted
        or (was_closed and sysconfig.get("PostmasterFollowUpStateClosed"))
        or sysconfig.get("PostmasterFollowUpState")
    )
    pending = pending_time(params.get("X-OTRS-FollowUp-State-PendingTime"))
    if state == ticket.state.name and pending is None:
        return
    services.ticket_set_state(actor=actor, ticket=ticket, state=state, pending_until=pending)


def _optional_attributes(params: MailParams, ticket: Ticket, *, actor: Actor, prefix: str) -> None:
    """Headers whose bad value must not lose the mail: a bad one is skipped."""
    follow_up = prefix != "X-OTRS-"
    changes = [
        ("Service", lambda v: services.ticket_set_service(actor=actor, ticket=ticket, service=v)),
        ("SLA", lambda v: services.ticket_set_sla(actor=actor, ticket=ticket, sla=v)),
    ]
    if follow_up:
        changes += [
            (
                "Priority",
                lambda v: services.ticket_set_priority(actor=actor, ticket=ticket, priority=v),
            ),
            ("Queue", lambda v: services.ticket_move(actor=actor, ticket=ticket, queue=v)),
            ("Type", lambda v: services.ticket_set_type(actor=actor, ticket=ticket, type=v)),
            ("Title", lambda v: services.ticket_set_title(actor=actor, ticket=ticket, title=v)),
        ]
    for name, change in changes:
        value = params.get(prefix + name).strip()
        if value:
            try:
                change(value)
            except DomainError:
                continue


def _dynamic_fields(
    params: MailParams, ticket: Ticket, article: Article, *, actor: Actor, prefix: str
) -> None:
    values = params.with_prefix(f"{prefix}DynamicField-")
    if not values:
        return
    for definition in DynamicField.objects.filter(valid=1):
        value = values.get(definition.name.lower())
        if not value:
            continue
        try:
            services.ticket_set_dynamic_field(
                actor=actor,
                ticket=ticket,
                field=definition.name,
                value=value,
                article=article if definition.object_type == "Article" else None,
            )
        except DomainError:
            continue
