"""Transmission status of an email article, from its latest queued message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticketry.tickets.models import Article

from ..models import OutboundMail, OutboundStatus


@dataclass(frozen=True, slots=True)
class TransmissionStatus:
    """`status` is queued, sent or failed; `last_error` holds the server's answer."""

    outbound_id: int
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def label(self) -> str:
        return str(OutboundStatus(self.status).label)


def transmission_status(article: Article | int) -> TransmissionStatus | None:
    """None for articles that were never sent by mail (notes, incoming mail)."""
    article_id = article.pk if isinstance(article, Article) else article
    mail = (
        OutboundMail.objects.filter(article_id=article_id)
        .order_by("-id")
        .only("status", "attempts", "last_error", "next_attempt_at", "sent_at")
        .first()
    )
    if mail is None:
        return None
    return TransmissionStatus(
        outbound_id=mail.pk,
        status=mail.status,
        attempts=mail.attempts,
        last_error=mail.last_error,
        next_attempt_at=mail.next_attempt_at if mail.status == OutboundStatus.QUEUED else None,
        sent_at=mail.sent_at,
    )
