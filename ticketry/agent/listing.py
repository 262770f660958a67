"""The ticket list every overview shows: sorting, keyset paging, detail levels, row preloading.

Views and the search screen hand `ticket_list` a queryset already scoped by `visible_tickets`
(or a search) and render the result with `agent/partials/ticket_table.html` (context:
`ticket_list`, and optionally `tabs`, a list of `Tab`).

Built for a million tickets: counts stop at a cap ("10,000+"), sorts pair a column with the
id for keyset paging (indexes on the sort columns and id serve both), and the small
configuration tables come from a per-request `Catalog` instead of joins. Views that list
tickets are decorated with `list_view` (after `agent_view`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from functools import cached_property, wraps
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat, Substr
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ticketry.core import clock
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerUser
from ticketry.tickets.models import (
    Article,
    LockType,
    Priority,
    Queue,
    SenderType,
    State,
    StateType,
    Ticket,
    TicketFlag,
    TicketType,
)
from ticketry.tickets.selectors import (
    CappedCount,
    TicketSearch,
    count_tickets,
    page_query_plans,
)

DEFAULT_PAGE_SIZE = 25
MIN_PAGE_SIZE = 10
MAX_PAGE_SIZE = 200
DETAILS = ("small", "medium", "preview")
PREVIEW_CHARS = 400
PREVIEW_LINES = 4
PAGING_PARAMS = ("after", "before")
# OTRS Ticket::ViewableLocks: a tmp_lock is not "really" locked in the queue view.
VIEWABLE_LOCKS = (LockType.UNLOCK, LockType.TMP_LOCK)
# LockedView shows both kinds of lock.
HELD_LOCKS = (LockType.LOCK, LockType.TMP_LOCK)
FILTER_PARAMS = ("state", "priority", "queue")
# The relations a row shows that Catalog.attach supplies, and where the catalog keeps them.
ROW_RELATIONS = ("queue", "state", "priority", "lock", "type")
_CATALOG_TABLES = {
    "queue": "_queues",
    "state": "states",
    "priority": "priorities",
    "lock": "locks",
    "type": "types",
}


@dataclass(frozen=True)
class _Sort:
    label: Any
    expression: Any
    kind: str  # how a cursor stores the value: "datetime", "str" or "int"
    # True where the natural reading of the key runs against the column: a growing age
    # is an older creation time.
    inverted: bool = False
    # True for a column that may be empty: empty ones come after all others (ascending).
    nullable: bool = False


SORTS: dict[str, _Sort] = {
    "tn": _Sort(gettext_lazy("Ticket#"), F("tn"), "str"),
    "age": _Sort(gettext_lazy("Age"), F("created_at"), "datetime", inverted=True),
    "title": _Sort(gettext_lazy("Title"), F("title"), "str"),
    "state": _Sort(gettext_lazy("State"), F("state__name"), "str"),
    "priority": _Sort(gettext_lazy("Priority"), F("priority_id"), "int"),
    "queue": _Sort(gettext_lazy("Queue"), F("queue__name"), "str"),
    "owner": _Sort(gettext_lazy("Owner"), F("owner__login"), "str"),
    "customer": _Sort(gettext_lazy("Customer"), F("customer_user_id"), "str"),
    "changed": _Sort(gettext_lazy("Changed"), F("changed_at"), "datetime"),
    "escalation": _Sort(gettext_lazy("Escalation"), F("escalation_at"), "datetime", nullable=True),
}


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False


def count_label(count: CappedCount) -> str:
    """A count as a list shows it: "7", "1,234", or "10,000+" for a capped one."""
    number = number_format(count.count, force_grouping=True)
    return _("%(count)s+") % {"count": number} if count.capped else number


@dataclass(frozen=True)
class Tab:
    """One tab above a list: its label, where it leads, how many tickets it holds (up to a
    cap: with `capped`, at least `count`)."""

    label: str
    url: str
    count: int
    current: bool = False
    capped: bool = False

    @property
    def count_label(self) -> str:
        return count_label(CappedCount(self.count, self.capped))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    url: str = ""
    # "ascending", "descending" or "none": the value of the header's aria-sort.
    direction: str = "none"


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    selected: bool


@dataclass
class TicketRow:
    ticket: Ticket
    age: str
    unseen: bool
    last_sender: str
    customer_name: str
    preview: str = ""


@dataclass
class TicketList:
    rows: list[TicketRow]
    # Counted up to a cap: with `total_capped`, at least `total`.
    total: int
    sort: str
    detail: str
    page_size: int
    next_url: str | None
    prev_url: str | None
    columns: list[Column]
    detail_links: list[Link]
    state_options: list[Option] = field(default_factory=list)
    priority_options: list[Option] = field(default_factory=list)
    # Query parameters the filter form passes on unchanged (e.g. the selected queue or tab).
    kept_params: list[tuple[str, str]] = field(default_factory=list)
    filtered: bool = False
    total_capped: bool = False

    @property
    def total_label(self) -> str:
        return count_label(CappedCount(self.total, self.total_capped))


class Catalog:
    """The small configuration tables a ticket list shows or filters by (states, priorities,
    queues, lock and ticket types), each read at most once per request.

    Rows get these objects attached in Python: joining five more tables into every list
    query costs the database more planning time than the query itself takes to run, and
    filtering by state ids instead of state type names keeps the ticket table's indexes
    usable."""

    def __init__(self) -> None:
        self._queues: dict[int, Queue] = {}

    @cached_property
    def states(self) -> dict[int, State]:
        return State.objects.select_related("type").in_bulk()

    @cached_property
    def priorities(self) -> dict[int, Priority]:
        return Priority.objects.in_bulk()

    @cached_property
    def locks(self) -> dict[int, LockType]:
        return LockType.objects.in_bulk()

    @cached_property
    def types(self) -> dict[int, TicketType]:
        return TicketType.objects.in_bulk()

    def add_queues(self, queues: Iterable[Queue]) -> None:
        """Queues the caller read already, so that `attach` need not read them again."""
        self._queues |= {queue.pk: queue for queue in queues}

    def state_ids(self, *type_names: str) -> list[int]:
        """Ids of the states (valid or not) of the given state types."""
        return [pk for pk, state in self.states.items() if state.type.name in type_names]

    def open_states(self) -> Q:
        """Tickets in a state the overviews show: new, open or pending (OTRS ViewableStates)."""
        return Q(state_id__in=self.state_ids(*StateType.VIEWABLE))

    def attach(self, tickets: Iterable[Ticket], relations: Iterable[str] = ROW_RELATIONS) -> None:
        """Set the tickets' `relations` (some of ROW_RELATIONS) without a query per ticket;
        the queues not read before are read in one query."""
        tickets = list(tickets)
        relations = set(relations)
        if "queue" in relations:
            missing = {ticket.queue_id for ticket in tickets} - self._queues.keys()
            if missing:
                self._queues |= Queue.objects.in_bulk(missing)
        for name in relations:
            objects = getattr(self, _CATALOG_TABLES[name])
            for ticket in tickets:
                setattr(ticket, name, objects[getattr(ticket, f"{name}_id")])


def list_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view that lists tickets: its statements are planned for reading pages
    (see `page_query_plans`). Put it below `@agent_view`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with page_query_plans():
            return view(request, *args, **kwargs)

    return wrapper


def catalog(request: HttpRequest) -> Catalog:
    """The request's Catalog (made on first use)."""
    found = getattr(request, "_ticket_catalog", None)
    if found is None:
        found = request._ticket_catalog = Catalog()
    return found


