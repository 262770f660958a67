"""Processing stored inbound messages: parse, run the PostMaster, record the outcome; a
message that fails is quarantined with its error, never dropped.

Each attempt is counted on the message's row, and committed, before it starts; while it may
still run (`PostMasterProcessingTimeLimit`) no other process takes the message, and after
`PostMasterMaxAttempts` attempts that failed, timed out or died with their process the
message is quarantined. The mail is parsed and checked against the limits before the
transaction that writes begins, so however slow a mail is, it holds no database lock while
it is read.

Waiting messages are taken in batches: one locking query and one update lease up to
`BATCH_SIZE` of them for the time limit. The lease counts no attempt; each message's attempt
is counted as its work begins and runs in a transaction of its own, so a worker that dies
costs an attempt only to the message it was working on."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketry.core import clock, sysconfig
from ticketry.core.errors import DomainError

from ..models import InboundMessage, InboundOutcome, InboundStatus
from ..parsing import ParsedMessage, parse_message
from .delivery import Delivery
from .limits import OverLimit, check_size, check_structure
from .postmaster import run_postmaster
from .store import read_raw, store_raw
from .time_limit import TimedOut, time_limit, timed_out

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 4000
# Messages one claim leases: enough to save the round trips of a query per mail, few enough
# that the last of them normally begins well within its lease.
BATCH_SIZE = 50


class _ProcessedMeanwhile(Exception):
    """Another process recorded an outcome for the message first, or took it over after this
    attempt's time was up; this work is undone."""


def receive(raw: bytes, **store_options) -> Delivery:
    """Store `raw` durably, then process it (the pipe, LMTP and fetchers all come here)."""
    message, created = store_raw(raw, claimed=True, **store_options)
    if not created:
        if message.status != InboundStatus.RECEIVED:
            return Delivery.of(message, duplicate=True)
        return process(message, duplicate=True) or Delivery.of(message)
    # Stored with this first attempt counted: no other process takes it meanwhile.
    return _attempt(message, raw)


def process(message: InboundMessage | int, *, duplicate: bool = False) -> Delivery | None:
    """Process a stored message once: a second call for a processed one changes nothing.
    A message another process is working on (or has leased) right now is left to it; the
    answer then says how the message stands."""
    message_id = message.pk if isinstance(message, InboundMessage) else message
    current = InboundMessage.objects.filter(pk=message_id).first()
    if current is None:
        return None
    if current.status != InboundStatus.RECEIVED:
        return Delivery.of(current, duplicate=True)
    if _in_progress(current):
        return Delivery.of(current, duplicate=duplicate)
    if current.attempts >= sysconfig.get("PostMasterMaxAttempts"):
        return _give_up(current, _("it did not finish (the process stopped)"))
    if not _start(current):
        # Another process took it a moment ago.
        return Delivery.of(current, duplicate=duplicate)
    return _attempt(current, read_raw(current), duplicate=duplicate)


def _start(message: InboundMessage) -> bool:
    """Count the attempt about to begin on the row, and commit it, unless another process
    started or leased the message since this one read or leased it."""
    now = clock.now()
    started = InboundMessage.objects.filter(
        pk=message.pk,
        status=InboundStatus.RECEIVED,
        attempts=message.attempts,
        attempted_at=message.attempted_at,
    ).update(attempts=message.attempts + 1, attempted_at=now)
    if started:
        message.attempts += 1
        message.attempted_at = now
    return bool(started)


