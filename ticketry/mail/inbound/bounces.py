"""Delivery status notifications (OTRS DetectBounceEmail): a bounce of a mail we sent belongs
to the ticket of the original article and never opens a ticket of its own."""

from __future__ import annotations

import re

from ..models import OutboundMail, OutboundStatus
from .params import MailParams

REPORT_TYPES = {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"}
_MESSAGE_ID_LINE = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
_STATUS_LINE = re.compile(r"^(?:Diagnostic-Code|Status):.*$", re.IGNORECASE | re.MULTILINE)


def detect_bounce(params: MailParams, raw: bytes) -> None:
    """Mark a DSN with X-OTRS-Bounce and the original Message-ID, and stop auto-responses."""
    content_type = params.get("Content-Type").lower()
    if "multipart/report" not in content_type or "delivery-status" not in content_type:
        return
    original = ""
    for attachment in params.parsed.attachments:
        if attachment.content_type.lower() in REPORT_TYPES:
            found = _MESSAGE_ID_LINE.search(attachment.content)
            if found:
                original = found.group(1).decode("ascii", "replace")
                break
    if not original:
        return
    params.set("X-OTRS-Bounce", "1")
    params.set("X-OTRS-Bounce-OriginalMessageID", original)
    # The status fields of the report part say why; they are plain ASCII by definition.
    details = "\n".join(_STATUS_LINE.findall(raw.decode("ascii", "replace")))
    params.set("X-OTRS-Bounce-ErrorMessage", details or params.get("Body")[:2000])
    params.set("X-OTRS-Loop", "1")


def record_bounce(params: MailParams) -> None:
    """The original mail was not delivered after all: show it on its transmission."""
    original = params.get("X-OTRS-Bounce-OriginalMessageID")
    if not original:
        return
    OutboundMail.objects.filter(message_id=original).update(
        status=OutboundStatus.FAILED,
        last_error=params.get("X-OTRS-Bounce-ErrorMessage")[:4000],
    )
