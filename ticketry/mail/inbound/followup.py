"""Follow-up detection (OTRS CheckFollowUpModule): which existing ticket a mail belongs to."""

from __future__ import annotations

import hashlib
import re

from ticketry.core import sysconfig
from ticketry.tickets.models import Article, StateType, Ticket, TicketHistory
from ticketry.tickets.numbers import find_ticket_numbers

from .params import MailParams

MAX_MERGE_HOPS = 10
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def find_follow_up(params: MailParams, raw: bytes) -> Ticket | None:
    """The first check that names a ticket wins, in OTRS's order: bounce, subject,
    references, then (when switched on) body, attachments and the raw mail."""
    checks = [
        lambda: _bounce(params),
        lambda: _by_number(params.get("Subject")),
        lambda: _by_references(params),
        lambda: _by_number(params.get("X-OTRS-FollowUp-RecognizedTicketNumber"), hook=False),
    ]
    if sysconfig.get("PostMaster::CheckFollowUpModule###0300-Body"):
        checks.append(lambda: _by_number(params.get("Body")))
    if sysconfig.get("PostMaster::CheckFollowUpModule###0400-Attachments"):
        checks.append(lambda: _by_attachments(params))
    if sysconfig.get("PostMaster::CheckFollowUpModule###0500-RawEmail"):
        checks.append(lambda: _by_number(raw.decode("utf-8", "replace")))
    for check in checks:
        ticket = check()
        if ticket is not None:
            return follow_merges(ticket)
    return None


def _bounce(params: MailParams) -> Ticket | None:
    if not params.get("X-OTRS-Bounce"):
        return None
    article = article_by_message_id(params.get("X-OTRS-Bounce-OriginalMessageID"))
    return article.ticket if article else None


def _by_number(text: str, *, hook: bool = True) -> Ticket | None:
    if not text:
        return None
    numbers = find_ticket_numbers(text) if hook else [text.strip()]
    for tn in numbers:
        ticket = Ticket.objects.filter(tn=tn).select_related("state__type", "queue").first()
        if ticket is not None:
            return ticket
    return None


def message_ids(params: MailParams) -> list[str]:
    """Message-IDs the mail refers to, newest first, each once."""
    ids = _MESSAGE_ID.findall(params.get("References"))
    ids += _MESSAGE_ID.findall(params.get("In-Reply-To"))
    return list(dict.fromkeys(reversed(ids)))


def _by_references(params: MailParams) -> Ticket | None:
    ids = message_ids(params)
    if not ids:
        return None
    digests = [_md5(message_id) for message_id in ids]
    found = dict(
        Article.objects.filter(message_id_md5__in=digests, channel__name="Email").values_list(
            "message_id_md5", "ticket_id"
        )
    )
    for digest in digests:
        if digest in found:
            return Ticket.objects.select_related("state__type", "queue").get(pk=found[digest])
    return None


def _by_attachments(params: MailParams) -> Ticket | None:
    for attachment in params.parsed.attachments:
        if attachment.disposition == "inline" and attachment.content_id:
            continue
        ticket = _by_number(attachment.content.decode("utf-8", "replace"))
        if ticket is not None:
            return ticket
    return None


def article_by_message_id(message_id: str) -> Article | None:
    if not message_id:
        return None
    return (
        Article.objects.filter(message_id_md5=_md5(message_id.strip()))
        .select_related("ticket")
        .order_by("-id")
        .first()
    )


def follow_merges(ticket: Ticket) -> Ticket:
    """A merged ticket's mail goes to the ticket it was merged into (up to 10 hops)."""
    for _hop in range(MAX_MERGE_HOPS):
        if ticket.state.type.name != StateType.MERGED:
            break
        name = (
            TicketHistory.objects.filter(ticket=ticket, history_type__name="Merged")
            .order_by("-id")
            .values_list("name", flat=True)
            .first()
        )
        target_id = name.rsplit("%%", 1)[-1] if name else ""
        if not target_id.isdigit() or int(target_id) == ticket.pk:
            break
        ticket = Ticket.objects.select_related("state__type", "queue").get(pk=int(target_id))
    return ticket


def _md5(message_id: str) -> str:
    return hashlib.md5(message_id.encode()).hexdigest()
