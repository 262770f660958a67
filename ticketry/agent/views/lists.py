"""The ticket overviews: queue, status, escalation, locked, watched and responsible views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ticketry.agent.access import agent_view
from ticketry.agent.listing import (
    FILTER_PARAMS,
    HELD_LOCKS,
    VIEWABLE_LOCKS,
    Catalog,
    Tab,
    catalog,
    list_view,
    query_url,
    ticket_list,
)
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import NotFound
from ticketry.tickets.models import Queue, StateType, Ticket, TicketFlag, Watcher
from ticketry.tickets.permissions import (
    tickets_in_visible_queues,
    visible_queues,
    visible_tickets,
)
from ticketry.tickets.selectors import CappedCount, count_tickets


@dataclass
class QueueNode:
    """One queue in the tree; `queue_id` is None for a parent the agent may not open."""

    name: str
    full_name: str
    queue_id: int | None = None
    count: int = 0
    url: str = ""
    selected: bool = False
    children: list[QueueNode] = field(default_factory=list)


def _tabbed(
    request: HttpRequest,
    tickets: QuerySet[Ticket],
    choices: list[tuple[str, str, Q]],
) -> tuple[QuerySet[Ticket], list[Tab], CappedCount]:
    """Split `tickets` into tabs (name, label, filter), counted (up to a cap) in one query;
    the selected tab (?tab=, the first by default) narrows the tickets. Returns the narrowed
    tickets, the tabs and the selected tab's count."""
    names = [name for name, _label, _where in choices]
    selected = request.GET.get("tab", "")
    if selected not in names:
        selected = names[0]
    counts = count_tickets([tickets.filter(where) for _name, _label, where in choices])
    tabs = [
        Tab(label, query_url(request, tab=name), count.count, name == selected, count.capped)
        for (name, label, _where), count in zip(choices, counts, strict=True)
    ]
    index = names.index(selected)
    return tickets.filter(choices[index][2]), tabs, counts[index]


def _render_list(
    request: HttpRequest,
    tickets: QuerySet[Ticket],
    *,
    nav: str,
    heading: str,
    tabs: list[Tab],
    total: CappedCount,
    default_sort: str = "-age",
    filters: tuple[str, ...] = FILTER_PARAMS,
    **extra: object,
) -> HttpResponse:
    context = {
        "nav": nav,
        "heading": heading,
        "tabs": tabs,
        "ticket_list": ticket_list(
            request, tickets, default_sort=default_sort, total=total, filters=filters
        ),
        **extra,
    }
    # A history restore after a cache miss replaces the whole page, so it gets the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "agent/partials/ticket_table.html", context)
    return render(request, "agent/ticket_list.html", context)


def _personal_tabs(actor: Actor, now: datetime, lookups: Catalog) -> list[tuple[str, str, Q]]:
    """OTRS's tabs of the locked, watched and responsible views."""
    seen = TicketFlag.objects.filter(ticket=OuterRef("pk"), agent_id=actor.id, key="Seen")
    reminders = lookups.state_ids(StateType.PENDING_REMINDER)
    return [
        ("all", _("All"), Q()),
        ("new", _("New"), Q(~Exists(seen))),
        ("reminder", _("Reminder reached"), Q(state_id__in=reminders, pending_until__lte=now)),
    ]


def _my_queue_ids(request: HttpRequest, visible_ids: set[int]) -> list[int]:
    preferred = request.user.preferences.get("my_queue_ids") or []
    return [pk for pk in preferred if isinstance(pk, int) and pk in visible_ids]


def _queue_tree(
    queues: list[Queue], counts: dict[int, int], selected_id: int | None
) -> list[QueueNode]:
    """Queues as a tree by their `Parent::Child` names, parents before children."""
    roots: list[QueueNode] = []
    nodes: dict[str, QueueNode] = {}
    base = reverse("agent:queue_view")
    for queue in sorted(queues, key=lambda q: q.name.split("::")):
        parts = queue.name.split("::")
        siblings = roots
        for depth in range(len(parts)):
            full_name = "::".join(parts[: depth + 1])
            node = nodes.get(full_name)
            if node is None:
                node = QueueNode(name=parts[depth], full_name=full_name)
                nodes[full_name] = node
                siblings.append(node)
            siblings = node.children
        node.queue_id = queue.pk
        node.count = counts.get(queue.pk, 0)
        node.url = f"{base}?queue={queue.pk}"
        node.selected = queue.pk == selected_id
    return roots


