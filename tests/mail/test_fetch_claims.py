"""The lease that keeps two workers from fetching the same account at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from ticketry.core import clock
from ticketry.core.validity import Validity
from ticketry.mail.fetching import claims
from ticketry.mail.models import MailAccount, MailAccountType

MOMENT = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
THREADS = 8


def _account(**fields) -> MailAccount:
    fields.setdefault("type", MailAccountType.IMAP)
    return MailAccount.objects.create(
        login="support", password="x", host="mail.example.com", **fields
    )


def _last_fetch(account: MailAccount) -> tuple[datetime | None, str]:
    account.refresh_from_db()
    return account.last_fetch_at, account.last_fetch_error


@pytest.mark.django_db
def test_a_claimed_account_cannot_be_claimed_until_released():
    clock.freeze(MOMENT)
    account = _account()

    lease = claims.claim(account.pk)

    assert lease == MOMENT + claims.LEASE
    assert claims.claim(account.pk) is None
    clock.freeze(MOMENT + timedelta(minutes=3))
    claims.release(account.pk, lease, error="")
    assert _last_fetch(account) == (MOMENT + timedelta(minutes=3), "")
    assert claims.claim(account.pk) is not None


@pytest.mark.django_db
def test_a_lease_runs_out_when_its_worker_is_gone():
    clock.freeze(MOMENT)
    account = _account()
    lease = claims.claim(account.pk)

    clock.freeze(lease)
    taken_over = claims.claim(account.pk)

    assert taken_over == lease + claims.LEASE
    # The first worker notices it lost the account and records nothing.
    assert claims.renew(account.pk, lease) is None
    claims.release(account.pk, lease, error="too late")
    assert _last_fetch(account) == (taken_over, "")


@pytest.mark.django_db
def test_renewing_extends_the_lease():
    clock.freeze(MOMENT)
    account = _account()
    lease = claims.claim(account.pk)

    clock.freeze(MOMENT + timedelta(minutes=10))
    renewed = claims.renew(account.pk, lease)

    assert renewed == MOMENT + timedelta(minutes=10) + claims.LEASE
    clock.freeze(lease + timedelta(seconds=1))
    assert claims.claim(account.pk) is None
    claims.release(account.pk, renewed, error="x" * 5000)
    assert _last_fetch(account) == (lease + timedelta(seconds=1), "x" * claims.ERROR_MAX_LENGTH)


@pytest.mark.django_db
def test_an_invalid_account_is_never_claimed():
    account = _account(valid=Validity.INVALID_TEMPORARILY)

    assert claims.claim(account.pk) is None


@pytest.mark.django_db(transaction=True)
def test_of_many_workers_claiming_at_once_exactly_one_wins():
    account = _account()
    start = threading.Barrier(THREADS)
    leases = []

    def claim() -> None:
        try:
            start.wait()
            leases.append(claims.claim(account.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([lease for lease in leases if lease is not None]) == 1
