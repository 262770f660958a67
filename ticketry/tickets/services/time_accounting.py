"""Accounting working time on tickets (OTRS `TicketAccountTime`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import Sum
from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue
from ticketry.core.events import publish

from ..events import TicketTimeAccounted
from ..models import Article, Ticket, TimeAccounting
from .history import add_history, history_args


def parse_time_units(value: Decimal | int | str) -> Decimal:
    """Accept `1.5`, `1,5` or ` 2 `; OTRS keeps at most two decimals."""
    try:
        units = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise InvalidValue(_("“%(value)s” is not a number of time units."), value=value) from None
    if not units.is_finite() or abs(units) >= Decimal("100000000"):
        raise InvalidValue(_("“%(value)s” is not a number of time units."), value=value)
    return units.quantize(Decimal("0.01"))


def account_time(
    ticket: Ticket,
    time_units: Decimal | int | str,
    *,
    actor: Actor,
    article: Article | None = None,
) -> TimeAccounting:
    """Record time units on a ticket the caller has locked and checked already."""
    units = parse_time_units(time_units)
    entry = TimeAccounting.objects.create(
        ticket=ticket,
        article=article,
        time_units=units,
        created_at=clock.now(),
        created_by_id=actor.agent_id,
    )
    if article is not None:
        article.time_units = units
        Article.objects.filter(pk=article.pk).update(time_units=units)
    total = TimeAccounting.objects.filter(ticket=ticket).aggregate(total=Sum("time_units"))["total"]
    add_history(
        ticket,
        "TimeAccounting",
        history_args(_plain(units), _plain(total)),
        actor=actor,
        article=article,
    )
    publish(
        TicketTimeAccounted(
            ticket_id=ticket.pk,
            actor=actor,
            time_units=str(units),
            article_id=article.pk if article else None,
        )
    )
    return entry


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
