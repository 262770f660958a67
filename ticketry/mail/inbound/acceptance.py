"""Whether received bytes are an email at all: nothing, or bytes without a single field an
email has (random data, a file sent to the pipe by mistake), makes no ticket but goes to the
quarantine with the reason."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ticketry.core.errors import DomainError

from ..parsing import ParsedMessage

# RFC 5322 and MIME fields: a mail has at least one of them, whatever else is broken.
EMAIL_FIELDS = frozenset(
    {
        "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
        "in-reply-to", "references", "received", "return-path", "mime-version",
        "content-type", "delivered-to", "x-original-to", "envelope-to",
    }
)  # fmt: skip

EMPTY = _("The message is empty: there is nothing to make a ticket of.")
NO_EMAIL_FIELDS = _(
    "The message has no header field of an email (From, To, Subject, Date, Message-ID …): "
    "it is not an email."
)


class NotAnEmail(DomainError):
    code = "not_an_email"


def check_is_email(parsed: ParsedMessage, raw: bytes) -> None:
    """Raise NotAnEmail, saying why, for input no ticket should be made of."""
    if not raw or raw.isspace():
        raise NotAnEmail(EMPTY)
    if not any(name.lower() in EMAIL_FIELDS for name, _value in parsed.headers):
        raise NotAnEmail(NO_EMAIL_FIELDS)
