import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.mail.builders import mail
from ticketry.core import sysconfig
from ticketry.mail.models import InboundMessage, InboundStatus


class _Stdin(io.TextIOWrapper):
    """Standard input carrying bytes, as an MTA pipe provides it."""


def read(monkeypatch, raw: bytes, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", _Stdin(io.BytesIO(raw)))
    out = io.StringIO()
    try:
        call_command("mail", "read", *args, stdout=out)
    except SystemExit as exit_status:
        return int(exit_status.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_mail_read_prints_what_it_did_as_json(monkeypatch, support):
    status, output = read(monkeypatch, mail(subject="Printer on fire"), "--json")
    assert status == 0
    result = json.loads(output)
    assert result["outcome"] == "new_ticket"
    assert result["queue"] == "Misc"
    assert result["ticket_number"]
    assert result["article_id"]
    status, output = read(
        monkeypatch, mail(subject=f"Re: [Ticket#{result['ticket_number']}] Printer on fire")
    )
    assert status == 0
    assert f"Follow-up to ticket {result['ticket_number']} in queue Misc." in output


@pytest.mark.django_db
def test_mail_read_into_a_fixed_queue_and_an_unknown_queue(monkeypatch, support):
    status, output = read(monkeypatch, mail(), "--json", "--queue", "Junk")
    assert status == 0 and json.loads(output)["queue"] == "Junk"
    status, _output = read(monkeypatch, mail(), "--queue", "Nowhere")
    assert status == 64


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "queue", "trusted"),
    [([], "Junk", True), (["--trusted"], "Junk", True), (["--untrusted"], "Misc", False)],
)
def test_piped_mail_is_trusted_unless_told_otherwise(monkeypatch, support, args, queue, trusted):
    raw = mail(headers={"X-OTRS-Queue": "Junk"})

    status, output = read(monkeypatch, raw, "--json", *args)

    assert status == 0
    result = json.loads(output)
    assert result["queue"] == queue
    assert InboundMessage.objects.get(pk=result["inbound_id"]).trusted is trusted


@pytest.mark.django_db
def test_a_quarantined_mail_is_a_successful_delivery_and_can_be_reprocessed(monkeypatch, support):
    sysconfig.set_value("PostMasterMaxEmailSize", 1)
    raw = mail(body="x" * 4000)
    status, output = read(monkeypatch, raw, "--json")
    assert status == 0
    result = json.loads(output)
    assert result["outcome"] == "quarantined"
    assert "more than the limit" in result["error"]
    message = InboundMessage.objects.get(pk=result["inbound_id"])
    assert message.status == InboundStatus.QUARANTINED

    sysconfig.set_value("PostMasterMaxEmailSize", 16384)
    out = io.StringIO()
    call_command("mail", "reprocess", "--json", stdout=out)
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["outcome"] == "new_ticket"
    message.refresh_from_db()
    assert message.status == InboundStatus.PROCESSED


@pytest.mark.django_db
def test_mail_read_exits_75_when_the_message_cannot_be_stored(monkeypatch, settings, tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked
    status, _output = read(monkeypatch, mail())
    assert status == 75
    assert not InboundMessage.objects.exists()


def test_mail_read_as_an_mta_starts_it(tmp_path):
    """The real command line, one process per mail, on a database of its own."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TICKETRY_")}
    env["TICKETRY_DATA_DIR"] = str(tmp_path)
    root = Path(__file__).resolve().parents[2]

    def ticketry(*args: str, stdin: bytes = b"", **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "ticketry", *args],
            input=stdin,
            capture_output=True,
            cwd=root,
            env=env | extra_env,
            timeout=120,
        )

    assert ticketry("migrate", "-v0").returncode == 0
    first = ticketry("mail", "read", "--json", stdin=mail(subject="Printer on fire"))
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout.endswith(b"}\n")
    created = json.loads(first.stdout)
    assert created["outcome"] == "new_ticket"

    answer = mail(subject=f"Re: [Ticket#{created['ticket_number']}] Printer on fire")
    follow_up = ticketry("mail", "read", stdin=answer)
    assert follow_up.returncode == 0
    assert f"Follow-up to ticket {created['ticket_number']}".encode() in follow_up.stdout

    unknown_queue = ticketry("mail", "read", "--queue", "Nowhere", stdin=mail())
    assert unknown_queue.returncode == 64
    assert "Nowhere" in unknown_queue.stderr.decode()
    assert ticketry("mail", "read", "--bogus", stdin=mail()).returncode == 2

    # No database: the MTA keeps the message and tries again later.
    away = {"TICKETRY_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    for args in ((), ("--queue", "Raw")):
        result = ticketry("mail", "read", *args, stdin=mail(), **away)
        assert result.returncode == 75, result.stderr.decode()
        assert "Could not store the message" in result.stderr.decode()


def test_mail_parse_prints_json_without_a_database(tmp_path):
    path = tmp_path / "message.eml"
    path.write_bytes(
        mail(
            subject="=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
            attachments=(("report.pdf", "application/pdf", b"%PDF-1.4 test"),),
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "ticketry.cli", "mail", "parse", str(path), "--json"],
        capture_output=True,
        env={"TICKETRY_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PATH": "/usr/bin"}
        | {"TICKETRY_DATA_DIR": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    parsed = json.loads(result.stdout)
    assert parsed["subject"] == "Grüße"
    [attachment] = parsed["attachments"]
    assert attachment["filename"] == "report.pdf"
    assert attachment["size"] == len(b"%PDF-1.4 test")
    assert len(attachment["md5"]) == 32
