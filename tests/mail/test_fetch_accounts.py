"""Fetching mail accounts from a real Dovecot server: every protocol, every kind of trouble."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest

from tests.mail.builders import mail
from tests.mail.fixtures_smtp import unused_port
from ticketry.core import clock, sysconfig
from ticketry.core.validity import Validity
from ticketry.mail.fetching import claims, mailbox
from ticketry.mail.fetching.accounts import fetch_account, fetch_accounts
from ticketry.mail.fetching.imap import encode_folder_name
from ticketry.mail.inbound.store import read_raw
from ticketry.mail.models import (
    InboundMessage,
    InboundOutcome,
    InboundSource,
    InboundStatus,
    MailAccountType,
)
from ticketry.tickets.models import Queue, Ticket

pytestmark = pytest.mark.django_db

ALL_TYPES = list(MailAccountType)
POP3_AND_IMAP = [MailAccountType.POP3, MailAccountType.IMAP]


def _crlf(raw: bytes) -> bytes:
    """How the server sends a message it keeps with bare line feeds."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("account_type", ALL_TYPES)
def test_each_account_type_fetches_messages_into_tickets(mail_account, support, account_type):
    account, user = mail_account(account_type)
    user.deliver(mail(subject="Printer on fire"), mail(subject="Paper jam"))

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert [message.created for message in report.messages] == [True, True]
    rows = list(InboundMessage.objects.order_by("id"))
    assert [row.subject for row in rows] == ["Printer on fire", "Paper jam"]
    for row, fetched in zip(rows, report.messages, strict=True):
        assert row.pk == fetched.inbound_id
        assert (row.source, row.account_id, row.trusted) == (
            InboundSource.ACCOUNT,
            account.pk,
            False,
        )
        assert row.status == InboundStatus.PROCESSED
        assert row.outcome == InboundOutcome.NEW_TICKET
        assert row.ticket.queue.name == "Misc"  # dispatched by the recipient support@
        assert fetched.delivery.ticket_number == row.ticket.tn
    assert user.remaining() == []
    account.refresh_from_db()
    assert account.last_fetch_error == ""
    assert account.last_fetch_at <= clock.now()


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_the_message_is_stored_exactly_as_the_server_sends_it(mail_account, account_type):
    account, user = mail_account(account_type)
    raw = (
        b"From: jdoe@example.com\nTo: support@example.com\nSubject: dots\n"
        b"Message-ID: <dots-" + account_type.encode() + b"@example.com>\n\n"
        b".a line that starts with a dot\n..two dots\n.\n"
        + b"x" * 100_000  # far longer than a line may be
        + b"\n8-bit: \xe4\xf6\xfc\xff\n"
    )
    user.deliver(raw)

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert read_raw(InboundMessage.objects.get()) == _crlf(raw)
    assert user.remaining() == []


def test_a_wrong_password_is_recorded_and_the_other_accounts_are_fetched(mail_account, support):
    good_pop3, pop3_user = mail_account(MailAccountType.POP3S)
    bad, bad_user = mail_account(MailAccountType.IMAP, password="wrong")
    good_imap, imap_user = mail_account(MailAccountType.IMAPS)
    for user in (pop3_user, bad_user, imap_user):
        user.deliver(mail(subject=f"for {user.login}"))

    reports = {report.account_id: report for report in fetch_accounts()}

    assert "refused the login" in reports[bad.pk].error
    assert "AUTHENTICATIONFAILED" in reports[bad.pk].error
    bad.refresh_from_db()
    assert bad.last_fetch_error == reports[bad.pk].error
    assert len(bad_user.remaining()) == 1
    for account, user in ((good_pop3, pop3_user), (good_imap, imap_user)):
        assert not reports[account.pk].failed
        assert user.remaining() == []
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize("account_type", [MailAccountType.POP3, MailAccountType.IMAPS])
def test_an_unreachable_server_is_an_error_of_its_account(mail_account, account_type):
    account, _user = mail_account(account_type, port=unused_port())

    report = fetch_account(account.pk)

    assert report.error.startswith("Cannot connect to 127.0.0.1:")
    assert "refused" in report.error
    account.refresh_from_db()
    assert account.last_fetch_error == report.error


