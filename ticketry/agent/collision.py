"""Noticing what changed on a ticket while an agent had a form open.

A form carries the ticket's version as it was when the page loaded. Before a service is
called, the view compares it with the ticket now: a new article or another agent's lock is
shown to the agent, who decides, instead of being overwritten silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ticketry.core.actor import Actor
from ticketry.tickets.models import Article, LockType, Ticket

FIELD_NAME = "ticket_version"


@dataclass(frozen=True)
class TicketVersion:
    last_article_id: int
    changed_at: float

    def __str__(self) -> str:
        return f"{self.last_article_id}:{self.changed_at:.6f}"

    @classmethod
    def parse(cls, value: str) -> TicketVersion | None:
        article, _sep, changed = (value or "").partition(":")
        try:
            return cls(int(article), float(changed))
        except ValueError:
            return None


def ticket_version(ticket: Ticket) -> TicketVersion:
    last = Article.objects.filter(ticket_id=ticket.pk).order_by("-id").values_list("id", flat=True)
    return TicketVersion(last.first() or 0, ticket.changed_at.timestamp())


def changes_since(ticket: Ticket, seen: str, *, actor: Actor) -> list[str]:
    """What happened to `ticket` since the form showing version `seen` was loaded.

    An empty list means nothing the agent should look at first. A missing or garbled version
    counts as stale: a form that cannot say what it saw has not seen the latest.
    """
    before = TicketVersion.parse(seen)
    now = ticket_version(ticket)
    if before is None:
        return [_("This form is out of date. Please check the ticket and send it again.")]
    warnings = []
    if now.last_article_id > before.last_article_id:
        warnings.append(
            _("A new article was added to this ticket since you opened this form. Read it first.")
        )
    if ticket.lock_id == LockType.LOCK and ticket.owner_id != actor.agent_id:
        warnings.append(
            _("%(owner)s has locked this ticket in the meantime.") % {"owner": ticket.owner}
        )
    elif now.changed_at != before.changed_at and not warnings:
        warnings.append(_("Someone else changed this ticket since you opened this form."))
    return warnings
