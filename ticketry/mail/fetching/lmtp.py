"""The LMTP receiver (RFC 2033): Postfix or Exim deliver straight to Ticketry.

After DATA every recipient gets its own answer, and only once the message is stored and
committed: 250 when it is, 451 when it could not be (the MTA keeps it and tries again).
Every recipient is accepted, as OTRS accepts any mail piped to it: the MTA already decided
what to deliver here, and mail for no system address goes to the default queue. Processing
follows the answer, in threads of its own; if it fails, the stored message waits for the
periodic processing of stored messages. A listener is untrusted unless started as trusted:
only then may its mail set X-OTRS headers, as any sender could write them.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connections

from ..inbound import process, store_raw
from ..models import InboundSource, InboundStatus

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 100 * 1024 * 1024
STORE_THREADS = 4
PROCESS_THREADS = 2
# MTAs fold lines at 998 characters; a longer line is tolerated rather than refused, up to
# this length, which bounds what one line may buffer.
MAX_LINE_LENGTH = 1024 * 1024
# aiosmtpd's single answers to a DATA it refused while reading (too big, line too long).
_REFUSED_DATA = ("552 Error: Too much mail data", "500 Line too long")


class Receiver:
    """The aiosmtpd handler: stores in worker threads, so a slow database does not hold up
    the other connections."""

    def __init__(self, *, trusted: bool = False) -> None:
        self.trusted = trusted
        self.storing = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="lmtp-store")
        self.processing = ThreadPoolExecutor(PROCESS_THREADS, thread_name_prefix="lmtp-process")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        loop = asyncio.get_running_loop()
        answers = await loop.run_in_executor(
            self.storing, self.store, envelope.original_content, list(envelope.rcpt_tos)
        )
        # One line per recipient; each line is a complete reply of its own.
        return "\r\n".join(answers)

    def store(self, raw: bytes, recipients: list[str]) -> list[str]:
        """Store `raw` for each recipient and return the answers, in RCPT order."""
        waiting: set[int] = set()
        try:
            answers = [self._store_for(raw, recipient, waiting) for recipient in recipients]
        finally:
            connections.close_all()
        for inbound_id in sorted(waiting):
            self.processing.submit(self._process, inbound_id)
        return answers

    def _store_for(self, raw: bytes, recipient: str, waiting: set[int]) -> str:
        # The same message for several recipients is stored once (store_raw recognises it)
        # and becomes one ticket; every recipient is still answered.
        try:
            inbound, _created = store_raw(
                raw,
                source=InboundSource.LMTP,
                trusted=self.trusted,
                envelope_recipient=recipient,
            )
        except Exception:
            logger.exception("LMTP: the message for %s could not be stored", recipient)
            return f"451 4.3.0 <{recipient}> Cannot store the message now, try again later"
        if inbound.status == InboundStatus.RECEIVED:
            waiting.add(inbound.pk)
        return f"250 2.0.0 <{recipient}> Stored as inbound message {inbound.pk}"

    def _process(self, inbound_id: int) -> None:
        try:
            delivery = process(inbound_id)
            if delivery is not None:
                logger.info("LMTP: inbound message %s: %s", inbound_id, delivery.outcome)
        except Exception:
            logger.exception("LMTP: inbound message %s will be processed later", inbound_id)
        finally:
            connections.close_all()

    def shutdown(self) -> None:
        self.storing.shutdown(wait=True)
        self.processing.shutdown(wait=True)


class _Lmtp(LMTP):
    line_length_limit = MAX_LINE_LENGTH

    async def push(self, status: str | bytes) -> None:
        # LMTP wants one answer per recipient even when DATA is refused; aiosmtpd sends one.
        envelope = self.envelope
        if (
            isinstance(status, str)
            and status.startswith(_REFUSED_DATA)
            and envelope is not None
            and len(envelope.rcpt_tos) > 1
        ):
            status = "\r\n".join([status] * len(envelope.rcpt_tos))
        await super().push(status)


class _Controller(Controller):
    """Serves on a socket bound beforehand, so a port in use is an error at once."""

    def __init__(self, handler: Receiver, listener: socket.socket, **options) -> None:
        host, port = listener.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **options)
        self.listener = listener

    def factory(self) -> LMTP:
        return _Lmtp(self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self.listener)


class LmtpServer:
    """The receiver listening on host:port (0: any free port), served by a thread of its
    own; `trusted` lets its mail set X-OTRS headers."""

    def __init__(
        self, host: str, port: int, *, max_size: int = DEFAULT_MAX_SIZE, trusted: bool = False
    ) -> None:
        self.host = host
        self.port = port
        self.max_size = max_size
        self.trusted = trusted
        self.receiver = Receiver(trusted=trusted)
        self.controller: _Controller | None = None

    def start(self) -> None:
        """Listen; raises OSError when the address is not available."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family)
        self.port = listener.getsockname()[1]
        self.controller = _Controller(
            self.receiver,
            listener,
            data_size_limit=self.max_size,
            server_hostname=socket.gethostname(),
        )
        try:
            self.controller.start()
        except BaseException:
            listener.close()
            raise

    def stop(self) -> None:
        """Stop listening, then finish storing and processing what came in."""
        if self.controller is not None:
            self.controller.stop()
        self.receiver.shutdown()
