"""The outbound queue against real transports: SMTP servers on 127.0.0.1 (plain, STARTTLS,
SMTPS, with AUTH), a sendmail stand-in and a directory."""

import io
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from tests.accounts.factories import AgentFactory, grant
from tests.mail.fixtures_smtp import CUSTOMER_MESSAGE_ID, unused_port
from ticketry.accounts.models import Group
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import PermissionDenied
from ticketry.core.schedule import registered_schedules
from ticketry.mail.models import OutboundMail, OutboundStatus
from ticketry.mail.outbound import resend, send_due, send_email_article, transmission_status
from ticketry.mail.outbound.queue import MAX_ATTEMPTS, retry_delay
from ticketry.mail.outbound.tasks import mail_queue_send, send_outbound_mail

pytestmark = pytest.mark.django_db

MOMENT = datetime(2015, 7, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def alice():
    agent = AgentFactory(login="alice", first_name="Alice", last_name="Agent")
    grant(agent, Group.objects.get(name="users"), "rw")
    return agent


@pytest.fixture
def send_answer(mail_ticket, alice):
    def send(**overrides):
        values = {
            "actor": alice.actor,
            "ticket": mail_ticket,
            "to": "John Doe <jdoe@example.com>",
            "subject": f"Re: [Ticket#{mail_ticket.tn}] Printer on fire",
            "body": "We are on our way.\n",
            "in_reply_to": mail_ticket.articles.get(message_id=CUSTOMER_MESSAGE_ID),
        }
        values.update(overrides)
        article = send_email_article(**values)
        return OutboundMail.objects.get(article=article)

    return send


def refreshed(mail: OutboundMail) -> OutboundMail:
    mail.refresh_from_db()
    return mail


# SMTP


def test_a_queued_answer_reaches_the_smtp_server(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    clock.freeze(MOMENT)
    mail = send_answer(cc="boss@example.com", bcc="Audit <audit@example.com>")

    report = send_due()

    assert [outcome.outbound_id for outcome in report.sent] == [mail.pk]
    [received] = smtp_server.messages
    assert received.mail_from == "support@example.com"
    assert received.rcpt_tos == ["jdoe@example.com", "boss@example.com", "audit@example.com"]
    assert not received.tls
    message = received.message
    assert message["Message-ID"] == mail.message_id
    assert message["In-Reply-To"] == CUSTOMER_MESSAGE_ID
    assert message["Bcc"] is None
    assert b"audit@example.com" not in received.data
    mail = refreshed(mail)
    assert (mail.status, mail.attempts, mail.sent_at, mail.last_error) == ("sent", 1, MOMENT, "")
    status = transmission_status(mail.article)
    assert (status.status, status.sent_at, status.next_attempt_at) == ("sent", MOMENT, None)
    assert send_due().outcomes == []


def test_one_connection_carries_a_whole_batch(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    mails = [send_answer(body=f"Answer {n}") for n in range(3)]

    assert len(send_due(limit=2).sent) == 2
    assert len(send_due().sent) == 1

    assert len(smtp_server.messages) == 3
    assert len({received.session for received in smtp_server.messages[:2]}) == 1
    assert smtp_server.messages[2].session != smtp_server.messages[0].session
    assert {refreshed(mail).status for mail in mails} == {"sent"}


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_with_authentication(start_smtp_server, settings, send_answer, mechanism):
    server = start_smtp_server(mode="starttls", auth=True, mechanisms=[mechanism])
    settings.MAIL_TRANSPORT_URL = server.url()
    mail = send_answer()

    assert len(send_due().sent) == 1

    [received] = server.messages
    assert received.tls
    assert (received.mechanism, received.login) == (mechanism, "ticketry")
    assert refreshed(mail).status == "sent"


def test_starttls_checks_the_certificate_unless_told_not_to(
    smtp_starttls_server, settings, send_answer, tls_certificate
):
    mail = send_answer()
    settings.MAIL_TRANSPORT_URL = smtp_starttls_server.url(verify="1")

    [outcome] = send_due().retrying

    assert "certificate verify failed" in outcome.error
    assert smtp_server_empty(smtp_starttls_server)
    OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=clock.now())
    cert, _key = tls_certificate
    settings.MAIL_TRANSPORT_URL = smtp_starttls_server.url(verify="1", cafile=str(cert))
    assert len(send_due().sent) == 1
    assert smtp_starttls_server.messages[0].tls


def smtp_server_empty(server) -> bool:
    return not server.messages


def test_starttls_is_required_when_asked_for(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url(scheme="smtp+starttls")
    mail = send_answer()

    send_due()

    mail = refreshed(mail)
    assert mail.status == "queued"
    assert "does not offer STARTTLS" in mail.last_error
    assert not smtp_server.messages


def test_smtps_with_authentication(smtps_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtps_server.url()
    send_answer()

    assert len(send_due().sent) == 1

    [received] = smtps_server.messages
    assert received.tls
    assert received.login == "ticketry"


def test_a_refused_login_keeps_the_batch_queued(smtps_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtps_server.url(password="wrong")
    clock.freeze(MOMENT)
    first, second = send_answer(), send_answer()

    report = send_due()

    [outcome] = report.retrying
    assert outcome.outbound_id == first.pk
    assert "535" in outcome.error
    first, second = refreshed(first), refreshed(second)
    assert (first.status, first.attempts, first.next_attempt_at) == (
        "queued",
        1,
        MOMENT + timedelta(minutes=3),
    )
    assert (second.status, second.attempts, second.next_attempt_at) == ("queued", 0, MOMENT)


# Failures, retries and back-off


def test_a_temporary_failure_is_retried_with_back_off(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.answer_data("451 4.3.0 Try again later")
    clock.freeze(MOMENT)
    mail = send_answer()

    [outcome] = send_due().retrying

    assert outcome.error == "451 4.3.0 Try again later"
    assert outcome.next_attempt_at == MOMENT + timedelta(minutes=3)
    mail = refreshed(mail)
    assert (mail.status, mail.attempts, mail.last_error) == (
        "queued",
        1,
        "451 4.3.0 Try again later",
    )
    status = transmission_status(mail.article)
    assert (status.status, status.last_error) == ("queued", "451 4.3.0 Try again later")

    clock.freeze(MOMENT + timedelta(minutes=2))
    assert send_due().outcomes == []
    clock.freeze(MOMENT + timedelta(minutes=3))
    send_due()
    assert refreshed(mail).next_attempt_at == MOMENT + timedelta(minutes=9)

    smtp_server.answer_data("")
    clock.freeze(MOMENT + timedelta(minutes=9))
    assert len(send_due().sent) == 1
    mail = refreshed(mail)
    assert (mail.status, mail.attempts, mail.last_error) == ("sent", 3, "")


def test_the_back_off_spreads_ten_attempts_over_about_a_day():
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS)]
    assert delays[:3] == [timedelta(minutes=3), timedelta(minutes=6), timedelta(minutes=12)]
    assert timedelta(hours=20) < sum(delays, timedelta()) < timedelta(hours=30)


def test_sending_gives_up_after_the_last_attempt(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.answer_data("421 4.7.0 Too busy")
    clock.freeze(MOMENT)
    mail = send_answer()
    for _attempt in range(MAX_ATTEMPTS - 1):
        send_due()
        clock.freeze(refreshed(mail).next_attempt_at)
    assert refreshed(mail).status == "queued"

    [outcome] = send_due().failed

    mail = refreshed(mail)
    assert (mail.status, mail.attempts, mail.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "421 4.7.0 Too busy",
    )
    assert outcome.error == "421 4.7.0 Too busy"


def test_a_permanent_failure_gives_up_at_once_with_the_servers_answer(
    smtp_server, settings, send_answer
):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.answer_data("550 5.7.1 Message rejected as spam")
    mail = send_answer()

    [outcome] = send_due().failed

    assert outcome.error == "550 5.7.1 Message rejected as spam"
    mail = refreshed(mail)
    assert (mail.status, mail.attempts) == ("failed", 1)
    assert mail.last_error == "550 5.7.1 Message rejected as spam"
    status = transmission_status(mail.article)
    assert (status.status, status.last_error) == ("failed", "550 5.7.1 Message rejected as spam")
    assert str(status.label) == "failed"


def test_refused_recipients(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.refuse_recipient("jdoe@example.com", "550 5.1.1 No such user")
    smtp_server.refuse_recipient("boss@example.com", "452 4.2.2 Mailbox full")
    nobody = send_answer()
    partly = send_answer(cc="ok@example.com")
    busy = send_answer(to="boss@example.com")

    send_due()

    nobody, partly, busy = refreshed(nobody), refreshed(partly), refreshed(busy)
    assert nobody.status == "failed"
    assert nobody.last_error == "jdoe@example.com: 550 5.1.1 No such user"
    assert partly.status == "sent"
    assert "jdoe@example.com: 550 5.1.1 No such user" in partly.last_error
    assert busy.status == "queued"
    assert busy.last_error == "boss@example.com: 452 4.2.2 Mailbox full"
    assert [received.rcpt_tos for received in smtp_server.messages] == [["ok@example.com"]]


def test_a_server_that_is_down_means_another_try_later(settings, send_answer):
    settings.MAIL_TRANSPORT_URL = f"smtp://127.0.0.1:{unused_port()}"
    clock.freeze(MOMENT)
    mail = send_answer()

    [outcome] = send_due().retrying

    mail = refreshed(mail)
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert mail.next_attempt_at == MOMENT + timedelta(minutes=3)
    assert "Could not connect to 127.0.0.1:" in mail.last_error
    assert outcome.error == mail.last_error


def test_an_unknown_transport_is_a_configuration_error(settings, send_answer):
    settings.MAIL_TRANSPORT_URL = "carrier-pigeon://loft"
    send_answer()
    with pytest.raises(ImproperlyConfigured):
        send_due()


# Resend


def test_resend_queues_a_failed_mail_again(smtp_server, settings, send_answer, alice):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.answer_data("554 5.0.0 Nope")
    mail = send_answer()
    send_due()
    assert refreshed(mail).status == "failed"

    smtp_server.answer_data("")
    clock.freeze(MOMENT)
    again = resend(mail.pk, actor=alice.actor)

    assert (again.status, again.attempts, again.next_attempt_at, again.last_error) == (
        "queued",
        0,
        MOMENT,
        "",
    )
    assert transmission_status(mail.article).status == "queued"
    assert len(send_due().sent) == 1
    assert refreshed(mail).status == "sent"


def test_resend_of_a_sent_mail_sends_it_again(smtp_server, settings, send_answer, alice):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    mail = send_answer()
    send_due()
    resend(refreshed(mail), actor=Actor.system())
    send_due()
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [mail.message_id] * 2


def test_resend_needs_write_permission_on_the_ticket(send_answer):
    mail = send_answer()
    with pytest.raises(PermissionDenied):
        resend(mail, actor=AgentFactory(login="stranger").actor)


# Other transports


def test_the_file_transport_writes_one_eml_per_message(settings, send_answer, tmp_path):
    outbox = tmp_path / "out box"
    settings.MAIL_TRANSPORT_URL = f"file://{outbox}".replace(" ", "%20")
    first, second = send_answer(), send_answer(body="Second")

    assert len(send_due().sent) == 2

    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    ids = {message_from_bytes(f.read_bytes(), policy=policy.default)["Message-ID"] for f in files}
    assert ids == {first.message_id, second.message_id}
    assert not list(outbox.glob("*.tmp"))


def sendmail_stand_in(folder, status: int = 0, complaint: str = ""):
    """A script in place of sendmail: keeps its arguments and standard input."""
    script = folder / "sendmail"
    script.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"$@\" > '{folder}/args'\n"
        f"cat > '{folder}/message'\n"
        f"echo '{complaint}' >&2\n"
        f"exit {status}\n"
    )
    script.chmod(0o755)
    return script


def test_the_sendmail_transport_pipes_the_message_to_the_binary(settings, send_answer, tmp_path):
    settings.MAIL_TRANSPORT_URL = f"sendmail://{sendmail_stand_in(tmp_path)}"
    mail = send_answer(bcc="audit@example.com")

    assert len(send_due().sent) == 1

    args = (tmp_path / "args").read_text().split()
    assert args == [
        "-i",
        "-f",
        "support@example.com",
        "--",
        "jdoe@example.com",
        "audit@example.com",
    ]
    piped = (tmp_path / "message").read_bytes()
    assert b"\r\n" not in piped
    assert message_from_bytes(piped, policy=policy.default)["Message-ID"] == mail.message_id


@pytest.mark.parametrize(("status", "outcome"), [(75, "queued"), (67, "failed")])
def test_sendmail_failures(settings, send_answer, tmp_path, status, outcome):
    script = sendmail_stand_in(tmp_path, status=status, complaint="no way")
    settings.MAIL_TRANSPORT_URL = f"sendmail://{script}"
    mail = send_answer()

    send_due()

    mail = refreshed(mail)
    assert mail.status == outcome
    assert mail.last_error == f"{script} exited with status {status}: no way"


def test_a_missing_sendmail_binary_means_another_try_later(settings, send_answer, tmp_path):
    settings.MAIL_TRANSPORT_URL = f"sendmail://{tmp_path}/nowhere/sendmail"
    mail = send_answer()
    send_due()
    mail = refreshed(mail)
    assert mail.status == "queued"
    assert "Could not run" in mail.last_error


# Command line and background jobs


def test_the_send_command_reports_what_happened(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    sent = send_answer()
    out = io.StringIO()

    call_command("mail", "send", stdout=out)

    assert out.getvalue() == (
        f"Sent mail {sent.pk} to jdoe@example.com.\nSent: 1, to retry: 0, failed: 0.\n"
    )
    out = io.StringIO()
    call_command("mail", "send", stdout=out)
    assert out.getvalue() == "No messages are due.\n"


def test_the_send_command_fails_when_mail_is_left(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    smtp_server.answer_data("451 4.3.0 Later")
    mail = send_answer()
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_status:
        call_command("mail", "send", "--limit", "5", stdout=out)

    assert exit_status.value.code == 1
    first, summary = out.getvalue().splitlines()
    assert first.startswith(f"Mail {mail.pk} to jdoe@example.com will be tried again at ")
    assert first.endswith(": 451 4.3.0 Later")
    assert summary == "Sent: 0, to retry: 1, failed: 0."


def test_the_tasks_send_one_mail_or_everything_due(smtp_server, settings, send_answer):
    settings.MAIL_TRANSPORT_URL = smtp_server.url()
    first, second, third = send_answer(), send_answer(), send_answer()

    assert send_outbound_mail.call(second.pk) == {"sent": [second.pk], "retrying": [], "failed": []}
    assert send_outbound_mail.call(second.pk) == {"sent": [], "retrying": [], "failed": []}
    assert mail_queue_send.call() == {"sent": [first.pk, third.pk], "retrying": [], "failed": []}
    [schedule] = [s for s in registered_schedules() if s.name == "MailQueueSend"]
    assert schedule.every == timedelta(minutes=1)
    assert schedule.task is mail_queue_send


# Several workers


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has a single writer; row locks are what PostgreSQL and MariaDB need",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_send_a_mail_twice(start_smtp_server, settings, send_answer):
    server = start_smtp_server()
    server.handler.delay = 0.02
    settings.MAIL_TRANSPORT_URL = server.url()
    mails = [send_answer(body=f"Answer {n}") for n in range(16)]
    workers = 4
    start = threading.Barrier(workers)
    reports, errors = [], []

    def work():
        try:
            start.wait()
            reports.append(send_due())
        except Exception as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sent = [outcome.outbound_id for report in reports for outcome in report.sent]
    assert sorted(sent) == sorted(mail.pk for mail in mails)
    assert sum(1 for report in reports if report.sent) > 1
    ids = [received.message["Message-ID"] for received in server.messages]
    assert sorted(ids) == sorted(mail.message_id for mail in mails)
    assert set(OutboundMail.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}
    assert set(OutboundMail.objects.values_list("attempts", flat=True)) == {1}
