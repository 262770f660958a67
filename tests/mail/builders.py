"""Small helpers that write test mails as bytes."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ticketry.core import clock

_counter = itertools.count(1)


def mail(
    *,
    sender: str = '"John Doe" <jdoe@example.com>',
    to: str = "support@example.com",
    subject: str = "Printer on fire",
    body: str = "The printer in room 4 is smoking.\n",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """A customer's mail; `attachments` are (file name, content type, content)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id or make_msgid(f"t{next(_counter)}", "mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
