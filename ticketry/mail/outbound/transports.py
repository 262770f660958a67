"""Ways out for composed mail, chosen by `settings.MAIL_TRANSPORT_URL`:

- `smtp://[user:password@]host[:port]` plain SMTP (port 25), AUTH if a user is given;
- `smtp+starttls://...` STARTTLS required (port 587); `smtps://...` implicit TLS (port 465);
  query `verify=0` accepts any certificate, `cafile=/path` trusts a CA file, `timeout=` seconds;
- `sendmail:///usr/sbin/sendmail` pipes each message to the binary;
- `file:///dir` writes one .eml file per message (the embedded default).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ticketry.core import clock

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_TIMEOUT = 60
SENDMAIL_TIMEOUT = 300
# sysexits.h codes that blame the message or its recipients; any other failure of the
# binary (a full queue, a missing daemon) is worth another try.
SENDMAIL_PERMANENT = {65: "EX_DATAERR", 67: "EX_NOUSER", 68: "EX_NOHOST"}
FALSE_WORDS = {"0", "false", "no", "off"}


class DeliveryError(Exception):
    """A message was not handed over. `temporary` failures are retried; `broken` means the
    transport itself failed (no connection, bad login), so the rest of a batch waits too."""

    def __init__(self, message: str, *, temporary: bool, broken: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.broken = broken


class Transport:
    """Hands messages to the next hop; a context manager that closes what it opened."""

    def send(self, envelope_from: str, recipients: list[str], message: bytes) -> dict[str, str]:
        """Deliver one message; return the recipients refused while others were accepted
        (address → the server's answer). Raises DeliveryError when nothing was delivered."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; the base holds none."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_transport(url: str | None = None) -> Transport:
    """The transport configured by `url` (default MAIL_TRANSPORT_URL)."""
    url = url or settings.MAIL_TRANSPORT_URL
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if scheme in DEFAULT_PORTS:
        if not parts.hostname:
            raise ImproperlyConfigured(f"Mail transport {scheme}:// needs a host name.")
        return SMTPTransport(
            scheme=scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[scheme],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            verify=query.get("verify", "1").lower() not in FALSE_WORDS,
            cafile=query.get("cafile") or None,
            timeout=float(query.get("timeout", DEFAULT_TIMEOUT)),
        )
    if scheme == "sendmail":
        return SendmailTransport(unquote(parts.path) or "/usr/sbin/sendmail")
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("Mail transport file:// needs a directory.")
        return FileTransport(Path(unquote(parts.path)))
    raise ImproperlyConfigured(
        f"Unknown mail transport {scheme!r}: use smtp, smtp+starttls, smtps, sendmail or file."
    )


class SMTPTransport(Transport):
    """One connection for all messages sent through this object, opened on first use."""

    def __init__(
        self,
        *,
        scheme: str,
        host: str,
        port: int,
        username: str = "",
        password: str = "",
        verify: bool = True,
        cafile: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=cafile)
        if not verify:
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        self.connection: smtplib.SMTP | None = None
        self.sent_on_connection = 0

    def send(self, envelope_from: str, recipients: list[str], message: bytes) -> dict[str, str]:
        while True:
            fresh = self.connection is None or self.sent_on_connection == 0
            try:
                return self._send(envelope_from, recipients, message)
            except smtplib.SMTPServerDisconnected:
                self.connection = None
                if fresh:
                    raise DeliveryError(
                        _("The mail server closed the connection."), temporary=True, broken=True
                    ) from None
            # Servers close idle or long-used connections; a fresh one is worth one try.

    def _send(self, envelope_from: str, recipients: list[str], message: bytes) -> dict[str, str]:
        connection = self._connection()
        try:
            refused = connection.sendmail(envelope_from, recipients, message)
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _answer in error.recipients.values()]
            raise DeliveryError(
                _refusals(error.recipients), temporary=any(code < 500 for code in codes)
            ) from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(
                _answer(error.smtp_code, error.smtp_error), temporary=error.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(str(error), temporary=True, broken=True) from None
        self.sent_on_connection += 1
        return {address: _answer(code, text) for address, (code, text) in refused.items()}

    def _connection(self) -> smtplib.SMTP:
        if self.connection is not None:
            return self.connection
        connection: smtplib.SMTP | None = None
        try:
            if self.scheme == "smtps":
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            connection.ehlo()
            if self.scheme == "smtp+starttls":
                if not connection.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        _("The mail server does not offer STARTTLS.")
                    )
                connection.starttls(context=self.context)
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except (smtplib.SMTPException, OSError) as error:
            # The message is not at fault: a refused login or a broken handshake is a
            # set-up problem, so the mail stays queued until it is fixed or attempts run out.
            if connection is not None:
                _close_quietly(connection)
            if isinstance(error, smtplib.SMTPResponseException):
                text = _answer(error.smtp_code, error.smtp_error)
            else:
                text = str(error) or error.__class__.__name__
            raise DeliveryError(
                _("Could not connect to %(server)s: %(error)s")
                % {"server": f"{self.host}:{self.port}", "error": text},
                temporary=True,
                broken=True,
            ) from None
        self.connection = connection
        self.sent_on_connection = 0
        return connection

    def close(self) -> None:
        if self.connection is not None:
            _close_quietly(self.connection)
            self.connection = None


class SendmailTransport(Transport):
    """Pipes each message to a sendmail-compatible binary (Postfix, Exim, msmtp ...)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, envelope_from: str, recipients: list[str], message: bytes) -> dict[str, str]:
        # "--" ends the options, so no address can be read as one.
        command = [self.path, "-i", "-f", envelope_from, "--", *recipients]
        try:
            result = subprocess.run(
                command,
                input=message.replace(b"\r\n", b"\n"),
                capture_output=True,
                timeout=SENDMAIL_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DeliveryError(
                _("Could not run %(program)s: %(error)s") % {"program": self.path, "error": error},
                temporary=True,
                broken=True,
            ) from None
        if result.returncode:
            output = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise DeliveryError(
                _("%(program)s exited with status %(status)s: %(output)s")
                % {"program": self.path, "status": result.returncode, "output": output},
                temporary=result.returncode not in SENDMAIL_PERMANENT,
            )
        return {}


class FileTransport(Transport):
    """Writes each message to a file of its own; nothing leaves the machine."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, envelope_from: str, recipients: list[str], message: bytes) -> dict[str, str]:
        name = f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Written under a temporary name and renamed, so readers never see half a file.
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(message)
            os.replace(temporary, self.directory / name)
        except OSError as error:
            raise DeliveryError(str(error), temporary=True, broken=True) from None
        return {}


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {_answer(code, text)}" for address, (code, text) in refused.items()
    )


def _close_quietly(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