def _attempt(message: InboundMessage, raw: bytes, *, duplicate: bool = False) -> Delivery:
    """One counted attempt; a mail that makes it fail is quarantined, one that takes too
    long or meets a database failure is left for another attempt."""
    seconds = sysconfig.get("PostMasterProcessingTimeLimit")
    started = time.monotonic()
    try:
        with time_limit(seconds):
            check_size(message.size)
            parsed = parse_message(raw)
            check_structure(parsed)
            with transaction.atomic():
                delivery = _run(message, parsed, raw, duplicate=duplicate)
                if seconds > 0 and time.monotonic() - started > seconds:
                    raise timed_out(seconds)
            return delivery
    except _ProcessedMeanwhile:
        return Delivery.of(InboundMessage.objects.get(pk=message.pk), duplicate=True)
    except TimedOut as error:
        logger.warning("Inbound message %s: %s", message.pk, error)
        return _failed(message, str(error))
    except (OperationalError, InterfaceError) as error:
        # The database itself failed: the message stays `received` and is tried again.
        _note_failure(message, _describe(error))
        raise
    except Exception as error:
        # Whatever the mail provokes (parser, limits, filters, services) quarantines it.
        logger.warning("Inbound message %s quarantined: %s", message.pk, error)
        return quarantine(message.pk, _describe(error))


def _run(
    message: InboundMessage, parsed: ParsedMessage, raw: bytes, *, duplicate: bool
) -> Delivery:
    result = run_postmaster(
        parsed,
        raw,
        raw_name=message.raw.name,
        trusted=message.trusted,
        fixed_queue_id=message.queue_id,
        envelope_recipient=message.envelope_recipient,
    )
    recorded_fields = {
        "status": InboundStatus.PROCESSED,
        "outcome": result.outcome,
        "ticket": result.ticket,
        "article": result.article,
        "processed_at": clock.now(),
        "error": "",
    }
    recorded = _this_attempt(message).update(**recorded_fields)
    if not recorded:
        raise _ProcessedMeanwhile
    for name, value in recorded_fields.items():
        setattr(message, name, value)
    return Delivery.of(message, duplicate=duplicate, notes=result.notes)


def quarantine(message_id: int, error: str) -> Delivery:
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message_id)
        message.status = InboundStatus.QUARANTINED
        message.outcome = InboundOutcome.QUARANTINED
        message.error = error[:ERROR_MAX_LENGTH]
        message.processed_at = clock.now()
        message.save(update_fields=["status", "outcome", "error", "processed_at"])
    return Delivery.of(message)


def _this_attempt(message: InboundMessage):
    """The message's row while this attempt is still its latest."""
    return InboundMessage.objects.filter(
        pk=message.pk, status=InboundStatus.RECEIVED, attempts=message.attempts
    )


def _in_progress(message: InboundMessage) -> bool:
    if message.attempted_at is None:
        return False
    seconds = sysconfig.get("PostMasterProcessingTimeLimit")
    return message.attempted_at > clock.now() - timedelta(seconds=seconds)


def _failed(message: InboundMessage, error: str) -> Delivery:
    """An attempt that may succeed another time: quarantine once the attempts are used up,
    else note the error and free the message for the next attempt."""
    if message.attempts >= sysconfig.get("PostMasterMaxAttempts"):
        return _give_up(message, error)
    _this_attempt(message).update(error=error[:ERROR_MAX_LENGTH], attempted_at=None)
    return Delivery.of(InboundMessage.objects.get(pk=message.pk))


def _note_failure(message: InboundMessage, error: str) -> None:
    try:
        _this_attempt(message).update(error=error[:ERROR_MAX_LENGTH], attempted_at=None)
    except DatabaseError:
        logger.warning("Inbound message %s: could not note the failure %s", message.pk, error)


def _give_up(message: InboundMessage, last_error: str) -> Delivery:
    logger.warning("Inbound message %s quarantined after %s attempts", message.pk, message.attempts)
    text = ngettext(
        "Gave up after %(attempts)d attempt; the last: %(error)s",
        "Gave up after %(attempts)d attempts; the last: %(error)s",
        message.attempts,
    )
    error = text % {
        "attempts": message.attempts,
        "error": message.error or last_error,
    }
    return quarantine(message.pk, error)