def ticket_list(
    request: HttpRequest,
    tickets: QuerySet[Ticket] | TicketSearch,
    *,
    default_sort: str = "-age",
    total: CappedCount | None = None,
    filters: tuple[str, ...] = FILTER_PARAMS,
) -> TicketList:
    """One page of `tickets` as the query string asks: sorted, filtered, at a detail level.

    `tickets` must already be scoped to what the agent may see (or be a search, which
    narrows and counts its results its own way). `total` is their number if the caller
    counted them already (e.g. for a tab). `filters` names the query parameters that narrow
    the list (a view that reads one of them itself leaves it out). The number of queries
    does not depend on the number of tickets."""
    params = request.GET
    preferences = getattr(request.user, "preferences", None) or {}
    lookups = catalog(request)
    sort = params.get("sort", "")
    if sort.lstrip("-") not in SORTS:
        sort = default_sort
    detail = params.get("detail", "")
    if detail not in DETAILS:
        preferred = preferences.get("list_detail")
        detail = preferred if preferred in DETAILS else "small"
    page_size = _page_size(params.get("size"), preferences.get("page_size"))

    state_ids = _ids(params.getlist("state"))
    priority_ids = _ids(params.getlist("priority"))
    where = Q()
    for name, column in (("state", "state_id"), ("priority", "priority_id"), ("queue", "queue_id")):
        ids = _ids(params.getlist(name)) if name in filters else []
        if ids:
            where &= Q(**{f"{column}__in": ids})
    if isinstance(tickets, TicketSearch):
        tickets, total = tickets.narrowed(where)
    elif where or total is None:
        tickets = tickets.filter(where)
        total = count_tickets([tickets])[0]

    key = sort.lstrip("-")
    after = _decode_cursor(params.get("after", ""), key)
    before = None if after else _decode_cursor(params.get("before", ""), key)
    rows = _with_row_data(tickets, actor_id=request.actor.id, detail=detail).annotate(
        sort_value=SORTS[key].expression
    )
    fetched, has_prev, has_next = _page(
        rows,
        descending=sort.startswith("-") != SORTS[key].inverted,
        nullable=SORTS[key].nullable,
        after=after,
        before=before,
        size=page_size,
    )
    lookups.attach(fetched)
    next_url = prev_url = None
    if fetched and has_next:
        next_url = query_url(request, after=_encode_cursor(key, fetched[-1]))
    if fetched and has_prev:
        prev_url = query_url(request, before=_encode_cursor(key, fetched[0]))
    elif not fetched and (after or before):
        # The tickets past the cursor are gone (closed, moved): lead back to the start.
        prev_url = query_url(request)

    return TicketList(
        rows=[_row(ticket, detail) for ticket in fetched],
        total=total.count,
        total_capped=total.capped,
        sort=sort,
        detail=detail,
        page_size=page_size,
        next_url=next_url,
        prev_url=prev_url,
        columns=_columns(request, sort),
        detail_links=[
            Link(str(label), query_url(request, detail=value), current=value == detail)
            for value, label in (
                ("small", _("Small")),
                ("medium", _("Medium")),
                ("preview", _("Preview")),
            )
        ],
        state_options=_options(
            [
                state
                for state in lookups.states.values()
                if state.type.name != StateType.REMOVED or state.pk in state_ids
            ],
            state_ids,
        ),
        priority_options=_options(lookups.priorities.values(), priority_ids),
        kept_params=[
            (name, value)
            for name, values in params.lists()
            if name not in ("state", "priority", *PAGING_PARAMS)
            for value in values
        ],
        filtered=bool(state_ids or priority_ids),
    )


