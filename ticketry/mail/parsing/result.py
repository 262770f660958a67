"""What parsing a message yields: the message, its attachments, and their JSON form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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
    unfolded; `headers` keeps every header in order."""

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

    def header(self, name: str) -> str:
        """The first value of header `name` (any case), "" if absent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")

    def header_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

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
    }
