"""Composing outgoing MIME messages: headers, text and HTML parts, attachments."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from functools import cache
from importlib import metadata

from django.conf import settings
from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.core.errors import InvalidValue
from ticketry.tickets.services import AttachmentInput

from ..parsing.html import html_to_text, sanitize_html

# 7bit keeps every part transport-safe, so no relay needs to support 8BITMIME.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")
AUTO_RESPONSE_HEADERS = {
    "X-Loop": "yes",
    "Precedence": "bulk",
    "Auto-Submitted": "auto-generated",
}


@dataclass(frozen=True, slots=True)
class ComposedMail:
    """A message ready for the queue: its bytes and the envelope it travels in."""

    message: bytes
    message_id: str
    envelope_from: str
    recipients: list[str]


@cache
def ticketry_version() -> str:
    try:
        return metadata.version("ticketry")
    except metadata.PackageNotFoundError:
        return "unknown"


def mailer_name() -> str:
    return f"Ticketry Mail Service ({ticketry_version()})"


def new_message_id(moment: datetime | None = None) -> str:
    """`<timestamp.random@FQDN>`: unique without asking anybody."""
    moment = moment or clock.now()
    return f"<{int(moment.timestamp())}.{secrets.token_hex(8)}@{settings.FQDN}>"


def parse_addresses(value: str) -> list[Address]:
    """The addresses of a header value such as `"Doe, John" <j@example.com>, b@example.com`;
    refuses anything that is not a plain ASCII address (with an IDN domain converted)."""
    found = []
    for name, address in getaddresses([value]):
        if not name and not address:
            continue
        found.append(_address(name, address))
    if value.strip() and not found:
        # The parser gives up on a malformed list; never drop a recipient silently.
        raise InvalidValue(_("“%(address)s” is not a valid email address."), address=value)
    return found


def _address(name: str, address: str) -> Address:
    local, at, domain = address.rpartition("@")
    try:
        local.encode("ascii")
        domain = domain.encode("idna").decode("ascii")
        if not at or not local or not domain or any(c.isspace() for c in address):
            raise ValueError(address)
        return Address(display_name=name, username=local, domain=domain)
    except (UnicodeError, ValueError):
        raise InvalidValue(
            _("“%(address)s” is not a valid email address."), address=address
        ) from None


def compose_message(
    *,
    from_address: str,
    to: str,
    subject: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    body_html: str = "",
    attachments: Sequence[AttachmentInput] = (),
    in_reply_to: str = "",
    references: str = "",
    auto_response: bool = False,
    extra_headers: Mapping[str, str] | None = None,
) -> ComposedMail:
    """Build the message. Bcc recipients go into the envelope only."""
    sender = parse_addresses(from_address)
    if len(sender) != 1:
        raise InvalidValue(_("A mail needs exactly one sender address."))
    to_list, cc_list, bcc_list = parse_addresses(to), parse_addresses(cc), parse_addresses(bcc)
    recipients = list(dict.fromkeys(a.addr_spec for a in [*to_list, *cc_list, *bcc_list]))
    if not recipients:
        raise InvalidValue(_("A mail needs at least one recipient."))
    now = clock.now()
    message_id = new_message_id(now)

    message = EmailMessage(policy=MAIL_POLICY)
    message["Date"] = format_datetime(clock.localtime(now))
    message["From"] = sender
    if to_list:
        message["To"] = to_list
    if cc_list:
        message["Cc"] = cc_list
    # A line break would end the header; typed subjects sometimes carry one.
    message["Subject"] = " ".join(subject.split("\n")).replace("\r", "")
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message["X-Mailer"] = mailer_name()
    headers = dict(AUTO_RESPONSE_HEADERS) if auto_response else {}
    headers |= extra_headers or {}
    for name, value in headers.items():
        del message[name]
        message[name] = value
    _add_content(message, body, body_html, attachments)
    return ComposedMail(
        message=message.as_bytes(),
        message_id=message_id,
        envelope_from=sender[0].addr_spec,
        recipients=recipients,
    )


def thread_headers(message_id: str, references: str) -> tuple[str, str]:
    """In-Reply-To and References of an answer to the message with `message_id` and
    `references` (RFC 5322 3.6.4), so the recipient's client threads it."""
    ids = references.split()
    if message_id and message_id not in ids:
        ids.append(message_id)
    return message_id, " ".join(ids)


def _add_content(
    message: EmailMessage, body: str, body_html: str, attachments: Sequence[AttachmentInput]
) -> None:
    text = body.replace("\r\n", "\n")
    if not text and body_html:
        text = html_to_text(sanitize_html(body_html))
    message.set_content(text, subtype="plain", charset="utf-8")
    related: list[AttachmentInput] = []
    if body_html:
        message.add_alternative(body_html, subtype="html", charset="utf-8")
        # Inline images referenced by cid: travel with the HTML part they belong to.
        related = [a for a in attachments if a.disposition == "inline" and a.content_id]
        html_part = message.get_payload()[1]
        for item in related:
            maintype, subtype = _split_type(item.content_type)
            html_part.add_related(
                item.content,
                maintype,
                subtype,
                cid=_angle(item.content_id),
                filename=item.filename or None,
                disposition="inline",
            )
    for item in attachments:
        if any(item is inline for inline in related):
            continue
        maintype, subtype = _split_type(item.content_type)
        message.add_attachment(
            item.content,
            maintype,
            subtype,
            filename=item.filename or None,
            disposition=item.disposition or "attachment",
            cid=_angle(item.content_id) if item.content_id else None,
        )


def _split_type(content_type: str) -> tuple[str, str]:
    maintype, _slash, subtype = content_type.split(";", 1)[0].strip().lower().partition("/")
    if not maintype or not subtype:
        return "application", "octet-stream"
    return maintype, subtype


def _angle(content_id: str) -> str:
    return f"<{content_id.strip().strip('<>')}>"