def _options(objects: Iterable[State | Priority], selected: list[int]) -> list[Option]:
    """The valid ones of `objects` as filter options, by name."""
    valid = sorted(
        (item for item in objects if item.valid == Validity.VALID), key=lambda item: item.name
    )
    return [Option(item.pk, item.name, item.pk in selected) for item in valid]


def _page(
    rows: QuerySet[Ticket],
    *,
    descending: bool,
    nullable: bool,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    size: int,
) -> tuple[list[Ticket], bool, bool]:
    """The page of `rows` (annotated with `sort_value`) after or before a cursor, and whether
    there are pages before and after it. Going back reads in reverse order and turns the
    page around; one row more than the page tells whether more follow."""
    backwards = before is not None
    cursor = before if backwards else after
    reading_descending = descending != backwards
    if cursor is not None:
        rows = rows.filter(_beyond(cursor, descending=reading_descending, nullable=nullable))
    value: Any = F("sort_value")
    if reading_descending:
        order = (value.desc(nulls_first=True) if nullable else "-sort_value", "-id")
    else:
        order = (value.asc(nulls_last=True) if nullable else "sort_value", "id")
    fetched = list(rows.order_by(*order)[: size + 1])
    more = len(fetched) > size
    fetched = fetched[:size]
    if backwards:
        fetched.reverse()
        return fetched, more, True
    return fetched, after is not None, more


def ticket_rows(
    tickets: QuerySet[Ticket], *, actor_id: int, limit: int, order: tuple[str, ...]
) -> list[TicketRow]:
    """The first `limit` rows of `tickets` in `order`, for short lists such as dashboard
    widgets, read like `ticket_list` rows (small detail) in one query. The caller attaches
    the relations it shows with `Catalog.attach`, once for all its lists."""
    page = _with_row_data(tickets, actor_id=actor_id, detail="small").order_by(*order)
    return [_row(ticket, "small") for ticket in page[:limit]]