def test_a_silent_server_times_out_without_holding_up_the_others(
    mail_account, monkeypatch, dovecot
):
    monkeypatch.setattr(mailbox, "TIMEOUT_SECONDS", 1)
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    # Accepts connections and never says a word.
    threading.Thread(
        target=lambda: accepted.append(listener.accept()), daemon=True, name="silent-server"
    ).start()
    silent, _ = mail_account(MailAccountType.IMAP, port=listener.getsockname()[1])
    good, user = mail_account(MailAccountType.POP3)
    user.deliver(mail())

    started = time.monotonic()
    reports = {report.account_id: report for report in fetch_accounts([silent.pk, good.pk])}

    assert time.monotonic() - started < 15
    assert "timed out" in reports[silent.pk].error
    assert not reports[good.pk].failed
    assert user.remaining() == []
    listener.close()
    for connection, _address in accepted:
        connection.close()


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_junk_among_good_messages_does_not_stop_the_fetch(mail_account, support, account_type):
    account, user = mail_account(account_type)
    junk = bytes(range(256)) * 400  # binary, NUL bytes, hardly a line end
    user.deliver(
        mail(subject="before the junk"),
        junk,
        b"",
        b"\xff\xfe: not a header\n\n\x00",
        mail(subject="after the junk"),
    )

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert len(report.messages) == 5
    assert user.remaining() == []
    rows = list(InboundMessage.objects.order_by("id"))
    assert len(rows) == 5
    assert rows[0].outcome == rows[-1].outcome == InboundOutcome.NEW_TICKET
    for row in rows[1:-1]:
        assert row.status in (InboundStatus.PROCESSED, InboundStatus.QUARANTINED)
        assert row.status != InboundStatus.QUARANTINED or row.error


def test_a_message_that_cannot_be_stored_stays_and_the_others_are_fetched(mail_account, support):
    # PostgreSQL keeps no NUL in text: such headers may make the message unstorable there.
    account, user = mail_account(MailAccountType.POP3)
    nul = b"Subject: nul\x00here\nFrom: a\x00b@example.com\nMessage-ID: <n\x00ul@x>\n\nbody\n"
    user.deliver(mail(subject="one"), nul, mail(subject="two"))

    report = fetch_account(account.pk)

    assert InboundMessage.objects.filter(subject__in=["one", "two"]).count() == 2
    if report.left_on_server:
        assert user.remaining() == [nul]
        assert len(report.messages) == 2
        account.refresh_from_db()
        assert account.last_fetch_error.startswith("1 message could not be stored")
    else:
        assert user.remaining() == []
        assert len(report.messages) == 3


def test_a_50_mb_message_is_stored_quarantined_and_removed(mail_account, support):
    account, user = mail_account(MailAccountType.POP3)
    attachment = ("big.bin", "application/octet-stream", bytes(range(256)) * 4096 * 50)
    big = mail(subject="Big one", attachments=(attachment,))
    user.deliver(mail(subject="small"), big, mail(subject="small too"))

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert user.remaining() == []
    stored = InboundMessage.objects.get(subject="Big one")
    assert stored.size == len(_crlf(big))
    assert stored.status == InboundStatus.QUARANTINED
    assert "KB" in stored.error
    assert InboundMessage.objects.filter(outcome=InboundOutcome.NEW_TICKET).count() == 2


def test_a_message_over_the_size_limit_is_quarantined_over_imap_too(mail_account, support):
    sysconfig.set_value("PostMasterMaxEmailSize", 1)
    account, user = mail_account(MailAccountType.IMAPTLS)
    user.deliver(mail(body="y" * 5000))

    report = fetch_account(account.pk)

    assert report.messages[0].delivery.outcome == InboundOutcome.QUARANTINED
    assert InboundMessage.objects.get().status == InboundStatus.QUARANTINED
    assert user.remaining() == []


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_nothing_is_removed_while_messages_cannot_be_stored(
    mail_account, support, settings, tmp_path, account_type
):
    account, user = mail_account(account_type)
    user.deliver(mail(subject="one"), mail(subject="two"))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the storage folder should be")
    settings.MEDIA_ROOT = blocked

    report = fetch_account(account.pk)

    assert "cannot be stored now" in report.error
    assert len(user.remaining()) == 2
    assert not InboundMessage.objects.exists()
    account.refresh_from_db()
    assert account.last_fetch_error == report.error

    settings.MEDIA_ROOT = tmp_path / "media"
    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert user.remaining() == []
    assert InboundMessage.objects.count() == 2
    account.refresh_from_db()
    assert account.last_fetch_error == ""


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_a_message_fetched_twice_is_stored_once(mail_account, support, account_type):
    account, user = mail_account(account_type)
    raw = mail(message_id=f"<twice-{account_type}@example.com>")
    user.deliver(raw, raw)

    first = fetch_account(account.pk)
    user.deliver(raw)
    second = fetch_account(account.pk)

    assert [message.created for message in first.messages] == [True, False]
    assert [message.created for message in second.messages] == [False]
    assert second.messages[0].delivery.duplicate
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert user.remaining() == []


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_only_trusted_accounts_may_set_x_otrs_headers(mail_account, support, trusted):
    account, user = mail_account(MailAccountType.POP3TLS, trusted=trusted)
    user.deliver(mail(headers={"X-OTRS-Queue": "Junk"}))

    fetch_account(account.pk)

    row = InboundMessage.objects.get()
    assert row.trusted is trusted
    assert row.ticket.queue.name == ("Junk" if trusted else "Misc")


