"""Bouncing a received mail on to another address as it came in, with Resent-* headers on top
(OTRS ArticleBounce and AgentTicketBounce): history Bounce, optionally a notice to the sender
and a new state for the ticket."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ticketry.accounts.models import Agent
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue
from ticketry.core.validity import Validity
from ticketry.tickets.models import Article, SystemAddress
from ticketry.tickets.permissions import require_ticket_permission
from ticketry.tickets.services import ticket_add_history_note, ticket_set_state
from ticketry.tickets.services.history import history_args

from ..models import OutboundMail
from ..raw_messages import open_raw_message
from .compose import MAIL_POLICY, ComposedMail, new_message_id, parse_addresses
from .queue import enqueue_message
from .send import queue_sender, send_email_article
from .tags import replace_tags
from .tasks import send_after_commit

# OTRS Ticket::Frontend::BounceText; <OTRS_TICKET> and <OTRS_BOUNCE_TO> are filled on sending.
BOUNCE_TEXT = gettext_lazy(
    "Your email with ticket number “<OTRS_TICKET>” is bounced to “<OTRS_BOUNCE_TO>”. "
    "Contact this address for further information."
)
_LINE_END = re.compile(rb"\r?\n")
_HEADER_END = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class BounceNotice:
    """The mail telling the original sender where their message went."""

    to: str
    subject: str
    body: str


def bounce_article(
    *,
    actor: Actor,
    article: Article,
    to: str,
    notice: BounceNotice | None = None,
    state: int | str | None = None,
    pending_until: datetime | None = None,
    agent: Agent | None = None,
) -> OutboundMail:
    """Queue the original message of `article` for `to`, from the queue's system address.

    Needs `bounce` on the ticket and the article's raw message. The queued message is linked
    to the article, so the article shows how the bounce went. With `notice`, the sender is
    told (an Email article, history Bounce); with `state`, the ticket's state changes. All of
    it happens in one transaction.
    """
    ticket = article.ticket
    require_ticket_permission(actor, ticket, "bounce")
    recipients = parse_addresses(to)
    if not recipients:
        raise InvalidValue(_("A bounce needs at least one recipient."))
    ours = _system_addresses()
    for address in recipients:
        if address.addr_spec.lower() in ours:
            raise InvalidValue(
                _("“%(address)s” is a system address of this helpdesk; bouncing to it would loop."),
                address=address.addr_spec,
            )
    sender = queue_sender(ticket)
    message, message_id = resent_message(_raw_message(article), resent_from=sender, resent_to=to)
    composed = ComposedMail(
        message=message,
        message_id=message_id,
        envelope_from=parse_addresses(sender)[0].addr_spec,
        recipients=list(dict.fromkeys(address.addr_spec for address in recipients)),
    )
    with transaction.atomic():
        ticket_add_history_note(
            actor=actor,
            ticket=ticket,
            history_type="Bounce",
            name=history_args(to),
            article=article,
        )
        outbound = enqueue_message(composed, article_id=article.pk, ticket_id=ticket.pk)
        if notice is not None:
            send_email_article(
                actor=actor,
                ticket=ticket,
                to=notice.to,
                subject=notice.subject,
                body=_notice_text(notice.body, to=to, article=article, agent=agent),
                in_reply_to=article,
                history_type="Bounce",
            )
        if state is not None:
            ticket_set_state(actor=actor, ticket=ticket, state=state, pending_until=pending_until)
        send_after_commit(outbound.pk)
    return outbound


def resent_message(raw: bytes, *, resent_from: str, resent_to: str) -> tuple[bytes, str]:
    """`raw` with a Resent-* block on top and a new Message-ID; returns it and that ID.

    As OTRS does, the copy gets a Message-ID of its own and the original one moves to
    Resent-Message-ID: a delivery failure report then names our queued copy, not the
    customer's mail. Everything else stays byte for byte, so signatures keep matching;
    line ends become CRLF, as SMTP needs.
    """
    text = _LINE_END.sub(b"\r\n", raw)
    head, separator, body = text.partition(_HEADER_END)
    if not separator:
        head, body = head.removesuffix(b"\r\n"), b""
    kept: list[bytes] = []
    original_id = ""
    dropping = False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if dropping:
                original_id += line.decode("ascii", "replace").strip()
            else:
                kept.append(line)
            continue
        dropping = line.lower().startswith(b"message-id:")
        if dropping:
            original_id = line.split(b":", 1)[1].decode("ascii", "replace").strip()
        else:
            kept.append(line)
    message_id = new_message_id()
    block = [
        ("Resent-Date", format_datetime(clock.localtime(clock.now()))),
        ("Resent-From", resent_from),
        ("Resent-To", resent_to),
    ]
    if original_id:
        block.append(("Resent-Message-ID", original_id))
    block.append(("Message-ID", message_id))
    folded = "".join(
        MAIL_POLICY.header_factory(name, value).fold(policy=MAIL_POLICY) for name, value in block
    ).encode("ascii")
    rest = b"".join(line + b"\r\n" for line in kept if line)
    return folded + rest + b"\r\n" + body, message_id


def _raw_message(article: Article) -> bytes:
    try:
        file = open_raw_message(article)
        if file is None:
            raise InvalidValue(_("This article has no original message that could be bounced."))
        with file:
            return file.read()
    except OSError:
        raise InvalidValue(_("The original message of this article is missing.")) from None


def _system_addresses() -> set[str]:
    names = SystemAddress.objects.filter(valid=Validity.VALID).values_list("name", flat=True)
    return {name.lower() for name in names}


def _notice_text(text: str, *, to: str, article: Article, agent: Agent | None) -> str:
    text = text.replace("<OTRS_TICKET>", article.ticket.tn).replace("<OTRS_BOUNCE_TO>", to)
    return replace_tags(text, ticket=article.ticket, article=article, agent=agent)
