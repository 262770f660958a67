"""Reading tickets: always through the actor's permissions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ticketry.accounts.models import PermissionType
from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound

from . import search
from .models import (
    Article,
    DynamicField,
    DynamicFieldValue,
    State,
    StateType,
    Ticket,
    TicketHistory,
)
from .permissions import require_ticket_permission, visible_tickets

# Lists count their tickets up to this many; beyond it the exact number costs a pass over
# (nearly) the whole table and tells an agent nothing more.
COUNT_CAP = 10_000
# A full-text search first reads up to this many matching documents from the index. If
# that is all of them, it knows the matching tickets and lists and counts them by id; if
# not, the word is common enough that going through the tickets in list order finds a
# page of matches soon, and the count is shown as "at least" (up to FULLTEXT_COUNT_CAP).
FULLTEXT_DOCUMENTS = 5_000
FULLTEXT_COUNT_CAP = 1_000


def access_ticket(actor: Actor, ticket_id: int, permission: str = PermissionType.RO) -> Ticket:
    """The ticket, if `actor` holds `permission` on it; NotFound hides tickets one may not see."""
    try:
        ticket = Ticket.objects.select_related(
            "queue", "state__type", "priority", "type", "lock", "owner", "responsible"
        ).get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise NotFound(_("Unknown ticket “%(ref)s”."), ref=ticket_id) from None
    require_ticket_permission(actor, ticket, permission)
    return ticket


@dataclass(frozen=True, kw_only=True)
class TicketQuery:
    """What to look for. Empty fields do not filter; ranges are [after, before)."""

    text: str = ""
    queue_ids: Iterable[int] = field(default=())
    state_ids: Iterable[int] = field(default=())
    state_types: Iterable[str] = field(default=())
    priority_ids: Iterable[int] = field(default=())
    owner_ids: Iterable[int] = field(default=())
    responsible_ids: Iterable[int] = field(default=())
    lock_ids: Iterable[int] = field(default=())
    customer_user: str = ""
    customer_id: str = ""
    archived: bool | None = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    changed_after: datetime | None = None
    changed_before: datetime | None = None
    closed_after: datetime | None = None
    closed_before: datetime | None = None
    # Ticket number and title: `*` matches any characters; the number matches as a whole,
    # the title anywhere and ignoring case.
    tn: str = ""
    title: str = ""
    type_ids: Iterable[int] = field(default=())
    pending_after: datetime | None = None
    pending_before: datetime | None = None
    # Article fields (case-insensitive, part of the text); given together, one article
    # must match all of them, as in OTRS.
    from_address: str = ""
    to_address: str = ""
    subject: str = ""
    body: str = ""
    # Ticket dynamic fields by name: select and checkbox values match exactly, text anywhere.
    dynamic_fields: Mapping[str, str] = field(default_factory=dict)
    # Ticket date and date/time dynamic fields by name: (after, before), either end open.
    dynamic_field_ranges: Mapping[str, tuple[datetime | None, datetime | None]] = field(
        default_factory=dict
    )


@contextmanager
def page_query_plans(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, plan statements for reading a page of a large table (PostgreSQL).

    Each statement is planned for its own parameter values: repeated statements are prepared
    on the server (settings: prepare_threshold), and after a few runs PostgreSQL may settle
    on a generic plan made without the values. Ticket lists depend on them: a few thousand
    open tickets among a million closed ones, one busy queue among many quiet ones; a
    generic plan guesses an average and can read the whole table.

    And no parallel workers: a page needs a few dozen rows, which one process finds sooner
    than several that each start up and read ahead for a page of their own."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    # SET LOCAL lasts until the transaction ends: the caller's, or one for the block.
    with nullcontext() if connection.in_atomic_block else transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL plan_cache_mode = force_custom_plan; "
                "SET LOCAL max_parallel_workers_per_gather = 0"
            )
        yield


@dataclass(frozen=True)
class CappedCount:
    """A number of tickets counted up to a cap: with `capped`, at least `count`, maybe more."""

    count: int
    capped: bool = False


def count_tickets(
    querysets: Sequence[QuerySet[Ticket]], *, cap: int | None = None
) -> list[CappedCount]:
    """How many tickets each queryset holds, up to `cap` (COUNT_CAP by default), in one
    statement.

    Each count reads at most `cap` + 1 rows, so a count over a million closed tickets costs
    as little as one over a few hundred open ones."""
    if not querysets:
        return []
    cap = COUNT_CAP if cap is None else cap
    alias = querysets[0].db
    connection = connections[alias]
    columns: list[str] = []
    params: list = []
    for number, tickets in enumerate(querysets):
        limited = tickets.order_by().values("pk")[: cap + 1]
        try:
            sql, limited_params = limited.query.get_compiler(using=alias).as_sql()
        except EmptyResultSet:
            columns.append("0")
            continue
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) {connection.ops.quote_name(f'c{number}')})")
        params.extend(limited_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    return [CappedCount(min(found, cap), capped=found > cap) for found in row]


@dataclass(frozen=True)
class TicketSearch:
    """The outcome of a search: the matching tickets, newest first, and their count."""

    tickets: QuerySet[Ticket]
    # The tickets matching every criterion but the full text.
    candidates: QuerySet[Ticket]
    text: str

    def narrowed(self, where: Q | None = None) -> tuple[QuerySet[Ticket], CappedCount]:
        """The matching tickets that match `where` as well, to be read a page at a time, and
        how many they are (up to a cap)."""
        tickets, count = self._narrowed(where)
        return tickets, count if count is not None else count_tickets([tickets])[0]

    def matching(self, where: Q | None = None) -> QuerySet[Ticket]:
        """The matching tickets that match `where` as well, newest first, to be read all."""
        return self._narrowed(where)[0]

    def count(self, where: Q | None = None) -> CappedCount:
        """How many tickets match (those matching `where` as well, if given), up to a cap."""
        return self.narrowed(where)[1]

    def _narrowed(self, where: Q | None) -> tuple[QuerySet[Ticket], CappedCount | None]:
        where = where or Q()
        if not self.text.strip():
            return self.tickets.filter(where), None
        ids, complete = search.fulltext_ticket_ids(
            self.candidates.filter(where), self.text, documents=FULLTEXT_DOCUMENTS
        )
        if complete:
            tickets = self.candidates.filter(where, id__in=ids).order_by("-created_at", "-id")
            return tickets, CappedCount(len(ids))
        count = CappedCount(min(len(ids), FULLTEXT_COUNT_CAP), capped=True)
        return self.tickets.filter(where), count


def search_tickets(actor: Actor, query: TicketQuery) -> QuerySet[Ticket]:
    """Tickets `actor` may see that match `query`, newest first."""
    return ticket_search(actor, query).tickets


def ticket_search(actor: Actor, query: TicketQuery) -> TicketSearch:
    """The tickets `actor` may see that match `query`, and a cheap way to count them."""
    tickets = visible_tickets(actor)
    filters = {
        "queue_id__in": list(query.queue_ids),
        "state_id__in": list(query.state_ids),
        "priority_id__in": list(query.priority_ids),
        "owner_id__in": list(query.owner_ids),
        "responsible_id__in": list(query.responsible_ids),
        "lock_id__in": list(query.lock_ids),
        "customer_user_id": query.customer_user,
        "customer_id": query.customer_id,
        "created_at__gte": query.created_after,
        "created_at__lt": query.created_before,
        "changed_at__gte": query.changed_after,
        "changed_at__lt": query.changed_before,
        "type_id__in": list(query.type_ids),
        "pending_until__gte": query.pending_after,
        "pending_until__lt": query.pending_before,
    }
    tickets = tickets.filter(**{k: v for k, v in filters.items() if v not in ((), [], "", None)})
    if state_types := list(query.state_types):
        # A subquery on the small state table keeps the ticket table's indexes usable.
        states = State.objects.filter(type__name__in=state_types).values("id")
        tickets = tickets.filter(state_id__in=states)
    if query.archived is not None:
        tickets = tickets.filter(archived=query.archived)
    for after, before in (
        (query.created_after, query.created_before),
        (query.changed_after, query.changed_before),
        (query.closed_after, query.closed_before),
        (query.pending_after, query.pending_before),
        *query.dynamic_field_ranges.values(),
    ):
        if after and before and after >= before:
            raise InvalidValue(_("A time range must start before it ends."))
    if query.closed_after or query.closed_before:
        tickets = tickets.filter(id__in=_closed_between(query.closed_after, query.closed_before))
    if query.tn.strip():
        tickets = tickets.filter(_wildcard_match("tn", query.tn.strip(), anywhere=False))
    if query.title.strip():
        tickets = tickets.filter(_wildcard_match("title", query.title.strip(), anywhere=True))
    tickets = _filter_articles(tickets, query)
    for name, value in query.dynamic_fields.items():
        if value not in ("", None):
            tickets = tickets.filter(id__in=_dynamic_field_matches(name, str(value)))
    for name, (after, before) in query.dynamic_field_ranges.items():
        if after or before:
            tickets = tickets.filter(id__in=_dynamic_field_between(name, after, before))
    candidates = tickets
    if query.text.strip():
        tickets = search.filter_fulltext(tickets, query.text)
    return TicketSearch(
        tickets=tickets.order_by("-created_at", "-id"), candidates=candidates, text=query.text
    )


def _wildcard_match(field_name: str, pattern: str, *, anywhere: bool) -> Q:
    """`*` in `pattern` stands for any characters. Prefix and suffix patterns use LIKE (and so
    an index for prefixes); others a regular expression."""
    edge = [""] if anywhere else []
    parts = [*edge, *pattern.split("*"), *edge]
    if len(parts) == 1:
        return Q(**{field_name: pattern})
    case = "i" if anywhere else ""
    head, *inner, tail = parts
    inner = [part for part in inner if part]
    if len(inner) > 1 or (inner and (head or tail)):
        return Q(**{f"{field_name}__{case}regex": _wildcard_regex(parts)})
    if inner:
        return Q(**{f"{field_name}__{case}contains": inner[0]})
    condition = Q()
    if head:
        condition &= Q(**{f"{field_name}__{case}startswith": head})
    if tail:
        condition &= Q(**{f"{field_name}__{case}endswith": tail})
    if head and tail:
        # "12*12" must not match "12", where head and tail overlap.
        condition &= Q(**{f"{field_name}__{case}regex": _wildcard_regex(parts)})
    return condition


def _wildcard_regex(parts: list[str]) -> str:
    return "^" + ".*".join(re.escape(part) for part in parts) + "$"


def _filter_articles(tickets: QuerySet[Ticket], query: TicketQuery) -> QuerySet[Ticket]:
    conditions = {
        "from_address__icontains": query.from_address.strip(),
        "to_address__icontains": query.to_address.strip(),
        "subject__icontains": query.subject.strip(),
        "body__icontains": query.body.strip(),
    }
    conditions = {lookup: value for lookup, value in conditions.items() if value}
    if not conditions:
        return tickets
    return tickets.filter(id__in=Article.objects.filter(**conditions).values("ticket_id"))


def _dynamic_field_matches(name: str, value: str) -> QuerySet:
    kind = DynamicField.FieldType
    exact = Q(field__field_type__in=(kind.DROPDOWN, kind.MULTISELECT), value_text=value)
    part = Q(field__field_type__in=(kind.TEXT, kind.TEXTAREA), value_text__icontains=value)
    matches = exact | part
    if value in ("0", "1"):
        matches |= Q(field__field_type=kind.CHECKBOX, value_int=int(value))
    return DynamicFieldValue.objects.filter(
        matches,
        field__name=name,
        field__object_type=DynamicField.ObjectType.TICKET,
    ).values("object_id")


def _dynamic_field_between(name: str, after: datetime | None, before: datetime | None) -> QuerySet:
    # Date fields hold the start of their day, date/time fields the moment itself
    # (services.dynamic_fields): one comparison of moments serves both.
    kind = DynamicField.FieldType
    values = DynamicFieldValue.objects.filter(
        field__name=name,
        field__object_type=DynamicField.ObjectType.TICKET,
        field__field_type__in=(kind.DATE, kind.DATETIME),
    )
    if after:
        values = values.filter(value_date__gte=after)
    if before:
        values = values.filter(value_date__lt=before)
    return values.values("object_id")


def _closed_between(after: datetime | None, before: datetime | None) -> QuerySet:
    # As OTRS: the close time is that of a history row that put the ticket in a closed state.
    rows = TicketHistory.objects.filter(
        history_type__name__in=("StateUpdate", "NewTicket"), state__type__name=StateType.CLOSED
    )
    if after:
        rows = rows.filter(created_at__gte=after)
    if before:
        rows = rows.filter(created_at__lt=before)
    return rows.values("ticket_id")
