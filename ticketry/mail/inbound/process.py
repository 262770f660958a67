"""Processing stored inbound messages: parse, run the PostMaster, record the outcome; a
message that fails is quarantined with its error, never dropped.

Each attempt is counted on the message's row, and committed, before it starts; while it may
still run (`PostMasterProcessingTimeLimit`) no other process takes the message, and after
`PostMasterMaxAttempts` attempts that failed, timed out or died with their process the
message is quarantined. The mail is parsed and checked against the limits before the
transaction that writes begins, so however slow a mail is, it holds no database lock while
it is read."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
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


def process(
    message: InboundMessage | int, *, duplicate: bool = False, skip_locked: bool = False
) -> Delivery | None:
    """Process a stored message once: a second call for a processed one changes nothing.
    A message another process is working on right now is left to it: with `skip_locked`
    (working through a list) the answer is None, else how the message stands."""
    message_id = message.pk if isinstance(message, InboundMessage) else message
    current = InboundMessage.objects.filter(pk=message_id).first()
    if current is None or (skip_locked and current.status != InboundStatus.RECEIVED):
        return None
    if current.status != InboundStatus.RECEIVED:
        return Delivery.of(current, duplicate=True)
    if _in_progress(current):
        return None if skip_locked else Delivery.of(current, duplicate=duplicate)
    if current.attempts >= sysconfig.get("PostMasterMaxAttempts"):
        return _give_up(current, _("it did not finish (the process stopped)"))
    now = clock.now()
    claimed = InboundMessage.objects.filter(
        pk=message_id, status=InboundStatus.RECEIVED, attempts=current.attempts
    ).update(attempts=current.attempts + 1, attempted_at=now)
    if not claimed:
        # Another process claimed it a moment ago.
        return None if skip_locked else Delivery.of(current, duplicate=duplicate)
    current.attempts += 1
    current.attempted_at = now
    return _attempt(current, read_raw(current), duplicate=duplicate)


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


def process_pending(limit: int = 100, *, min_age: timedelta = timedelta(0)) -> list[Delivery]:
    """Process stored messages still waiting (after a crash, or stored by a fetcher), oldest
    first; several workers share the work without taking the same message. `min_age` leaves
    alone messages whose receiver is probably processing them right now."""
    now = clock.now()
    seconds = sysconfig.get("PostMasterProcessingTimeLimit")
    waiting = (
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lte=now - min_age)
        .filter(
            Q(attempted_at__isnull=True) | Q(attempted_at__lte=now - timedelta(seconds=seconds))
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    deliveries = (process(message_id, skip_locked=True) for message_id in list(waiting))
    return [delivery for delivery in deliveries if delivery is not None]


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
