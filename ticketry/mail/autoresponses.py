"""Auto-responses (OTRS SendAutoResponse) and the loop protection that keeps two systems
from answering each other forever."""

from __future__ import annotations

import re
from email.utils import formataddr
from enum import StrEnum

from django.utils.translation import gettext_noop

from ticketry.core import sysconfig
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue
from ticketry.customers.models import CustomerUser
from ticketry.tickets import services
from ticketry.tickets.models import Article, AutoResponse, StateType, Ticket
from ticketry.tickets.services.history import history_args

from .addresses import address_of
from .inbound.params import MailParams
from .loop_protection import loop_protection_allows
from .outbound import parse_addresses, replace_tags, send_email_article
from .postmaster_config import auto_response_ids, system_addresses
from .subjects import subject_build


class AutoResponseKind(StrEnum):
    REPLY = "auto reply"
    NEW_TICKET = "auto reply/new ticket"
    FOLLOW_UP = "auto follow up"
    REJECT = "auto reject"
    REMOVE = "auto remove"


HISTORY_TYPES = {
    AutoResponseKind.REPLY: "SendAutoReply",
    AutoResponseKind.NEW_TICKET: "SendAutoReply",
    AutoResponseKind.FOLLOW_UP: "SendAutoFollowUp",
    AutoResponseKind.REJECT: "SendAutoReject",
}
# History names stay in English as OTRS stores them; the history view translates them.
NOT_FOR_CLOSED = gettext_noop(
    "Sent no auto response or agent notification because ticket state is closed or removed."
)
SENDER_REFUSES = gettext_noop(
    "Sent no auto-response because the sender doesn't want an auto-response "
    "(e. g. loop or precedence header)"
)
NO_AUTO_RESPONSE_ADDRESS = gettext_noop("Sent no auto-response: the address is excluded.")
UNUSABLE_ADDRESS = gettext_noop(
    "Sent no auto-response: mail cannot be sent to this address (not a plain ASCII address)."
)


def send_auto_response(
    *, ticket: Ticket, article: Article, params: MailParams, kind: str
) -> Article | None:
    """Answer `article` with the queue's auto-response of `kind`, unless a rule says not to.
    Runs in the caller's transaction; the reply is queued, not sent, until it commits."""
    response_id = auto_response_ids().get((ticket.queue_id, str(kind)))
    if response_id is None:
        return None
    template = AutoResponse.objects.select_related("system_address").get(pk=response_id)
    actor = Actor.system()
    if kind == AutoResponseKind.REPLY and ticket.state.type.name in (
        StateType.CLOSED,
        StateType.REMOVED,
    ):
        _note(ticket, "Misc", history_args(NOT_FOR_CLOSED), actor=actor)
        return None
    if params.is_loop:
        _note(ticket, "Misc", history_args(SENDER_REFUSES), actor=actor)
        return None
    recipient = address_of(params.get("Reply-To")) or params.sender
    if not recipient or _excluded(recipient):
        _note(ticket, "Misc", history_args(NO_AUTO_RESPONSE_ADDRESS, recipient or "-"), actor=actor)
        return None
    if not _usable(recipient):
        # The customer's mail is kept; only the answer that cannot be addressed is left out.
        _note(ticket, "Misc", history_args(UNUSABLE_ADDRESS, recipient), actor=actor)
        return None
    if not loop_protection_allows(recipient):
        _note(ticket, "LoopProtection", history_args(recipient), actor=actor)
        return None
    sender = template.system_address
    subject = subject_build(
        ticket.tn,
        replace_tags(template.subject, ticket=ticket, article=article, recipient=recipient),
        kind="new",
        no_cleanup=True,
    )
    body = replace_tags(template.text, ticket=ticket, article=article, recipient=recipient)
    return send_email_article(
        actor=actor,
        ticket=ticket,
        to=recipient,
        cc=_customer_cc(ticket, article, recipient),
        subject=subject,
        body=body,
        in_reply_to=article,
        from_address=formataddr((sender.realname, sender.name)),
        sender_type="system",
        is_visible_for_customer=True,
        history_type=HISTORY_TYPES.get(AutoResponseKind(kind), "Misc"),
        history_comment=history_args(recipient),
        auto_response=True,
    )


def _excluded(address: str) -> bool:
    pattern = sysconfig.get("SendNoAutoResponseRegExp")
    if pattern and re.search(pattern, address, re.IGNORECASE):
        return True
    # Never answer ourselves: that is how loops between two systems start.
    return address.lower() in system_addresses()


def _usable(address: str) -> bool:
    try:
        parse_addresses(address)
    except InvalidValue:
        return False
    return True


def _customer_cc(ticket: Ticket, article: Article, recipient: str) -> str:
    if not article.is_visible_for_customer or not ticket.customer_user_id:
        return ""
    email = (
        CustomerUser.objects.filter(login=ticket.customer_user_id)
        .values_list("email", flat=True)
        .first()
    )
    if email and email.lower() != recipient.lower() and _usable(email):
        return email
    return ""


def _note(ticket: Ticket, history_type: str, name: str, *, actor: Actor) -> None:
    services.ticket_add_history_note(
        actor=actor, ticket=ticket, history_type=history_type, name=name
    )
