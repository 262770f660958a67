"""The database mail queue: messages wait as OutboundMail rows and are sent, retried with
back-off, or given up on.

Workers claim one row at a time: the claim locks the row (skipping rows other workers hold),
counts the attempt and pushes `next_attempt_at` a lease ahead before committing, so no other
worker takes the row while it is being sent, and a worker that dies mid-send only delays
it until the lease ends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.core.events import publish

from ..events import OutboundMailFailed
from ..models import OutboundMail, OutboundStatus
from .compose import ComposedMail
from .transports import DeliveryError, Transport, open_transport

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# Doubling from three minutes, the tenth attempt comes about a day after the first.
FIRST_RETRY = timedelta(minutes=3)
LEASE = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    outbound_id: int
    status: str
    recipients: list[str]
    error: str = ""
    next_attempt_at: datetime | None = None


@dataclass(slots=True)
class SendReport:
    """What one run of the queue did, mail by mail."""

    outcomes: list[SendOutcome] = field(default_factory=list)

    def _with(self, status: str) -> list[SendOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def sent(self) -> list[SendOutcome]:
        return self._with(OutboundStatus.SENT)

    @property
    def retrying(self) -> list[SendOutcome]:
        return self._with(OutboundStatus.QUEUED)

    @property
    def failed(self) -> list[SendOutcome]:
        return self._with(OutboundStatus.FAILED)

    def to_json(self) -> dict[str, list[int]]:
        return {
            "sent": [outcome.outbound_id for outcome in self.sent],
            "retrying": [outcome.outbound_id for outcome in self.retrying],
            "failed": [outcome.outbound_id for outcome in self.failed],
        }


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th attempt failed for a passing reason."""
    return FIRST_RETRY * 2 ** max(attempts - 1, 0)


def enqueue_message(
    composed: ComposedMail, *, article_id: int | None = None, ticket_id: int | None = None
) -> OutboundMail:
    """Queue a composed message for sending now; runs in the caller's transaction."""
    now = clock.now()
    return OutboundMail.objects.create(
        article_id=article_id,
        ticket_id=ticket_id,
        envelope_from=composed.envelope_from,
        recipients=composed.recipients,
        message=composed.message,
        message_id=composed.message_id,
        status=OutboundStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )


def send_due(limit: int = 100, *, outbound_ids: Sequence[int] | None = None) -> SendReport:
    """Send up to `limit` queued messages that are due (only `outbound_ids`, if given),
    through one transport connection."""
    report = SendReport()
    with open_transport() as transport:
        while len(report.outcomes) < limit:
            mail = _claim_next(outbound_ids)
            if mail is None:
                break
            outcome, broken = _deliver(transport, mail)
            report.outcomes.append(outcome)
            if broken:
                # No connection or no login: the other messages would fail the same way.
                break
    return report


def requeue(outbound_id: int) -> OutboundMail:
    """Make a message due now with a fresh count of attempts, whatever its status."""
    with transaction.atomic():
        mail = OutboundMail.objects.select_for_update().get(pk=outbound_id)
        mail.status = OutboundStatus.QUEUED
        mail.attempts = 0
        mail.next_attempt_at = clock.now()
        mail.last_error = ""
        mail.sent_at = None
        mail.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "sent_at"])
    return mail


def _claim_next(outbound_ids: Sequence[int] | None) -> OutboundMail | None:
    now = clock.now()
    due = OutboundMail.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=now)
    if outbound_ids is not None:
        due = due.filter(pk__in=outbound_ids)
    # SQLite ignores row locks; its single writer serialises the claims instead.
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        mail = (
            due.select_for_update(skip_locked=skip_locked).order_by("next_attempt_at", "id").first()
        )
        if mail is None:
            return None
        mail.attempts += 1
        mail.next_attempt_at = now + LEASE
        mail.save(update_fields=["attempts", "next_attempt_at"])
    return mail


def _deliver(transport: Transport, mail: OutboundMail) -> tuple[SendOutcome, bool]:
    recipients = list(mail.recipients)
    if mail.attempts > MAX_ATTEMPTS:
        # Only a worker dying while sending gets here: a message that keeps killing
        # workers must not be tried forever.
        error = mail.last_error or _("Gave up after %(attempts)d attempts.") % {
            "attempts": MAX_ATTEMPTS
        }
        return _failed(mail, error, temporary=False), False
    try:
        refused = transport.send(mail.envelope_from, recipients, bytes(mail.message))
    except DeliveryError as error:
        return _failed(mail, str(error), temporary=error.temporary), error.broken
    note = ""
    if refused:
        note = _("Not accepted for %(refusals)s") % {
            "refusals": "; ".join(f"{address}: {answer}" for address, answer in refused.items())
        }
        logger.warning("Outbound mail %s: %s", mail.pk, note)
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundStatus.SENT, sent_at=clock.now(), last_error=note
    )
    logger.info("Outbound mail %s sent to %s", mail.pk, ", ".join(recipients))
    return SendOutcome(mail.pk, OutboundStatus.SENT, recipients, error=note), False


def _failed(mail: OutboundMail, error: str, *, temporary: bool) -> SendOutcome:
    recipients = list(mail.recipients)
    if temporary and mail.attempts < MAX_ATTEMPTS:
        next_attempt_at = clock.now() + retry_delay(mail.attempts)
        OutboundMail.objects.filter(pk=mail.pk).update(
            status=OutboundStatus.QUEUED, next_attempt_at=next_attempt_at, last_error=error
        )
        logger.warning(
            "Outbound mail %s, attempt %s failed, next at %s: %s",
            mail.pk,
            mail.attempts,
            next_attempt_at,
            error,
        )
        return SendOutcome(mail.pk, OutboundStatus.QUEUED, recipients, error, next_attempt_at)
    with transaction.atomic():
        OutboundMail.objects.filter(pk=mail.pk).update(
            status=OutboundStatus.FAILED, last_error=error
        )
        if mail.article_id and mail.ticket_id:
            publish(
                OutboundMailFailed(
                    outbound_id=mail.pk,
                    ticket_id=mail.ticket_id,
                    article_id=mail.article_id,
                    error=error,
                )
            )
    logger.error("Outbound mail %s failed after %s attempt(s): %s", mail.pk, mail.attempts, error)
    return SendOutcome(mail.pk, OutboundStatus.FAILED, recipients, error)
