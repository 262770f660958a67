"""The LMTP receiver, spoken to with smtplib's LMTP client as Postfix or Exim would."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from argparse import ArgumentParser
from io import StringIO

import pytest

from tests.mail.builders import mail
from tests.mail.fixtures_smtp import unused_port
from ticketry.mail.cli import lmtp as lmtp_command
from ticketry.mail.fetching.lmtp import LmtpServer
from ticketry.mail.inbound.store import read_raw
from ticketry.mail.models import InboundMessage, InboundSource, InboundStatus, PostmasterFilter

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "127.0.0.1"
WAIT_SECONDS = 30


@pytest.fixture
def start_lmtp():
    """Factory: start_lmtp(max_size=...) starts a receiver (stopped after the test) and
    returns its port."""
    servers = []

    def start(**options) -> int:
        server = LmtpServer(HOST, 0, **options)
        server.start()
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def lmtp_port(start_lmtp) -> int:
    return start_lmtp()


@pytest.fixture
def client(lmtp_port):
    with smtplib.LMTP(HOST, lmtp_port, timeout=WAIT_SECONDS) as connection:
        connection.ehlo_or_helo_if_needed()
        yield connection


def _crlf_mail(**options) -> bytes:
    """A test mail with CRLF line ends, as an MTA sends it."""
    return mail(**options).replace(b"\n", b"\r\n")


def _send(client: smtplib.LMTP, raw: bytes, recipients: list[str]) -> list[tuple[int, bytes]]:
    """MAIL, RCPT each, DATA: the answers after DATA, one per recipient."""
    client.mail("jdoe@example.com")
    for recipient in recipients:
        assert client.rcpt(recipient)[0] == 250
    answers = [client.data(raw)]
    answers += [client.getreply() for _ in recipients[1:]]
    return answers


def _processed(count: int = 1) -> list[InboundMessage]:
    """The stored messages, once `count` of them are processed (that follows the answer)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        rows = list(InboundMessage.objects.order_by("id"))
        done = [row for row in rows if row.status != InboundStatus.RECEIVED]
        if len(done) >= count:
            return rows
        assert time.monotonic() < deadline, "the message was not processed"
        time.sleep(0.05)


def test_each_recipient_gets_its_own_answer_and_the_mail_one_ticket(client, support):
    raw = _crlf_mail(to="support@example.com, sales@example.com")

    answers = _send(client, raw, ["support@example.com", "sales@example.com"])

    [row] = _processed()
    assert [code for code, _text in answers] == [250, 250]
    assert b"<support@example.com>" in answers[0][1]
    assert b"<sales@example.com>" in answers[1][1]
    assert f"message {row.pk}".encode() in answers[0][1]
    assert read_raw(row) == raw
    assert (row.source, row.trusted) == (InboundSource.LMTP, False)
    assert row.envelope_recipient == "support@example.com"
    assert row.ticket.queue.name == "Misc"
    # The session goes on.
    assert client.noop()[0] == 250


def _deliver(port: int, raw: bytes) -> None:
    with smtplib.LMTP(HOST, port, timeout=WAIT_SECONDS) as connection:
        connection.sendmail("jdoe@example.com", ["support@example.com"], raw)


def test_the_x_otrs_headers_of_mail_by_lmtp_are_ignored_by_default(client, support):
    raw = _crlf_mail(headers={"X-OTRS-Queue": "Junk", "X-OTRS-Priority": "5 very high"})

    client.sendmail("jdoe@example.com", ["support@example.com"], raw)

    [row] = _processed()
    assert row.trusted is False
    assert (row.ticket.queue.name, row.ticket.priority.name) == ("Misc", "3 normal")


def test_a_listener_started_as_trusted_honours_them(start_lmtp, support):
    port = start_lmtp(trusted=True)

    _deliver(port, _crlf_mail(headers={"X-OTRS-Queue": "Junk"}))

    [row] = _processed()
    assert row.trusted is True
    assert row.ticket.queue.name == "Junk"


def test_filters_see_no_x_otrs_header_of_untrusted_mail_but_may_set_them(client, support):
    PostmasterFilter.objects.create(
        name="1-sent-priority",
        matches=[{"header": "X-OTRS-Priority", "value": "."}],
        sets=[{"header": "X-OTRS-Title", "value": "The mail's own priority header"}],
    )
    PostmasterFilter.objects.create(
        name="2-vip",
        matches=[{"header": "From", "value": "jdoe@example\\.com"}],
        sets=[{"header": "X-OTRS-Queue", "value": "Junk"}],
    )
    raw = _crlf_mail(subject="Printer", headers={"X-OTRS-Priority": "5 very high"})

    client.sendmail("jdoe@example.com", ["support@example.com"], raw)

    [row] = _processed()
    assert (row.ticket.queue.name, row.ticket.title) == ("Junk", "Printer")
    assert row.ticket.priority.name == "3 normal"


