"""Processing stored inbound messages: parse, run the PostMaster, record the outcome; a
message that fails is quarantined with its error, never dropped."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _

from ticketry.core import clock, sysconfig
from ticketry.core.errors import DomainError

from ..models import InboundMessage, InboundOutcome, InboundStatus
from ..parsing import parse_message
from .delivery import Delivery
from .postmaster import run_postmaster
from .store import read_raw, store_raw

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 4000


class TooLarge(Exception):
    pass


class _ProcessedMeanwhile(Exception):
    """Another process recorded an outcome for the message first; this work is undone."""


def receive(raw: bytes, **store_options) -> Delivery:
    """Store `raw` durably, then process it (the pipe, LMTP and fetchers all come here)."""
    message, created = store_raw(raw, **store_options)
    if not created:
        if message.status != InboundStatus.RECEIVED:
            return Delivery.of(message, duplicate=True)
        return process(message, duplicate=True) or Delivery.of(message)
    # Just stored here, so no other receiver has it. A worker working through waiting
    # messages might; the conditional update that records the outcome settles that without
    # locking the row first.
    return _guarded(message.pk, lambda: _run(message, raw))


def process(
    message: InboundMessage | int, *, duplicate: bool = False, skip_locked: bool = False
) -> Delivery | None:
    """Process a stored message once: a second call for a processed one changes nothing.
    With `skip_locked`, a message another worker is processing right now is left to it
    (returns None)."""
    message_id = message.pk if isinstance(message, InboundMessage) else message

    def work() -> Delivery | None:
        rows = InboundMessage.objects.select_for_update(skip_locked=skip_locked)
        if skip_locked:
            # Working through a list: one another worker finished is not ours either.
            rows = rows.filter(status=InboundStatus.RECEIVED)
        locked = rows.filter(pk=message_id).first()
        if locked is None:
            return None
        if locked.status != InboundStatus.RECEIVED:
            return Delivery.of(locked, duplicate=True)
        return _run(locked, read_raw(locked), duplicate=duplicate)

    return _guarded(message_id, work)


def _guarded(message_id: int, work: Callable[[], Delivery | None]) -> Delivery | None:
    """Run `work` in one transaction; a mail that makes it fail is quarantined."""
    try:
        with transaction.atomic():
            return work()
    except _ProcessedMeanwhile:
        return Delivery.of(InboundMessage.objects.get(pk=message_id), duplicate=True)
    except (OperationalError, InterfaceError):
        # The database itself failed: the message stays `received` and is tried again.
        raise
    except Exception as error:
        # Whatever the mail provokes (parser, filters, services) quarantines it.
        logger.warning("Inbound message %s quarantined: %s", message_id, error)
        return quarantine(message_id, _describe(error))


def _run(message: InboundMessage, raw: bytes, *, duplicate: bool = False) -> Delivery:
    limit = sysconfig.get("PostMasterMaxEmailSize") * 1024
    if message.size > limit:
        raise TooLarge(
            _("The message has %(size)d KB, more than the limit of %(limit)d KB.")
            % {"size": message.size // 1024, "limit": limit // 1024}
        )
    parsed = parse_message(raw)
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
        "attempts": message.attempts + 1,
        "error": "",
    }
    recorded = InboundMessage.objects.filter(pk=message.pk, status=InboundStatus.RECEIVED).update(
        **recorded_fields
    )
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
        message.attempts += 1
        message.processed_at = clock.now()
        message.save(update_fields=["status", "outcome", "error", "attempts", "processed_at"])
    return Delivery.of(message)


def process_pending(limit: int = 100, *, min_age: timedelta = timedelta(0)) -> list[Delivery]:
    """Process stored messages still waiting (after a crash, or stored by a fetcher), oldest
    first; several workers share the work without taking the same message. `min_age` leaves
    alone messages whose receiver is probably processing them right now."""
    waiting = (
        InboundMessage.objects.filter(
            status=InboundStatus.RECEIVED, received_at__lte=clock.now() - min_age
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    deliveries = (process(message_id, skip_locked=True) for message_id in list(waiting))
    return [delivery for delivery in deliveries if delivery is not None]


def reprocess(message_ids: list[int] | None = None) -> list[Delivery]:
    """Put quarantined messages (or the given ones) back and process them again."""
    waiting = InboundMessage.objects.filter(status=InboundStatus.QUARANTINED)
    if message_ids:
        waiting = InboundMessage.objects.filter(pk__in=message_ids).exclude(
            status=InboundStatus.PROCESSED
        )
    ids = list(waiting.order_by("id").values_list("id", flat=True))
    InboundMessage.objects.filter(pk__in=ids).update(
        status=InboundStatus.RECEIVED, outcome="", error=""
    )
    return [delivery for delivery in map(process, ids) if delivery is not None]


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError | TooLarge):
        return str(error)
    last = traceback.extract_tb(error.__traceback__)[-1:]
    where = f" ({last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno})" if last else ""
    return f"{type(error).__name__}: {error}{where}"
