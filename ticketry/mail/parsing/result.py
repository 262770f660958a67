"""What parsing a message yields: the message, its attachments, and their JSON form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ParseError(ValueError):
    """Nothing at all could be made of the input (it is not a byte string)."""


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    """A real attachment or an inline image; `filename` is cleaned and never empty."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    disposition: str = "attachment"

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """A received mail as the PostMaster sees it. Header values are RFC 2047 decoded and
    unfolded; `headers` keeps every header in order. `part_count` and `depth` measure the
    MIME tree (a mail that is not multipart has one part, nested 0 deep)."""

    subject: str = ""
    from_: str = ""
    to: str = ""
    cc: str = ""
    reply_to: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    date: datetime | None = None
    charset: str = ""
    content_type: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: tuple[ParsedAttachment, ...] = ()
    defects: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    part_count: int = 0
    depth: int = 0
    # Values by lower-case name, built once: a mail may carry tens of thousands of headers,
    # and a scan per lookup made looking up each of them quadratic.
    _by_name: dict[str, list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, list[str]] = {}
        for key, value in self.headers:
            by_name.setdefault(key.lower(), []).append(value)
        object.__setattr__(self, "_by_name", by_name)

    def header(self, name: str) -> str:
        """The first value of header `name` (any case), "" if absent."""
        values = self._by_name.get(name.lower())
        return values[0] if values else ""

    def header_all(self, name: str) -> list[str]:
        return list(self._by_name.get(name.lower(), ()))

    def first_values(self) -> dict[str, str]:
        """The first value of each header, by lower-case name, in the order they came."""
        return {key: values[0] for key, values in self._by_name.items()}

    @property
    def header_names(self) -> list[str]:
        """The names of the headers present, each once, in their first spelling."""
        seen: dict[str, str] = {}
        for key, _value in self.headers:
            seen.setdefault(key.lower(), key)
        return list(seen.values())


def to_json(parsed: ParsedMessage) -> dict[str, Any]:
    """The normalised result as JSON-ready data (`ticketry mail parse --json`)."""
    return {
        "subject": parsed.subject,
        "from": parsed.from_,
        "to": parsed.to,
        "cc": parsed.cc,
        "reply_to": parsed.reply_to,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "date": parsed.date.isoformat() if parsed.date else None,
        "charset": parsed.charset,
        "content_type": parsed.content_type,
        "body_text": parsed.body_text,
        "body_html": parsed.body_html,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "content_id": item.content_id,
                "disposition": item.disposition,
                "md5": item.md5,
            }
            for item in parsed.attachments
        ],
        "defects": list(parsed.defects),
        "headers": [[name, value] for name, value in parsed.headers],
        "part_count": parsed.part_count,
        "depth": parsed.depth,
    }
