"""What the fetch loop needs from a remote mailbox, whatever the protocol, and the errors and
TLS settings the protocols share."""

from __future__ import annotations

import imaplib
import poplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.utils.translation import gettext as _

# Seconds one network operation (connect, one read, one write) may take before the account
# counts as unreachable; it bounds how long a dead server can hold up its fetch.
TIMEOUT_SECONDS = 60

# Whatever a broken, slow or unfriendly server makes the client libraries raise.
NETWORK_ERRORS = (OSError, EOFError, poplib.error_proto, imaplib.IMAP4.error)


class MailboxError(Exception):
    """The server could not be reached, refused us or broke off; the text is for the admin."""


class Mailbox(Protocol):
    """A logged-in session on one folder. Keys stay the same across sessions (POP3 UIDL, IMAP
    UID), so a message left on the server is recognised after a reconnect."""

    def waiting(self) -> list[str]:
        """The messages waiting, oldest first."""

    def fetch(self, key: str) -> bytes | None:
        """The message exactly as the server has it; None if it is gone meanwhile."""

    def remove(self, key: str) -> None:
        """Mark the message for removal; `close` makes that final."""

    def close(self) -> None:
        """Carry out the removals and log out."""

    def drop(self) -> None:
        """Close the connection after an error; removals not carried out yet may be lost."""


@contextmanager
def failing_as(message: str, **values: object) -> Iterator[None]:
    """Turn a network or protocol error into a MailboxError with `message`, which gets the
    server's reason as %(error)s."""
    try:
        yield
    except NETWORK_ERRORS as error:
        raise MailboxError(message % {**values, "error": reason(error)}) from error


def reason(error: BaseException) -> str:
    """The server's answer or the system's error text, readable."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return error.verify_message or str(error)
    if isinstance(error, TimeoutError):
        return _("timed out")
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    parts = [
        part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part)
        for part in error.args
    ]
    text = " ".join(part for part in parts if part) or type(error).__name__
    return text.removeprefix("-ERR ").strip()


def tls_context(*, verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
