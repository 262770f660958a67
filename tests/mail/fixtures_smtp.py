"""pytest fixtures: SMTP servers on 127.0.0.1 that keep what they receive (plain, STARTTLS
with AUTH, SMTPS with AUTH), and a ticket with a customer's mail to answer."""

from __future__ import annotations

import asyncio
import socket
import ssl
import warnings
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.mail.conftest_data import known_customer, support_address
from ticketry.core.actor import Actor
from ticketry.tickets.models import Ticket
from ticketry.tickets.services import ArticleInput, ticket_create

SMTP_USER = "ticketry"
SMTP_PASSWORD = "s3cret pass"
CUSTOMER_MESSAGE_ID = "<printer-1@mail.example.com>"
CUSTOMER_REFERENCES = "<thread-start@mail.example.com>"


def unused_port() -> int:
    """A port nobody listens on (the system just handed it out and it was closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str
    mechanism: str
    session: int

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Handler:
    """Accepts everything unless told to answer DATA or some recipients otherwise."""

    messages: list[ReceivedMail] = field(default_factory=list)
    data_answer: str = ""
    rcpt_answers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.rcpt_answers.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.data_answer:
            return self.data_answer
        mechanism, login = session.auth_data or ("", "")
        self.messages.append(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content or envelope.content,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                login=login,
                mechanism=mechanism,
                session=id(session),
            )
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    scheme: str
    handler: Handler
    auth: bool

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.handler.messages

    def url(self, *, password: str = SMTP_PASSWORD, scheme: str | None = None, **query) -> str:
        """The MAIL_TRANSPORT_URL for this server; certificates are not checked unless
        the query says otherwise."""
        query.setdefault("verify", "0")
        credentials = f"{SMTP_USER}:{password.replace(' ', '%20')}@" if self.auth else ""
        scheme = scheme or self.scheme
        return f"{scheme}://{credentials}{self.host}:{self.port}?{urlencode(query)}"

    def answer_data(self, answer: str) -> None:
        """Answer every DATA with `answer` (e.g. "451 4.3.0 Try again later")."""
        self.handler.data_answer = answer

    def refuse_recipient(self, address: str, answer: str) -> None:
        self.handler.rcpt_answers[address.lower()] = answer


class _Controller(Controller):
    def factory(self):
        # SMTPS with AUTH is safe, but aiosmtpd warns because its TLS check sees only STARTTLS.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=(mechanism, auth_data.login.decode()))


@pytest.fixture
def start_smtp_server(request):
    """Factory: start_smtp_server(mode="plain" | "starttls" | "smtps", auth=False,
    mechanisms=None) starts a server (stopped after the test) and returns a SmtpServer.
    STARTTLS and SMTPS servers use the tls_certificate fixture; `mechanisms` limits the
    AUTH mechanisms offered, e.g. ("LOGIN",)."""
    controllers = []

    def start(*, mode: str = "plain", auth: bool = False, mechanisms=None) -> SmtpServer:
        handler = Handler()
        options = {}
        if mode in ("starttls", "smtps"):
            cert, key = request.getfixturevalue("tls_certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            if mode == "smtps":
                options["ssl_context"] = context
            else:
                options |= {"tls_context": context, "require_starttls": True}
        if auth:
            options |= {"authenticator": _authenticate, "auth_required": True}
            if mechanisms:
                offered = {"LOGIN", "PLAIN"} - {m.upper() for m in mechanisms}
                options["auth_exclude_mechanism"] = offered
            # aiosmtpd's TLS check knows only STARTTLS; an SMTPS connection is TLS anyway,
            # and plain test servers accept AUTH in the clear.
            options["auth_require_tls"] = mode == "starttls"
        port = unused_port()
        controller = _Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}[mode]
        return SmtpServer("127.0.0.1", port, scheme, handler, auth)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp_server) -> SmtpServer:
    """A plain SMTP server without authentication."""
    return start_smtp_server()


@pytest.fixture
def smtp_starttls_server(start_smtp_server) -> SmtpServer:
    """A server that requires STARTTLS and then AUTH (LOGIN or PLAIN)."""
    return start_smtp_server(mode="starttls", auth=True)


@pytest.fixture
def smtps_server(start_smtp_server) -> SmtpServer:
    """A server with implicit TLS that requires AUTH."""
    return start_smtp_server(mode="smtps", auth=True)


@pytest.fixture
def mail_ticket(db) -> Ticket:
    """A ticket in queue Misc (system address "Example Support" <support@example.com>)
    opened by John Doe's mail, which is part of a thread already."""
    support_address(auto_responses=False)
    known_customer()
    return ticket_create(
        actor=Actor.system(),
        title="Printer on fire",
        queue="Misc",
        customer_user="jdoe",
        article=ArticleInput(
            channel="Email",
            sender_type="customer",
            is_visible_for_customer=True,
            from_address='"John Doe" <jdoe@example.com>',
            to_address="support@example.com",
            subject="Printer on fire",
            body="The printer in room 4 is smoking.\n\nPlease hurry!\n",
            message_id=CUSTOMER_MESSAGE_ID,
            references=CUSTOMER_REFERENCES,
            history_type="EmailCustomer",
            history_comment="%%",
        ),
    )
