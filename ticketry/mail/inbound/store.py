"""Storing an inbound message durably, before anything else looks at it."""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from ticketry.core import clock
from ticketry.tickets.models import Queue

from ..models import InboundMessage, InboundSource, MailAccount

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.MULTILINE)
_LINE_END = re.compile(rb"\r\n|\r")
_SUMMARY_HEADERS = {b"message-id", b"subject", b"from"}
SUMMARY_LENGTH = 250


def split_raw(raw: bytes) -> tuple[bytes, bytes]:
    """Header block and body; a message without an empty line is all header."""
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def summary_headers(header_block: bytes) -> dict[str, str]:
    """Message-ID, Subject and From as received (undecoded), for lists and the dedup key."""
    found: dict[str, str] = {}
    for match in _HEADER_LINE.finditer(header_block):
        name = match.group(1).lower()
        if name in _SUMMARY_HEADERS and name.decode() not in found:
            value = re.sub(rb"\r?\n[ \t]+", b" ", match.group(2)).strip()
            # NUL cannot be stored in a text column (PostgreSQL refuses it).
            found[name.decode()] = value.replace(b"\0", b"").decode("utf-8", "replace")
    return found


def dedup_key(message_id: str, body: bytes) -> str:
    """Message-ID plus the body's hash: a message delivered twice (other Received lines, a
    second fetch, an MTA retry) has the same key; a different message reusing an ID has not.
    Line ends and trailing blank lines do not count: servers and pipes change them."""
    digest = hashlib.sha256()
    digest.update(message_id.strip().lower().encode())
    digest.update(b"\0")
    digest.update(hashlib.sha256(_LINE_END.sub(b"\n", body).rstrip(b"\n")).digest())
    return digest.hexdigest()


def store_raw(
    raw: bytes,
    *,
    source: str = InboundSource.PIPE,
    account: MailAccount | None = None,
    trusted: bool = False,
    queue: Queue | None = None,
    envelope_recipient: str = "",
    claimed: bool = False,
) -> tuple[InboundMessage, bool]:
    """Keep `raw` exactly as received and commit it. Returns the row and whether it is new;
    a message stored before is found again (idempotent delivery). Raises only when it could
    not be stored, so the sender keeps its copy and retries. A `claimed` new row counts the
    caller's first attempt at processing it, which saves a write per message."""
    header_block, body = split_raw(raw)
    headers = summary_headers(header_block)
    message_id = headers.get("message-id", "")[:998]
    # Without a Message-ID the whole message is the identity.
    key = dedup_key(message_id, body if message_id else raw)
    now = clock.now()
    name = default_storage.save(f"inbound/{now:%Y/%m/%d}/{key[:32]}.eml", ContentFile(raw))
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                raw=name,
                dedup_key=key,
                size=len(raw),
                message_id=message_id,
                subject=headers.get("subject", "")[:SUMMARY_LENGTH],
                from_address=headers.get("from", "")[:SUMMARY_LENGTH],
                source=source,
                account=account,
                trusted=trusted,
                queue=queue,
                envelope_recipient=envelope_recipient[:SUMMARY_LENGTH],
                received_at=now,
                attempts=1 if claimed else 0,
                attempted_at=now if claimed else None,
            )
    except IntegrityError:
        # Stored before (a second delivery), or by another process a moment ago. Checking
        # first would cost every message a query for the rare duplicate.
        default_storage.delete(name)
        existing = InboundMessage.objects.filter(dedup_key=key).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def read_raw(message: InboundMessage) -> bytes:
    with message.raw.open("rb") as handle:
        return handle.read()