def test_the_envelope_recipient_routes_the_mail(client, support):
    # Bcc to the support address: the headers name nobody of ours.
    raw = _crlf_mail(to="friend@example.org")

    client.sendmail("jdoe@example.com", ["support@example.com"], raw)

    [row] = _processed()
    assert row.ticket.queue.name == "Misc"


def test_a_second_delivery_of_the_same_message_is_stored_once(client, support):
    raw = _crlf_mail(message_id="<again@example.com>")

    first = _send(client, raw, ["support@example.com"])
    _processed()
    second = _send(client, raw, ["support@example.com"])

    assert first[0][0] == second[0][0] == 250
    assert InboundMessage.objects.count() == 1


def test_when_the_message_cannot_be_stored_every_recipient_gets_451(
    client, settings, tmp_path, support
):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the storage folder should be")
    settings.MEDIA_ROOT = blocked
    raw = _crlf_mail()

    answers = _send(client, raw, ["support@example.com", "sales@example.com"])

    assert [code for code, _text in answers] == [451, 451]
    assert not InboundMessage.objects.exists()

    # The MTA tries again later, and then it works.
    settings.MEDIA_ROOT = tmp_path / "media"
    answers = _send(client, raw, ["support@example.com", "sales@example.com"])

    assert [code for code, _text in answers] == [250, 250]
    assert len(_processed()) == 1


def test_binary_junk_and_long_lines_are_stored_as_sent(client):
    raw = b"Subject: junk\r\n\r\n" + bytes(range(1, 256)) * 400 + b"\r\n.dot\r\n"

    answers = _send(client, raw, ["support@example.com"])

    assert answers[0][0] == 250
    [row] = _processed()
    assert read_raw(row) == raw
    assert row.status in (InboundStatus.PROCESSED, InboundStatus.QUARANTINED)


def test_a_message_over_the_size_limit_is_refused_for_each_recipient(start_lmtp):
    port = start_lmtp(max_size=2000)
    with smtplib.LMTP(HOST, port, timeout=WAIT_SECONDS) as client:
        client.ehlo_or_helo_if_needed()
        # Announced with SIZE, it is refused at once.
        assert client.mail("jdoe@example.com", ["SIZE=5000"])[0] == 552
        client.rset()

        answers = _send(client, _crlf_mail(body="z" * 5000), ["a@example.com", "b@example.com"])

        assert [code for code, _text in answers] == [552, 552]
        assert client.noop()[0] == 250
    assert not InboundMessage.objects.exists()


def test_the_lmtp_command_serves_until_stopped(tmp_path):
    port = unused_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"TICKETRY_DATABASE_URL", "TICKETRY_TEST_DATABASE_NAME"}
    }
    env.update(TICKETRY_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "ticketry", "mail", "lmtp", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout.readline() == (
            f"Receiving mail by LMTP on 127.0.0.1 port {port}. Press Ctrl-C to stop.\n"
        )
        with smtplib.LMTP(HOST, port, timeout=WAIT_SECONDS) as client:
            assert client.ehlo_or_helo_if_needed() is None
            assert client.noop()[0] == 250
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_SECONDS) == 0
        assert "Stopping" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.mark.parametrize(
    ("args", "trusted"), [([], False), (["--untrusted"], False), (["--trusted"], True)]
)
def test_the_lmtp_command_is_untrusted_unless_told(args, trusted):
    parser = ArgumentParser()
    lmtp_command.configure(parser)

    assert parser.parse_args(args).trusted is trusted


def test_the_lmtp_command_refuses_both_trust_options(capsys):
    parser = ArgumentParser()
    lmtp_command.configure(parser)

    with pytest.raises(SystemExit):
        parser.parse_args(["--trusted", "--untrusted"])
    assert "not allowed with" in capsys.readouterr().err


def test_the_lmtp_command_explains_its_trust_options(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "TICKETRY_DATABASE_URL"}
    env.update(TICKETRY_DATA_DIR=str(tmp_path))
    command = [sys.executable, "-m", "ticketry", "mail", "lmtp", "--help"]

    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "Run the LMTP receiver for direct delivery" in result.stdout
    assert "--trusted" in result.stdout
    assert "This is the default: any sender can write X-OTRS headers." in " ".join(
        result.stdout.split()
    )


def test_the_lmtp_command_says_when_the_port_is_taken(lmtp_port, capsys):
    out = StringIO()
    options = {"host": HOST, "port": lmtp_port, "max_size": 1}

    assert lmtp_command.run(options, out) == 1

    assert f"Cannot listen on {HOST} port {lmtp_port}" in capsys.readouterr().err
