"""What happened to one inbound message, for the command line, LMTP answers and logs."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import InboundMessage, InboundOutcome


@dataclass(frozen=True, slots=True)
class Delivery:
    inbound_id: int
    outcome: str
    ticket_number: str = ""
    queue: str = ""
    article_id: int | None = None
    duplicate: bool = False
    error: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, message: InboundMessage, *, duplicate: bool = False, notes=()) -> Delivery:
        ticket = message.ticket
        return cls(
            inbound_id=message.pk,
            outcome=message.outcome or message.status,
            ticket_number=ticket.tn if ticket else "",
            queue=ticket.queue.name if ticket else "",
            article_id=message.article_id,
            duplicate=duplicate,
            error=message.error,
            notes=tuple(notes),
        )

    def to_json(self) -> dict:
        return {
            "outcome": self.outcome,
            "ticket_number": self.ticket_number or None,
            "queue": self.queue or None,
            "article_id": self.article_id,
            "inbound_id": self.inbound_id,
            "duplicate": self.duplicate,
            "error": self.error or None,
            "notes": list(self.notes),
        }

    def describe(self) -> str:
        """One line for a person reading the MTA's log."""
        texts = {
            InboundOutcome.NEW_TICKET: _("New ticket %(tn)s in queue %(queue)s."),
            InboundOutcome.FOLLOW_UP: _("Follow-up to ticket %(tn)s in queue %(queue)s."),
            InboundOutcome.FOLLOW_UP_REJECTED: _(
                "Follow-up to closed ticket %(tn)s rejected; the sender was told."
            ),
            InboundOutcome.NEW_TICKET_FOR_CLOSED: _(
                "New ticket %(tn)s in queue %(queue)s for a follow-up to a closed ticket."
            ),
            InboundOutcome.IGNORED: _("Ignored by a postmaster filter."),
            InboundOutcome.QUARANTINED: _("Quarantined: %(error)s"),
        }
        text = texts.get(self.outcome, _("Stored, waiting to be processed."))
        line = text % {"tn": self.ticket_number, "queue": self.queue, "error": self.error}
        if self.duplicate:
            line = _("Already received before. %(what)s") % {"what": line}
        return line
