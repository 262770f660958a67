"""Ticket numbers: the OTRS 6 generators (DateChecksum, Date, AutoIncrement), the counter
table they share, and finding ticket numbers in subjects and bodies for follow-ups."""

from __future__ import annotations

import logging
import re
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

# One row, `_COUNTER_UID`, holds the last counter and when it was taken. Taking a number
# updates that row, which locks it until the transaction ends: allocations run one at a time
# and a rolled-back one gives its number back, so numbers stay unique and without gaps. Other
# rows are the one-per-request rows of earlier versions and of OTRS; they only seed the counter
# row when it is first made. The uid is not hex, so no request's uid can take it.
_COUNTER_UID = "ticketry:counter"


def generate_ticket_number() -> str:
    """Allocate the next number of the configured generator and return it.

    Runs in its own transaction, or in a savepoint of the caller's; inside an outer
    transaction the counter stays locked until that one ends. Numbers already used by a ticket
    are skipped; raises Conflict after MAX_TRIES of them in a row.
    """
    with transaction.atomic():
        return allocate_ticket_number()


def allocate_ticket_number(*, skip_taken: bool = True) -> str:
    """`generate_ticket_number` in the caller's transaction, without a savepoint of its own:
    a Conflict leaves that transaction to be rolled back.

    With `skip_taken=False` the counter's next number comes without looking for a ticket that
    has it, for a caller that inserts the ticket next: its unique number is the check.
    """
    generator = settings.TICKET_NUMBER_GENERATOR
    counter, moment = _take_counter(generator)
    today = _local_date(moment)
    if not skip_taken:
        return _format(generator, counter, today)
    free = _first_free_number(generator, counter - 1, today)
    if free is None:
        raise Conflict(_("No free ticket number found after %(tries)d attempts."), tries=MAX_TRIES)
    tn, free_counter = free
    if free_counter != counter:
        skipped = free_counter - counter
        logger.info("Skipped %d ticket numbers already in use; took %s.", skipped, tn)
        _counter_row().update(counter=free_counter)
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

    The counter row stays. Rows from the last `keep_days` local days stay (date-based
    generators seed a missing counter row from today's); AutoIncrement also keeps the row with
    its highest counter.
    """
    if keep_days < 1:
        raise InvalidValue(_("keep_days must be at least 1, not %(days)d."), days=keep_days)
    with transaction.atomic():
        cutoff = _day_start(_local_date(clock.now()) - timedelta(days=keep_days - 1))
        stale = TicketNumberCounter.objects.exclude(counter_uid=_COUNTER_UID).filter(
            created_at__lt=cutoff
        )
        if settings.TICKET_NUMBER_GENERATOR == AUTO_INCREMENT:
            highest = (
                _assigned_rows().order_by("-counter", "-pk").values_list("pk", flat=True).first()
            )
            if highest is not None:
                stale = stale.exclude(pk=highest)
        deleted, _by_model = stale.delete()
    return deleted


def _counter_row() -> QuerySet[TicketNumberCounter]:
    return TicketNumberCounter.objects.filter(counter_uid=_COUNTER_UID)


def _take_counter(generator: str) -> tuple[int, datetime]:
    """Lock the counter row and move it on: the new counter and the moment it counts for."""
    taken = _increment(generator)
    if taken is None:
        _create_counter_row(generator)
        taken = _increment(generator)
    return taken


def _increment(generator: str) -> tuple[int, datetime] | None:
    """None when there is no counter row yet.

    A process whose clock is behind the row's keeps the row's moment (and so its day), so the
    day's counter never restarts twice."""
    if connection.vendor == "postgresql":
        return _increment_returning(generator, clock.now())
    row = _counter_row().select_for_update().values_list("counter", "created_at").first()
    if row is None:
        return None
    last, last_moment = row
    moment = max(clock.now(), last_moment)
    counter = last + 1 if _same_period(generator, last_moment, moment) else 1
    _counter_row().update(counter=counter, created_at=moment)
    return counter, moment


def _increment_returning(generator: str, now: datetime) -> tuple[int, datetime] | None:
    # `_increment` in one statement (one round trip, the row lock taken by the UPDATE).
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(TicketNumberCounter._meta.db_table)} SET "
        f"{qn('counter')} = CASE WHEN %s OR {qn('created_at')} >= %s "
        f"THEN {qn('counter')} + 1 ELSE 1 END, "
        f"{qn('created_at')} = GREATEST({qn('created_at')}, %s) "
        f"WHERE {qn('counter_uid')} = %s RETURNING {qn('counter')}, {qn('created_at')}"
    )
    params = [generator == AUTO_INCREMENT, _day_start(_local_date(now)), now, _COUNTER_UID]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _same_period(generator: str, earlier: datetime, moment: datetime) -> bool:
    """Does a counter taken at `earlier` go on at `moment`, or start again at 1?"""
    return generator == AUTO_INCREMENT or earlier >= _day_start(_local_date(moment))


def _create_counter_row(generator: str) -> None:
    """Make the counter row, seeded with the last counter of the rows written per request."""
    moment = clock.now()
    row = TicketNumberCounter(
        counter=_last_counter(generator, _local_date(moment)),
        counter_uid=_COUNTER_UID,
        created_at=moment,
    )
    # An upsert that changes nothing on conflict: it waits for a concurrent creator instead of
    # failing. A failed plain INSERT leaves MariaDB holding a shared lock, which two
    # processes then deadlock upgrading.
    with_target = connection.features.supports_update_conflicts_with_target
    TicketNumberCounter.objects.bulk_create(
        [row],
        update_conflicts=True,
        update_fields=["counter_uid"],
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
    """Rows written per request that hold a counter (not requests never assigned one)."""
    return TicketNumberCounter.objects.filter(counter__gt=0).exclude(counter_uid=_COUNTER_UID)


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
