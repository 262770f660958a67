"""IMAP, IMAPS and IMAP with STARTTLS (RFC 3501): messages are fetched by UID, marked
\\Deleted once stored and expunged when the session ends, as OTRS does."""

from __future__ import annotations

import base64
import imaplib
import re
from contextlib import suppress

from django.utils.translation import gettext as _

from ..models import MailAccount, MailAccountType
from . import mailbox
from .mailbox import MailboxError, failing_as, tls_context

_NOT_PRINTABLE_ASCII = re.compile(r"[^ -~]+|&")


class ImapMailbox:
    """An IMAP session on the account's folder; keys are UIDs."""

    def __init__(self, client: imaplib.IMAP4, *, uidplus: bool) -> None:
        self.client = client
        self.uidplus = uidplus
        self._removed: list[str] = []

    def waiting(self) -> list[str]:
        with failing_as(_("Listing the messages failed: %(error)s")):
            data = _ok(self.client.uid("SEARCH", "ALL"))
        return [uid.decode("ascii") for uid in b" ".join(filter(None, data)).split()]

    def fetch(self, key: str) -> bytes | None:
        with failing_as(_("Fetching message %(number)s failed: %(error)s"), number=key):
            data = _ok(self.client.uid("FETCH", key, "(BODY.PEEK[])"))
        for item in data:
            if isinstance(item, tuple) and b"BODY[]" in item[0]:
                return item[1]
        return None

    def remove(self, key: str) -> None:
        with failing_as(_("Deleting message %(number)s failed: %(error)s"), number=key):
            _ok(self.client.uid("STORE", key, "+FLAGS.SILENT", r"(\Deleted)"))
        self._removed.append(key)

    def close(self) -> None:
        with failing_as(_("Logging out failed, so fetched messages may come again: %(error)s")):
            if self._removed:
                # UID EXPUNGE removes only what we stored; a plain EXPUNGE would also take
                # messages somebody else marked \Deleted.
                if self.uidplus:
                    _ok(self.client.uid("EXPUNGE", ",".join(self._removed)))
                else:
                    _ok(self.client.expunge())
            self._removed = []
            self.client.logout()

    def drop(self) -> None:
        self.client.shutdown()


def open_imap(account: MailAccount) -> ImapMailbox:
    host, port = account.host, account.effective_port
    server = {"server": f"{host}:{port}"}
    context = tls_context(verify=account.verify_certificate)
    with failing_as(_("Cannot connect to %(server)s: %(error)s"), **server):
        if account.type == MailAccountType.IMAPS:
            client = imaplib.IMAP4_SSL(
                host, port, ssl_context=context, timeout=mailbox.TIMEOUT_SECONDS
            )
        else:
            client = imaplib.IMAP4(host, port, timeout=mailbox.TIMEOUT_SECONDS)
    try:
        if account.type == MailAccountType.IMAPTLS:
            with failing_as(_("STARTTLS with %(server)s failed: %(error)s"), **server):
                client.starttls(ssl_context=context)
        with failing_as(_("%(server)s refused the login: %(error)s"), **server):
            _login(client, account.login, account.password)
        folder = account.imap_folder or "INBOX"
        with failing_as(_("Cannot open folder “%(folder)s”: %(error)s"), folder=folder):
            _ok(client.select(quote(folder)))
            capabilities = b" ".join(_ok(client.capability())).upper().split()
    except MailboxError:
        with suppress(OSError):  # a failed TLS handshake leaves the socket closed
            client.shutdown()
        raise
    return ImapMailbox(client, uidplus=b"UIDPLUS" in capabilities)


def _login(client: imaplib.IMAP4, login: str, password: str) -> None:
    if (login + password).isascii():
        # imaplib quotes the password but sends the login as it is.
        client.login(quote(login), password)
        return
    # LOGIN takes ASCII only; SASL PLAIN carries UTF-8 (RFC 4616).
    credentials = b"\0" + login.encode() + b"\0" + password.encode()
    client.authenticate("PLAIN", lambda _challenge: credentials)


def _ok(response: tuple[str, list]) -> list:
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(*(part for part in data if part))
    return data


def quote(text: str) -> str:
    """An IMAP quoted string; folder names beyond ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    encoded = encode_folder_name(text)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_folder_name(name: str) -> str:
    return _NOT_PRINTABLE_ASCII.sub(_encode_run, name)


def _encode_run(match: re.Match) -> str:
    if match.group() == "&":
        return "&-"
    data = base64.b64encode(match.group().encode("utf-16-be")).rstrip(b"=")
    return "&" + data.decode("ascii").replace("/", ",") + "-"
