"""Who fetches an account right now: a lease in the account's row, so that two workers (or a
worker and `ticketry mail fetch`) never fetch the same mailbox at the same time.

While a fetch runs, `last_fetch_at` holds the end of its lease (a moment in the future);
when it ends, the moment it ended. A claim is a conditional update, so of two workers
claiming at once exactly one succeeds; a worker that dies leaves a lease that runs out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import Q

from ticketry.core import clock
from ticketry.core.validity import Validity

from ..models import MailAccount

logger = logging.getLogger(__name__)

# Renewed every minute while messages come in; it only has to outlast one slow message.
LEASE = timedelta(minutes=15)
ERROR_MAX_LENGTH = 2000


def claim(account_id: int) -> datetime | None:
    """Take the lease on a valid account that nobody is fetching; None if that fails. The
    returned lease proves ownership to `renew` and `release`."""
    now = clock.now()
    lease = now + LEASE
    claimed = (
        MailAccount.objects.filter(pk=account_id, valid=Validity.VALID)
        .filter(Q(last_fetch_at__isnull=True) | Q(last_fetch_at__lte=now))
        .update(last_fetch_at=lease)
    )
    return lease if claimed else None


def renew(account_id: int, lease: datetime) -> datetime | None:
    """Extend our lease; None if it ran out and somebody else took the account."""
    longer = clock.now() + LEASE
    renewed = MailAccount.objects.filter(pk=account_id, last_fetch_at=lease).update(
        last_fetch_at=longer
    )
    return longer if renewed else None


def release(account_id: int, lease: datetime, *, error: str) -> None:
    """Record the end of the fetch and its error ("" when it went well)."""
    try:
        MailAccount.objects.filter(pk=account_id, last_fetch_at=lease).update(
            last_fetch_at=clock.now(), last_fetch_error=error[:ERROR_MAX_LENGTH]
        )
    except DatabaseError:
        # The lease runs out by itself; the next fetch records afresh.
        logger.exception("Could not record the end of the fetch of mail account %s", account_id)
