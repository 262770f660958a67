"""Loop protection (OTRS LoopProtection::DB): at most so many auto-responses to one address
a day, so two systems answering each other stop soon."""

from __future__ import annotations

from datetime import date

from django.db import connection

from ticketry.core import clock, sysconfig

from .models import AutoResponseCount


def loop_protection_allows(address: str) -> bool:
    """Count one more auto-response to `address` today unless the day's limit is reached
    (OTRS PostmasterMaxEmails, per-address PostmasterMaxEmailsPerAddress)."""
    address = address.lower()
    limits = {
        key.lower(): value for key, value in sysconfig.get("PostmasterMaxEmailsPerAddress").items()
    }
    limit = int(limits.get(address, sysconfig.get("PostmasterMaxEmails")))
    today = clock.localtime(clock.now()).date()
    return _count_one_more(address, today, limit) <= limit


def _count_one_more(address: str, day: date, limit: int) -> int:
    """The day's count after this one, in one statement that also locks the row, so two
    processes answering the same address cannot both take the last one. The count stops at
    `limit + 1`: one more than allowed says the limit was reached."""
    qn = connection.ops.quote_name
    table = qn(AutoResponseCount._meta.db_table)
    count = qn("count")
    insert = f"INSERT INTO {table} ({qn('address')}, {qn('day')}, {count}) VALUES (%s, %s, 1) "
    if connection.vendor == "mysql":
        upsert = f"ON DUPLICATE KEY UPDATE {count} = LEAST({count} + 1, %s) "
    else:
        least = "LEAST" if connection.vendor == "postgresql" else "MIN"
        upsert = (
            f"ON CONFLICT ({qn('address')}, {qn('day')}) DO UPDATE "
            f"SET {count} = {least}({table}.{count} + 1, %s) "
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert}{upsert}RETURNING {count}",
            [address, connection.ops.adapt_datefield_value(day), limit + 1],
        )
        return cursor.fetchone()[0]


def forget_old_counts() -> int:
    """Counts of earlier days are not needed any more."""
    today = clock.localtime(clock.now()).date()
    deleted, _ = AutoResponseCount.objects.filter(day__lt=today).delete()
    return deleted