def format_age(created_at: datetime, now: datetime | None = None) -> str:
    """A ticket's age as OTRS shows it: "3 d 4 h", "2 h 5 m", "7 m"."""
    seconds = max(0, int(((now or clock.now()) - created_at).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s m") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s m") % {"minutes": minutes}


def query_url(request: HttpRequest, **changes: str | None) -> str:
    """The current address with `changes` to its query (None removes a parameter); paging
    starts over."""
    query: QueryDict = request.GET.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


def _page_size(requested: str | None, preferred: object) -> int:
    for candidate in (requested, preferred):
        if isinstance(candidate, int) or (isinstance(candidate, str) and candidate.isdigit()):
            return min(MAX_PAGE_SIZE, max(MIN_PAGE_SIZE, int(candidate)))
    return DEFAULT_PAGE_SIZE


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _with_row_data(tickets: QuerySet[Ticket], *, actor_id: int, detail: str) -> QuerySet[Ticket]:
    """Join and annotate what a row shows, so a page is one query."""
    last_customer_article = Article.objects.filter(
        ticket=OuterRef("pk"), sender_type_id=SenderType.CUSTOMER
    ).order_by("-id")
    customer = CustomerUser.objects.filter(login=OuterRef("customer_user_id")).annotate(
        full_name=Concat("first_name", Value(" "), "last_name")
    )
    annotated = tickets.select_related("owner").annotate(
        seen=Exists(
            TicketFlag.objects.filter(ticket=OuterRef("pk"), agent_id=actor_id, key="Seen")
        ),
        last_sender=Subquery(last_customer_article.values("from_address")[:1]),
        customer_name=Subquery(customer.values("full_name")[:1]),
    )
    if detail == "preview":
        newest = (
            Article.objects.filter(ticket=OuterRef("pk"))
            .order_by("-id")
            .annotate(head=Substr("body", 1, PREVIEW_CHARS))
        )
        annotated = annotated.annotate(preview=Subquery(newest.values("head")[:1]))
    return annotated


def _row(ticket: Ticket, detail: str) -> TicketRow:
    preview = ""
    if detail == "preview" and ticket.preview:
        preview = "\n".join(ticket.preview.strip().splitlines()[:PREVIEW_LINES])
    return TicketRow(
        ticket=ticket,
        age=format_age(ticket.created_at),
        unseen=not ticket.seen,
        last_sender=_display_name(ticket.last_sender or ""),
        customer_name=(ticket.customer_name or "").strip() or ticket.customer_user_id,
        preview=preview,
    )


def _display_name(address: str) -> str:
    name, email = parseaddr(address)
    return name or email or address


def _columns(request: HttpRequest, sort: str) -> list[Column]:
    columns = []
    for key, label in (
        ("tn", SORTS["tn"].label),
        ("age", SORTS["age"].label),
        ("title", SORTS["title"].label),
        ("sender", _("Last sender")),
        ("customer", SORTS["customer"].label),
        ("state", SORTS["state"].label),
        ("priority", SORTS["priority"].label),
        ("queue", SORTS["queue"].label),
        ("owner", SORTS["owner"].label),
        ("lock", pgettext_lazy("ticket attribute", "Lock")),
    ):
        if key not in SORTS:
            columns.append(Column(key, str(label)))
            continue
        direction = "none"
        next_sort = key
        if sort.lstrip("-") == key:
            direction = "descending" if sort.startswith("-") else "ascending"
            next_sort = key if sort.startswith("-") else f"-{key}"
        columns.append(Column(key, str(label), query_url(request, sort=next_sort), direction))
    return columns


def _beyond(cursor: tuple[Any, int], *, descending: bool, nullable: bool) -> Q:
    """The rows after the cursor in the reading direction; empty values of a nullable column
    come last in ascending order, first in descending order."""
    value, pk = cursor
    if value is None:
        if descending:
            return Q(sort_value__isnull=False) | Q(sort_value__isnull=True, id__lt=pk)
        return Q(sort_value__isnull=True, id__gt=pk)
    # The first condition alone is a range on the sort column's index; the second one then
    # only has to skip the rows with the cursor's own value.
    if descending:
        return Q(sort_value__lte=value) & (Q(sort_value__lt=value) | Q(id__lt=pk))
    after = Q(sort_value__gte=value) & (Q(sort_value__gt=value) | Q(id__gt=pk))
    return after | Q(sort_value__isnull=True) if nullable else after


def _encode_cursor(key: str, ticket: Ticket) -> str:
    value = ticket.sort_value
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([key, value, ticket.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str, key: str) -> tuple[Any, int] | None:
    """The (sort value, id) a cursor names, or None for a missing, garbled or foreign one."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor_key, value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if cursor_key != key or not isinstance(pk, int):
        return None
    if value is None and SORTS[key].nullable:
        return None, pk
    kind = SORTS[key].kind
    try:
        if kind == "datetime":
            value = datetime.fromisoformat(value)
            if timezone.is_naive(value):
                return None
        elif not isinstance(value, int if kind == "int" else str):
            return None
    except (TypeError, ValueError):
        return None
    return value, pk
