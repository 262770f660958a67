"""Ticket numbers: the OTRS 6 generators (DateChecksum, Date, AutoIncrement), the counter
table they share, and finding ticket numbers in subjects and bodies for follow-ups."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketry.core import clock
from ticketry.core.errors import Conflict, InvalidValue

from .models import Ticket, TicketNumberCounter

logger = logging.getLogger(__name__)

DATE_CHECKSUM = "DateChecksum"
DATE = "Date"
AUTO_INCREMENT = "AutoIncrement"

MAX_TRIES = 16000  # as OTRS: numbers skipped because a ticket already has them
_TRIES_PER_QUERY = 500
_ROWS_PER_DELETE = 500

# Each allocation inserts its own row, then locks the one lock row and only then reads the
# highest assigned counter and sets its own. The lock lasts until commit, so allocations run
# one at a time and each sees every earlier one's row under READ COMMITTED (PostgreSQL,
# MariaDB); on SQLite BEGIN IMMEDIATE serialises writers anyway. Inserting before locking
# keeps that insert clear of the gap MariaDB locks next to the lock row's key.
# The uid is not hex, so no request's uid can take it.
_LOCK_UID = "ticketry:lock"


def generate_ticket_number() -> str:
    """Allocate the next number of the configured generator and return it.

    Writes one counter row in its own (possibly nested) transaction; inside an outer
    transaction the counter stays locked until that one ends. Numbers already used by a
    ticket are skipped; raises Conflict after MAX_TRIES of them in a row.
    """
    generator = settings.TICKET_NUMBER_GENERATOR
    with transaction.atomic():
        request = TicketNumberCounter.objects.create(
            counter=0, counter_uid=uuid.uuid4().hex, created_at=clock.now()
        )
        _lock_counter()
        # Read after taking the lock, so a cleanup that just ran cannot be on a later day.
        moment = clock.now()
        today = _local_date(moment)
        last = _last_counter(generator, today)
        free = _first_free_number(generator, last, today)
        if free is None:
            raise Conflict(
                _("No free ticket number found after %(tries)d attempts."), tries=MAX_TRIES
            )
        tn, counter = free
        if counter > last + 1:
            logger.info(
                "Skipped %d ticket numbers already in use; took %s.", counter - last - 1, tn
            )
        TicketNumberCounter.objects.filter(pk=request.pk).update(counter=counter, created_at=moment)
    return tn


def ticket_number_pattern() -> re.Pattern[str]:
    """The follow-up detection regex: `<Hook><Divider><TN>` or `<Hook>: <TN>`, TN in group 1."""
    hook = re.escape(settings.TICKET_HOOK)
    divider = re.escape(settings.TICKET_HOOK_DIVIDER)
    number = _number_regex(settings.TICKET_NUMBER_GENERATOR)
    return re.compile(rf"(?:{hook}{divider}|{hook}:\s{{0,2}})({number})", re.IGNORECASE)


def find_ticket_numbers(text: str) -> list[str]:
    """All ticket numbers after a ticket hook in `text`, in order of appearance, each once."""
    found = (match.group(1) for match in ticket_number_pattern().finditer(text))
    return list(dict.fromkeys(found))


def subject_ticket_hook(tn: str) -> str:
    """The `<Hook><Divider><TN>` marker put into subjects."""
    return f"{settings.TICKET_HOOK}{settings.TICKET_HOOK_DIVIDER}{tn}"


def cleanup_ticket_number_counter(*, keep_days: int = 1) -> int:
    """Delete counter rows the configured generator no longer needs; return how many.

    Rows from the last `keep_days` local days stay (date-based generators count today's);
    AutoIncrement also keeps the row with its highest counter.
    """
    if keep_days < 1:
        raise InvalidValue(_("keep_days must be at least 1, not %(days)d."), days=keep_days)
    with transaction.atomic():
        _lock_counter()
        cutoff = _day_start(_local_date(clock.now()) - timedelta(days=keep_days - 1))
        stale = TicketNumberCounter.objects.exclude(counter_uid=_LOCK_UID).filter(
            created_at__lt=cutoff
        )
        if settings.TICKET_NUMBER_GENERATOR == AUTO_INCREMENT:
            highest = (
                _assigned_rows().order_by("-counter", "-pk").values_list("pk", flat=True).first()
            )
            if highest is not None:
                stale = stale.exclude(pk=highest)
        # By primary key: a range DELETE on MariaDB would wait for rows that allocations have
        # inserted but not committed, while those allocations wait for our lock.
        pks = list(stale.values_list("pk", flat=True))
        for start in range(0, len(pks), _ROWS_PER_DELETE):
            TicketNumberCounter.objects.filter(
                pk__in=pks[start : start + _ROWS_PER_DELETE]
            ).delete()
    return len(pks)


def _lock_counter() -> None:
    # An upsert rather than SELECT ... FOR UPDATE: one statement creates the row when it is
    # missing and otherwise waits for and takes its row lock. A failed plain INSERT leaves
    # MariaDB holding a shared lock, which two processes then deadlock upgrading.
    lock = TicketNumberCounter(counter=0, counter_uid=_LOCK_UID, created_at=clock.now())
    with_target = connection.features.supports_update_conflicts_with_target
    TicketNumberCounter.objects.bulk_create(
        [lock],
        update_conflicts=True,
        update_fields=["counter"],
        unique_fields=["counter_uid"] if with_target else None,
    )


def _first_free_number(generator: str, last: int, today: date) -> tuple[str, int] | None:
    """The first number after `last` that no ticket has yet, and its counter."""
    offset, batch = 1, 1
    while offset <= MAX_TRIES:
        counters = range(last + offset, last + min(offset + batch, MAX_TRIES + 1))
        candidates = {_format(generator, counter, today): counter for counter in counters}
        taken = set(Ticket.objects.filter(tn__in=candidates).values_list("tn", flat=True))
        for tn, counter in candidates.items():
            if tn not in taken:
                return tn, counter
        offset, batch = offset + batch, _TRIES_PER_QUERY
    return None


def _assigned_rows() -> QuerySet[TicketNumberCounter]:
    """Rows that hold a counter: not the lock row, nor requests still being assigned."""
    return TicketNumberCounter.objects.filter(counter__gt=0)


def _last_counter(generator: str, today: date) -> int:
    rows = _assigned_rows()
    if generator != AUTO_INCREMENT:
        rows = rows.filter(created_at__gte=_day_start(today))
    last = rows.aggregate(last=Max("counter"))["last"]
    if last is None and generator == AUTO_INCREMENT:
        return _counter_of_last_ticket()
    return last or 0


def _counter_of_last_ticket() -> int:
    """The counter part of the newest ticket's number, so AutoIncrement continues after an
    import or a lost counter table; 0 when that number is not an AutoIncrement one."""
    tn = Ticket.objects.order_by("-pk").values_list("tn", flat=True).first()
    system_id = settings.SYSTEM_ID
    if not tn or not (tn.isascii() and tn.isdigit()) or _looks_date_based(tn):
        return 0
    if not tn.startswith(system_id) or len(tn) == len(system_id):
        return 0
    return int(tn[len(system_id) :])


def _looks_date_based(tn: str) -> bool:
    if len(tn) <= 8:
        return False
    try:
        day = date(int(tn[:4]), int(tn[4:6]), int(tn[6:8]))
    except ValueError:
        return False
    return day.year >= 1970


def _format(generator: str, counter: int, day: date) -> str:
    system_id = settings.SYSTEM_ID
    size = settings.TICKET_NUMBER_MIN_COUNTER_SIZE
    if generator == AUTO_INCREMENT:
        return f"{system_id}{counter:0{size}d}"
    prefix = f"{day:%Y%m%d}{system_id}"
    if generator == DATE:
        if settings.TICKET_NUMBER_DATE_FORMATTED_COUNTER:
            return f"{prefix}{counter:0{size}d}"
        return f"{prefix}{counter}"
    body = f"{prefix}{counter:05d}"
    return f"{body}{_checksum(body)}"


def _checksum(digits: str) -> int:
    # OTRS's own scheme, not Luhn: weights 1,2,1,2,... and plain products; never 0.
    total = sum(int(digit) * (2 if index % 2 else 1) for index, digit in enumerate(digits))
    check = 10 - total % 10
    return 1 if check == 10 else check


def _number_regex(generator: str) -> str:
    system_id = re.escape(settings.SYSTEM_ID) if settings.TICKET_NUMBER_CHECK_SYSTEM_ID else ""
    if generator == AUTO_INCREMENT:
        size = settings.TICKET_NUMBER_MIN_COUNTER_SIZE
        return rf"{system_id}[0-9]{{{size},{size + 5}}}"
    if generator == DATE:
        return rf"[0-9]{{8}}{system_id}[0-9]{{1,40}}"
    return rf"[0-9]{{8}}{system_id}[0-9]{{4,40}}"


def _local_date(moment: datetime) -> date:
    # The server's zone, not the zone activated for the current user.
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())
