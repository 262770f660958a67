"""Periodic jobs that fetch the mail accounts: one task per account, so a slow or dead
server holds up only its own account."""

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from ticketry.core.schedule import periodic
from ticketry.core.validity import Validity

from ..models import MailAccount
from .accounts import fetch_account


@periodic("MailAccountFetch", every=timedelta(minutes=10))
@task()
def fetch_mail_accounts() -> int:
    """Enqueue a fetch of every valid mail account (OTRS MailAccountFetch)."""
    account_ids = list(
        MailAccount.objects.filter(valid=Validity.VALID).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for account_id in account_ids:
            fetch_mail_account.enqueue(account_id)
    return len(account_ids)


@task()
def fetch_mail_account(account_id: int) -> dict:
    """Fetch one account; a second task for an account being fetched returns at once."""
    return fetch_account(account_id).to_json(messages=False)
