"""Domain events the mail app publishes (see ticketry.core.events)."""

from dataclasses import dataclass

from ticketry.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMailFailed(DomainEvent):
    """A ticket's mail was given up on: refused for good, or out of attempts."""

    outbound_id: int
    ticket_id: int
    article_id: int
    error: str
