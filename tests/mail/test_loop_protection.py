"""Loop protection: at most so many auto-responses to one address a day, counted in one
statement so two processes cannot both take the last one."""

import threading

import pytest
from django.db import connection, transaction

from ticketry.core import sysconfig
from ticketry.mail.loop_protection import loop_protection_allows
from ticketry.mail.models import AutoResponseCount


@pytest.mark.django_db
def test_counts_per_address_and_day_up_to_the_limit():
    sysconfig.set_value("PostmasterMaxEmails", 2)

    assert [loop_protection_allows("JDoe@example.com") for _ in range(4)] == [
        True,
        True,
        False,
        False,
    ]
    assert loop_protection_allows("other@example.com")
    [row] = AutoResponseCount.objects.filter(address="jdoe@example.com")
    # One more than allowed says the limit was reached; it does not grow beyond.
    assert row.count == 3


@pytest.mark.django_db
def test_an_address_of_its_own_limit():
    sysconfig.set_value("PostmasterMaxEmails", 1)
    sysconfig.set_value("PostmasterMaxEmailsPerAddress", {"Robot@example.com": 3})

    assert [loop_protection_allows("robot@example.com") for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]


@pytest.mark.django_db
def test_one_statement_per_auto_response(django_assert_num_queries):
    loop_protection_allows("jdoe@example.com")
    with django_assert_num_queries(1):
        loop_protection_allows("jdoe@example.com")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has one writer; nothing runs side by side"
)
def test_two_processes_cannot_both_take_the_last_one():
    sysconfig.set_value("PostmasterMaxEmails", 5)
    for _ in range(4):
        loop_protection_allows("jdoe@example.com")
    barrier = threading.Barrier(8)
    answers: list[bool] = []

    def answer() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                answers.append(loop_protection_allows("jdoe@example.com"))
        finally:
            connection.close()

    threads = [threading.Thread(target=answer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(answers) == [False] * 7 + [True]
