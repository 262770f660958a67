"""History entries that record something that happened around a ticket without changing it
(an auto-response not sent, a transmission error)."""

from __future__ import annotations

from ticketry.core.actor import Actor

from ..models import Article, Ticket
from .changes import changing
from .history import add_history


def ticket_add_history_note(
    *,
    actor: Actor,
    ticket: Ticket | int,
    history_type: str,
    name: str,
    article: Article | None = None,
) -> None:
    """Add one history row of a type that records no attribute change."""
    with changing(ticket, actor=actor, permission="ro") as locked:
        add_history(locked, history_type, name, actor=actor, article=article)
