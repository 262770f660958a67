"""`parse_message`: raw bytes in, a `ParsedMessage` out, whatever state the mail is in."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.utils.translation import gettext as _

from ..addresses import split_addresses
from . import defects
from .body import collect_body
from .charsets import detection_budget
from .defects import Defects
from .encoded_words import decode_words
from .mime import parse_tree, tree_size
from .result import ParsedMessage, ParseError

ADDRESS_HEADERS = {
    "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
    "resent-sender", "return-path", "delivered-to", "envelope-to", "x-envelope-to",
    "x-original-to", "errors-to", "mail-followup-to", "disposition-notification-to",
}  # fmt: skip
# Header fields of people, where a bare `<addr>` is written as `addr` (as OTRS does).
PERSON_HEADERS = {
    "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from", "resent-to", "resent-cc",
}  # fmt: skip
_LINE_BREAKS = re.compile(r"[\r\n]+")
_MESSAGE_ID = re.compile(r"<[^<>]+>")
_BARE = re.compile(r"<[^<>\s\"]+@[^<>\s\"]+>")


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse a received mail. Broken MIME, wrong or missing charsets, empty input and binary
    junk give a best-effort result whose `defects` say what was repaired; only input that is
    not a byte string raises `ParseError`, since the original bytes are what is stored."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ParseError(_("A mail message must be given as bytes."))
    data = raw if isinstance(raw, bytes) else bytes(raw)
    with detection_budget():
        return _parse(data)


def _parse(data: bytes) -> ParsedMessage:
    notes = Defects()
    if not data or data.isspace():
        notes.add(defects.EMPTY_MESSAGE)
        return ParsedMessage(defects=notes.as_tuple())
    root = parse_tree(data, notes)
    if not root.headers.keys():
        notes.add(defects.NO_HEADERS)
    headers = tuple(
        (name, _header_value(name, value, notes)) for name, value in root.headers.items()
    )
    fields = _Fields(headers)
    body = collect_body(root, notes)
    part_count, depth = tree_size(root)
    return ParsedMessage(
        subject=fields.first("subject"),
        from_=fields.first("from"),
        to=fields.joined("to"),
        cc=fields.joined("cc"),
        reply_to=fields.first("reply-to"),
        message_id=_message_id(fields.first("message-id")),
        in_reply_to=" ".join(root.headers.get("in-reply-to", "").split()),
        references=tuple(_MESSAGE_ID.findall(fields.joined("references", " "))),
        date=_date(fields.first("date"), notes),
        charset=body.charset,
        content_type=body.content_type,
        body_text=body.text,
        body_html=body.html,
        attachments=body.attachments,
        defects=notes.as_tuple(),
        headers=headers,
        part_count=part_count,
        depth=depth,
    )


class _Fields:
    def __init__(self, headers: tuple[tuple[str, str], ...]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in headers:
            self._values.setdefault(name.lower(), []).append(value)

    def first(self, name: str) -> str:
        values = self._values.get(name)
        return values[0] if values else ""

    def joined(self, name: str, separator: str = ", ") -> str:
        return separator.join(value for value in self._values.get(name, ()) if value)


def _header_value(name: str, value: str, notes: Defects) -> str:
    key = name.lower()
    decoded = decode_words(value, header=name, notes=notes, address=key in ADDRESS_HEADERS)
    single_line = _LINE_BREAKS.sub(" ", decoded).strip()
    return _without_bare_brackets(single_line) if key in PERSON_HEADERS else single_line


def _without_bare_brackets(value: str) -> str:
    if "<" not in value:
        return value
    items = split_addresses(value)
    if not any(_BARE.fullmatch(item) for item in items):
        return value
    return ", ".join(item[1:-1] if _BARE.fullmatch(item) else item for item in items)


def _message_id(value: str) -> str:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else value


def _date(value: str, notes: Defects) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        notes.add(defects.BAD_DATE)
        return None
    # RFC 5322: -0000 means the zone is unknown; UTC is the honest reading.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
