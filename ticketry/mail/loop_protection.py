"""Loop protection (OTRS LoopProtection::DB): at most so many auto-responses to one address
a day, so two systems answering each other stop soon."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

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
    with transaction.atomic():
        row, _created = AutoResponseCount.objects.select_for_update().get_or_create(
            address=address, day=today
        )
        if row.count >= limit:
            return False
        AutoResponseCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return True


def forget_old_counts() -> int:
    """Counts of earlier days are not needed any more."""
    today = clock.localtime(clock.now()).date()
    deleted, _ = AutoResponseCount.objects.filter(day__lt=today).delete()
    return deleted