@agent_view
@list_view
def queue_view(request: HttpRequest) -> HttpResponse:
    """OTRS QueueView: the queue tree with open-ticket counts, and one queue's tickets
    (or those of "My queues"), unlocked ones by default."""
    actor = request.actor
    queues = list(visible_queues(actor))
    visible_ids = {queue.pk for queue in queues}
    lookups = catalog(request)
    lookups.add_queues(queues)
    open_tickets = tickets_in_visible_queues(actor).filter(
        lookups.open_states(), queue_id__in=visible_ids
    )
    # Exact: few tickets are open, and the (queue, state) index counts them.
    counts = dict(
        open_tickets.order_by()
        .values_list("queue_id")
        .annotate(count=Count("*"))
        .values_list("queue_id", "count")
    )
    # As OTRS: without chosen queues, "My queues" are all the queues the agent may see.
    chosen_ids = _my_queue_ids(request, visible_ids)
    my_ids = chosen_ids or list(visible_ids)
    selected_id = None
    requested = request.GET.get("queue")
    if requested is not None:
        if not requested.isdigit() or int(requested) not in visible_ids:
            raise NotFound(_("Unknown queue “%(ref)s”."), ref=requested)
        selected_id = int(requested)
        selected = next(queue for queue in queues if queue.pk == selected_id)
        tickets = open_tickets.filter(queue_id=selected_id)
        heading = _("Queue %(queue)s") % {"queue": selected.name}
    else:
        tickets = open_tickets.filter(queue_id__in=chosen_ids) if chosen_ids else open_tickets
        heading = _("My queues")
    my_queues_count = sum(counts.get(pk, 0) for pk in my_ids)
    tickets, tabs, total = _tabbed(
        request,
        tickets,
        [
            ("unlocked", _("Available tickets"), Q(lock_id__in=VIEWABLE_LOCKS)),
            ("all", _("All tickets"), Q()),
        ],
    )
    return _render_list(
        request,
        tickets,
        nav="queues",
        heading=heading,
        tabs=tabs,
        total=total,
        # ?queue= selects the queue here; it is not a filter of the list.
        filters=tuple(name for name in FILTER_PARAMS if name != "queue"),
        queue_tree=_queue_tree(queues, counts, selected_id),
        my_queues_selected=selected_id is None,
        my_queues_count=my_queues_count,
        has_my_queues=bool(chosen_ids),
    )


@agent_view
@list_view
def status_view(request: HttpRequest) -> HttpResponse:
    """OTRS StatusView: open or closed tickets."""
    lookups = catalog(request)
    tickets, tabs, total = _tabbed(
        request,
        visible_tickets(request.actor),
        [
            ("open", _("Open tickets"), lookups.open_states()),
            (
                "closed",
                _("Closed tickets"),
                Q(state_id__in=lookups.state_ids(StateType.CLOSED)),
            ),
        ],
    )
    return _render_list(
        request, tickets, nav="status", heading=_("Status view"), tabs=tabs, total=total
    )


def _day_starts(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Starts of tomorrow, of the day after and of the day a week after that, in the active
    time zone (so "today" is the agent's today)."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    zone = timezone.get_current_timezone()
    tomorrow, day_after, week_end = (
        timezone.make_aware(midnight + timedelta(days=offset), zone) for offset in (1, 2, 9)
    )
    return tomorrow, day_after, week_end


@agent_view
@list_view
def escalation_view(request: HttpRequest) -> HttpResponse:
    """OTRS EscalationView: open tickets with an escalation time, soonest first."""
    now = clock.now()
    tomorrow, day_after, week_end = _day_starts(now)
    tickets, tabs, total = _tabbed(
        request,
        visible_tickets(request.actor).filter(
            catalog(request).open_states(), escalation_at__isnull=False
        ),
        [
            ("escalated", _("Escalated"), Q(escalation_at__lte=now)),
            ("today", _("Today"), Q(escalation_at__gt=now, escalation_at__lt=tomorrow)),
            (
                "tomorrow",
                _("Tomorrow"),
                Q(escalation_at__gte=tomorrow, escalation_at__lt=day_after),
            ),
            ("week", _("Next week"), Q(escalation_at__gte=day_after, escalation_at__lt=week_end)),
        ],
    )
    return _render_list(
        request,
        tickets,
        nav="escalation",
        heading=_("Escalation view"),
        tabs=tabs,
        total=total,
        default_sort="escalation",
    )


@agent_view
@list_view
def locked_view(request: HttpRequest) -> HttpResponse:
    """OTRS LockedView: the tickets the agent has locked."""
    actor = request.actor
    tickets, tabs, total = _tabbed(
        request,
        visible_tickets(actor).filter(owner_id=actor.id, lock_id__in=HELD_LOCKS),
        _personal_tabs(actor, clock.now(), catalog(request)),
    )
    return _render_list(
        request, tickets, nav="locked", heading=_("My locked tickets"), tabs=tabs, total=total
    )


@agent_view
@list_view
def watched_view(request: HttpRequest) -> HttpResponse:
    """OTRS WatchView: open tickets the agent watches."""
    actor = request.actor
    lookups = catalog(request)
    watched = Watcher.objects.filter(agent_id=actor.id).values("ticket_id")
    tickets, tabs, total = _tabbed(
        request,
        visible_tickets(actor).filter(lookups.open_states(), id__in=watched),
        _personal_tabs(actor, clock.now(), lookups),
    )
    return _render_list(
        request, tickets, nav="watched", heading=_("My watched tickets"), tabs=tabs, total=total
    )


@agent_view
@list_view
def responsible_view(request: HttpRequest) -> HttpResponse:
    """OTRS ResponsibleView: open tickets the agent is responsible for."""
    actor = request.actor
    lookups = catalog(request)
    tickets, tabs, total = _tabbed(
        request,
        visible_tickets(actor).filter(lookups.open_states(), responsible_id=actor.id),
        _personal_tabs(actor, clock.now(), lookups),
    )
    return _render_list(
        request,
        tickets,
        nav="responsible",
        heading=_("My responsibilities"),
        tabs=tabs,
        total=total,
    )


urlpatterns = [
    path("queues/", queue_view, name="queue_view"),
    path("status/", status_view, name="status_view"),
    path("escalation/", escalation_view, name="escalation_view"),
    path("locked/", locked_view, name="locked_view"),
    path("watched/", watched_view, name="watched_view"),
    path("responsible/", responsible_view, name="responsible_view"),
]
