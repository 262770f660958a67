"""POP3, POP3S and POP3 with STARTTLS (RFC 1939, RFC 2595)."""

from __future__ import annotations

import io
import poplib
from contextlib import suppress

from django.utils.translation import gettext as _

from ..models import MailAccount, MailAccountType
from . import mailbox
from .mailbox import MailboxError, failing_as, tls_context

# Reads of a message body are done in pieces of this size: lines of any length (binary junk
# has none) pass, where poplib's own reader gives up after 2 KB.
READ_CHUNK = 64 * 1024


class Pop3Mailbox:
    """A POP3 session; keys are the server's unique IDs (UIDL). Deletions become final at
    QUIT: if the connection breaks first, the messages stay on the server."""

    def __init__(self, client: poplib.POP3) -> None:
        self.client = client
        self._numbers: dict[str, int] = {}

    def waiting(self) -> list[str]:
        with failing_as(_("Listing the messages failed: %(error)s")):
            _response, lines, _octets = self.client.uidl()
        self._numbers = {}
        for line in lines:
            number, _space, unique_id = line.decode("ascii", "replace").partition(" ")
            self._numbers[unique_id.strip()] = int(number)
        return list(self._numbers)

    def fetch(self, key: str) -> bytes | None:
        number = self._numbers.get(key)
        if number is None:
            return None
        with failing_as(_("Fetching message %(number)s failed: %(error)s"), number=number):
            return retrieve(self.client, number)

    def remove(self, key: str) -> None:
        number = self._numbers[key]
        with failing_as(_("Deleting message %(number)s failed: %(error)s"), number=number):
            self.client.dele(number)

    def close(self) -> None:
        with failing_as(_("Logging out failed, so fetched messages may come again: %(error)s")):
            self.client.quit()

    def drop(self) -> None:
        self.client.close()


def retrieve(client: poplib.POP3, number: int) -> bytes:
    """RETR, keeping the message's bytes and line ends as sent, with dot-stuffing undone."""
    client._putcmd(f"RETR {number}")
    client._getresp()
    message = io.BytesIO()
    at_line_start = True
    while True:
        piece = client.file.readline(READ_CHUNK)
        if not piece:
            raise poplib.error_proto(_("The server closed the connection."))
        if at_line_start:
            if piece in (b".\r\n", b".\n"):
                return message.getvalue()
            if piece.startswith(b"."):
                piece = piece[1:]
        message.write(piece)
        at_line_start = piece.endswith(b"\n")


def open_pop3(account: MailAccount) -> Pop3Mailbox:
    host, port = account.host, account.effective_port
    server = {"server": f"{host}:{port}"}
    context = tls_context(verify=account.verify_certificate)
    with failing_as(_("Cannot connect to %(server)s: %(error)s"), **server):
        if account.type == MailAccountType.POP3S:
            client = poplib.POP3_SSL(host, port, timeout=mailbox.TIMEOUT_SECONDS, context=context)
        else:
            client = poplib.POP3(host, port, timeout=mailbox.TIMEOUT_SECONDS)
    try:
        if account.type == MailAccountType.POP3TLS:
            with failing_as(_("STARTTLS with %(server)s failed: %(error)s"), **server):
                client.stls(context)
        with failing_as(_("%(server)s refused the login: %(error)s"), **server):
            client.user(account.login)
            client.pass_(account.password)
    except MailboxError:
        with suppress(OSError):  # a failed TLS handshake leaves the socket closed
            client.close()
        raise
    return Pop3Mailbox(client)
