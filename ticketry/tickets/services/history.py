"""Writing ticket history rows in OTRS's format: a type name and `%%`-joined arguments."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue

from ..models import Article, Ticket, TicketHistory
from ..rows import insert_rows
from .lookups import history_type_id

NAME_MAX_LENGTH = 200


def history_args(*values: object) -> str:
    """`%%a%%b`: the argument list OTRS stores in a history row's name."""
    return "".join(f"%%{'' if value is None else value}" for value in values)


def add_history(
    ticket: Ticket,
    history_type: str,
    name: str,
    *,
    actor: Actor,
    article: Article | None = None,
) -> TicketHistory:
    """Record one change of `ticket`, with its attributes as they are after the change."""
    entry = history_entry(ticket, history_type, name, actor=actor, article=article)
    entry.save(force_insert=True)
    return entry


def add_history_entries(entries: Sequence[TicketHistory]) -> None:
    """Write the unsaved rows of `history_entry`, in order, in one statement."""
    insert_rows(entries)


def history_entry(
    ticket: Ticket,
    history_type: str,
    name: str,
    *,
    actor: Actor,
    article: Article | None = None,
) -> TicketHistory:
    """The row `add_history` writes, unsaved, for changes that write several at once."""
    if not name:
        raise InvalidValue(_("A history entry needs a name."))
    return TicketHistory(
        ticket=ticket,
        article=article,
        history_type_id=history_type_id(history_type),
        name=name[:NAME_MAX_LENGTH],
        queue_id=ticket.queue_id,
        state_id=ticket.state_id,
        priority_id=ticket.priority_id,
        type_id=ticket.type_id,
        owner_id=ticket.owner_id,
        created_at=clock.now(),
        created_by_id=actor.agent_id,
    )