def test_an_account_with_a_queue_puts_everything_there(mail_account, support):
    junk = Queue.objects.get(name="Junk")
    account, user = mail_account(MailAccountType.IMAP, queue=junk)
    user.deliver(mail(to="support@example.com"), mail(to="nobody@example.org"))

    fetch_account(account.pk)

    rows = InboundMessage.objects.all()
    assert {row.queue_id for row in rows} == {junk.pk}
    assert {row.ticket.queue.name for row in rows} == {"Junk"}


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_it_reconnects_after_every_few_messages(mail_account, dovecot, support, account_type):
    sysconfig.set_value("PostMasterReconnectMessage", 2)
    account, user = mail_account(account_type)
    user.deliver(*(mail(subject=f"message {number}") for number in range(5)))

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert InboundMessage.objects.count() == 5
    assert user.remaining() == []
    # Three sessions (2 + 2 + 1 messages), each ending with its deletions carried out.
    assert len(dovecot.log_matches(rf"Login: (user=<{user.login}>)", 3)) == 3
    deleted = rf"\({user.login}\).*Logged out .*?(?:del=|expunged=)(\d+)"
    assert dovecot.log_matches(deleted, 3) == ["2", "2", "1"]


def test_an_account_being_fetched_is_not_fetched_again(mail_account):
    account, user = mail_account(MailAccountType.POP3)
    user.deliver(mail())
    assert claims.claim(account.pk) is not None

    report = fetch_account(account.pk)

    assert report.busy and not report.failed
    assert len(user.remaining()) == 1

    # A worker that died leaves a lease that runs out.
    type(account).objects.filter(pk=account.pk).update(
        last_fetch_at=clock.now() - timedelta(seconds=1)
    )
    report = fetch_account(account.pk)

    assert not report.busy and len(report.messages) == 1
    assert user.remaining() == []


def test_an_invalid_account_is_not_fetched(mail_account):
    account, user = mail_account(MailAccountType.POP3, valid=Validity.INVALID)
    user.deliver(mail())

    assert fetch_account(account.pk).error == "The account is not valid."
    assert fetch_accounts() == []
    assert len(user.remaining()) == 1


def test_an_imap_account_reads_its_own_folder(mail_account, support):
    folder = "Anfragen für R&D"
    account, user = mail_account(MailAccountType.IMAP, imap_folder=folder)
    user.deliver(mail(subject="in the folder"), folder=encode_folder_name(folder))
    user.deliver(mail(subject="in the inbox"))

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert InboundMessage.objects.get().subject == "in the folder"
    assert user.remaining(encode_folder_name(folder)) == []
    assert len(user.remaining()) == 1


def test_a_missing_imap_folder_is_an_error(mail_account):
    account, _user = mail_account(MailAccountType.IMAP, imap_folder="Nowhere")

    report = fetch_account(account.pk)

    assert report.error.startswith("Cannot open folder “Nowhere”")


@pytest.mark.parametrize("account_type", [MailAccountType.IMAPS, MailAccountType.POP3TLS])
def test_certificates_are_checked_unless_switched_off(
    mail_account, tls_certificate, monkeypatch, account_type
):
    account, user = mail_account(account_type, verify_certificate=True)
    user.deliver(mail())

    report = fetch_account(account.pk)

    assert "certificate" in report.error
    assert len(user.remaining()) == 1

    # Once the test certificate is trusted, the same account works.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate[0]))
    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert user.remaining() == []


@pytest.mark.parametrize("account_type", POP3_AND_IMAP)
def test_a_non_ascii_password_logs_in(mail_account, dovecot, account_type):
    user = dovecot.add_user(password="Grüße aus Köln")
    account, _user = mail_account(account_type, user=user)
    user.deliver(mail())

    report = fetch_account(account.pk)

    assert not report.failed, report.problem()
    assert user.remaining() == []


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("R&D", "R&-D"),
        ("台北", "&U,BTFw-"),
        ("a ü b ö", "a &APw- b &APY-"),
    ],
)
def test_imap_folder_names_are_sent_in_modified_utf7(name, encoded):
    assert encode_folder_name(name) == encoded