def process_pending(
    limit: int = 100, *, min_age: timedelta = timedelta(0), batch_size: int = BATCH_SIZE
) -> list[Delivery]:
    """Process stored messages still waiting (after a crash, or stored by a fetcher), oldest
    first, at most `limit`, leasing `batch_size` at a time; several workers share the work
    without taking the same message. `min_age` leaves alone messages whose receiver is
    probably processing them right now. A message that comes free again during the run (an
    attempt that timed out) waits for the next run."""
    deliveries: list[Delivery] = []
    taken, after = 0, 0
    while taken < limit:
        batch = claim_waiting(min(batch_size, limit - taken), min_age=min_age, after=after)
        if not batch:
            break
        taken += len(batch)
        after = batch[-1].pk
        deliveries += process_claimed(batch)
    return deliveries


def claim_waiting(
    count: int, *, min_age: timedelta = timedelta(0), after: int = 0
) -> list[InboundMessage]:
    """Lease up to `count` waiting messages (ids above `after`), oldest first, with one
    locking query and one update, committed: for PostMasterProcessingTimeLimit seconds no
    other process takes them. The lease counts no attempt (`process_claimed` counts each
    one as it begins)."""
    now = clock.now()
    seconds = sysconfig.get("PostMasterProcessingTimeLimit")
    waiting = (
        InboundMessage.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=now - min_age, pk__gt=after
        )
        .filter(
            Q(attempted_at__isnull=True) | Q(attempted_at__lte=now - timedelta(seconds=seconds))
        )
        .order_by("id")
    )
    # SQLite ignores row locks; its single writer (transactions begin IMMEDIATE) serialises
    # the claims instead.
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        batch = list(waiting.select_for_update(skip_locked=skip_locked)[:count])
        if batch:
            leased = [message.pk for message in batch]
            InboundMessage.objects.filter(pk__in=leased).update(attempted_at=now)
    for message in batch:
        message.attempted_at = now
    return batch


def process_claimed(batch: list[InboundMessage]) -> list[Delivery]:
    """Work through messages leased by `claim_waiting`, each attempt counted as it begins
    and in a transaction of its own; a message another process took over meanwhile (its
    lease ran out) is left to it. If the work stops early, the leases not yet used are
    given back."""
    deliveries: list[Delivery] = []
    for index, message in enumerate(batch):
        try:
            delivery = _work(message)
        except BaseException:
            _release(batch[index + 1 :])
            raise
        if delivery is not None:
            deliveries.append(delivery)
    return deliveries


def _work(message: InboundMessage) -> Delivery | None:
    if message.attempts >= sysconfig.get("PostMasterMaxAttempts"):
        return _give_up(message, _("it did not finish (the process stopped)"))
    if not _start(message):
        return None
    try:
        raw = read_raw(message)
    except Exception as error:
        # The stored file cannot be read now: a failed attempt, so the rest of the batch
        # goes on and the message is quarantined once its attempts are used up.
        logger.warning("Inbound message %s: the raw message cannot be read: %s", message.pk, error)
        return _failed(message, _describe(error))
    return _attempt(message, raw)


def _release(batch: list[InboundMessage]) -> None:
    if not batch:
        return
    try:
        InboundMessage.objects.filter(
            pk__in=[message.pk for message in batch],
            status=InboundStatus.RECEIVED,
            attempted_at=batch[0].attempted_at,
        ).update(attempted_at=None)
    except DatabaseError:
        # The leases run out by themselves.
        logger.warning("Could not give back the leases of %s inbound messages", len(batch))


def reprocess(message_ids: list[int] | None = None) -> list[Delivery]:
    """Put quarantined messages (or the given ones) back, with their attempts anew, and
    process them again."""
    waiting = InboundMessage.objects.filter(status=InboundStatus.QUARANTINED)
    if message_ids:
        waiting = InboundMessage.objects.filter(pk__in=message_ids).exclude(
            status=InboundStatus.PROCESSED
        )
    ids = list(waiting.order_by("id").values_list("id", flat=True))
    InboundMessage.objects.filter(pk__in=ids).update(
        status=InboundStatus.RECEIVED, outcome="", error="", attempts=0, attempted_at=None
    )
    return [delivery for delivery in map(process, ids) if delivery is not None]


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError | OverLimit):
        return str(error)
    last = traceback.extract_tb(error.__traceback__)[-1:]
    where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(error).__name__}: {error}{where}"
