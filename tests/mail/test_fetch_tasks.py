"""The periodic MailAccountFetch job and `ticketry mail fetch`."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.mail.builders import mail
from ticketry.core.schedule import registered_schedules
from ticketry.core.validity import Validity
from ticketry.mail.fetching.tasks import fetch_mail_account, fetch_mail_accounts
from ticketry.mail.models import InboundMessage, MailAccountType


def test_mail_accounts_are_fetched_every_ten_minutes():
    schedules = {schedule.name: schedule for schedule in registered_schedules()}
    assert schedules["MailAccountFetch"].task.module_path == fetch_mail_accounts.module_path
    assert schedules["MailAccountFetch"].every == timedelta(minutes=10)


@pytest.mark.django_db(transaction=True)
def test_the_worker_fetches_each_valid_account_in_a_task_of_its_own(mail_account, support):
    first, first_user = mail_account(MailAccountType.POP3)
    second, second_user = mail_account(MailAccountType.IMAPS)
    _invalid, invalid_user = mail_account(MailAccountType.IMAP, valid=Validity.INVALID)
    for user in (first_user, second_user, invalid_user):
        user.deliver(mail(subject=f"for {user.login}"))

    call_command("worker", "--batch", verbosity=0)

    results = DBTaskResult.objects.filter(task_path=fetch_mail_account.module_path)
    assert sorted(result.args_kwargs["args"][0] for result in results) == [first.pk, second.pk]
    assert {result.status for result in results} == {TaskResultStatus.SUCCESSFUL}
    assert {result.return_value["fetched"] for result in results} == {1}
    assert first_user.remaining() == second_user.remaining() == []
    assert len(invalid_user.remaining()) == 1
    assert InboundMessage.objects.filter(ticket__isnull=False).count() == 2


@pytest.mark.django_db
def test_the_fetch_command_says_what_each_account_did(mail_account, support):
    good, good_user = mail_account(MailAccountType.POP3)
    bad, _bad_user = mail_account(MailAccountType.IMAP, password="wrong")
    good_user.deliver(mail(subject="Printer on fire"))
    out = StringIO()

    with pytest.raises(SystemExit) as exit_status:
        call_command("mail", "fetch", stdout=out)

    assert exit_status.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{good}: 1 message fetched."
    assert lines[1].startswith("    #") and "New ticket" in lines[1]
    assert lines[2] == f"{bad}: 0 messages fetched."
    assert lines[3].startswith("    Error: 127.0.0.1:") and "refused the login" in lines[3]


@pytest.mark.django_db
def test_the_fetch_command_fetches_the_accounts_named(mail_account, support):
    named, named_user = mail_account(MailAccountType.IMAP)
    _other, other_user = mail_account(MailAccountType.IMAP)
    for user in (named_user, other_user):
        user.deliver(mail())
    out = StringIO()

    call_command("mail", "fetch", "--account", str(named.pk), "--json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["account_id"] == named.pk and result["error"] is None
    assert [message["outcome"] for message in result["messages"]] == ["new_ticket"]
    assert result["messages"][0]["created"] is True
    assert named_user.remaining() == []
    assert len(other_user.remaining()) == 1


@pytest.mark.django_db
def test_the_fetch_command_without_accounts():
    out = StringIO()

    call_command("mail", "fetch", stdout=out)

    assert out.getvalue() == "There are no valid mail accounts.\n"
