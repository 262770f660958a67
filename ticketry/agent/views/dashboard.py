"""The agent dashboard: widgets with short ticket lists, each refreshing itself and each
one the agent may hide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ticketry.accounts.services import agent_update_preferences
from ticketry.agent.access import agent_view
from ticketry.agent.listing import (
    HELD_LOCKS,
    VIEWABLE_LOCKS,
    Catalog,
    TicketRow,
    catalog,
    count_label,
    list_view,
    ticket_rows,
)
from ticketry.core import clock
from ticketry.core.errors import DomainError, NotFound
from ticketry.tickets.models import StateType, Ticket, Watcher
from ticketry.tickets.permissions import visible_tickets
from ticketry.tickets.selectors import CappedCount, count_tickets

WIDGET_ROWS = 10
# Each widget reloads itself this often unless the agent's preferences say otherwise.
DEFAULT_REFRESH_SECONDS = 60
# A widget counts its tickets up to this many ("1,000+").
WIDGET_COUNT_CAP = 1_000
# "Escalating soon" in the escalation widget: within this time from now.
ESCALATION_HORIZON = timedelta(hours=24)


@dataclass(frozen=True)
class _Scope:
    """What every widget selects from: the agent's visible tickets and own settings."""

    tickets: QuerySet[Ticket]
    agent_id: int
    my_queue_ids: list[int]
    lookups: Catalog

    def in_states(self, *state_types: str) -> Q:
        return Q(state_id__in=self.lookups.state_ids(*state_types))

    def open(self) -> Q:
        return self.lookups.open_states()


@dataclass(frozen=True)
class WidgetKind:
    id: str
    title: Promise
    view: str
    query: str
    select: Callable[[_Scope], QuerySet[Ticket]]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Widget:
    id: str
    title: str
    url: str
    # Counted up to WIDGET_COUNT_CAP: with `capped`, at least `count`.
    count: int
    rows: list[TicketRow]
    capped: bool = False

    @property
    def count_label(self) -> str:
        return count_label(CappedCount(self.count, self.capped))


def _reminders(scope: _Scope) -> QuerySet[Ticket]:
    mine_or_free = Q(owner_id=scope.agent_id) | Q(
        lock_id__in=VIEWABLE_LOCKS, queue_id__in=scope.my_queue_ids
    )
    return scope.tickets.filter(
        mine_or_free,
        scope.in_states(StateType.PENDING_REMINDER),
        pending_until__lte=clock.now(),
    )


WIDGETS: dict[str, WidgetKind] = {
    kind.id: kind
    for kind in (
        WidgetKind(
            "new",
            gettext_lazy("New tickets"),
            "agent:status_view",
            "tab=open",
            lambda s: s.tickets.filter(s.in_states(StateType.NEW), lock_id__in=VIEWABLE_LOCKS),
            ("-created_at", "-id"),
        ),
        WidgetKind(
            "open",
            gettext_lazy("Open tickets"),
            "agent:status_view",
            "tab=open",
            lambda s: s.tickets.filter(s.in_states(StateType.OPEN), lock_id__in=VIEWABLE_LOCKS),
            ("-created_at", "-id"),
        ),
        WidgetKind(
            "locked",
            gettext_lazy("My locked tickets"),
            "agent:locked_view",
            "",
            lambda s: s.tickets.filter(owner_id=s.agent_id, lock_id__in=HELD_LOCKS),
            ("-changed_at", "-id"),
        ),
        WidgetKind(
            "reminders",
            gettext_lazy("Reminders reached"),
            "agent:locked_view",
            "tab=reminder",
            _reminders,
            ("pending_until", "id"),
        ),
        WidgetKind(
            "escalated",
            gettext_lazy("Escalated and escalating soon"),
            "agent:escalation_view",
            "",
            lambda s: s.tickets.filter(
                s.open(), escalation_at__lte=clock.now() + ESCALATION_HORIZON
            ),
            ("escalation_at", "id"),
        ),
        WidgetKind(
            "watched",
            gettext_lazy("My watched tickets"),
            "agent:watched_view",
            "",
            lambda s: s.tickets.filter(
                s.open(),
                id__in=Watcher.objects.filter(agent_id=s.agent_id).values("ticket_id"),
            ),
            ("-changed_at", "-id"),
        ),
        WidgetKind(
            "responsible",
            gettext_lazy("My responsibilities"),
            "agent:responsible_view",
            "",
            lambda s: s.tickets.filter(s.open(), responsible_id=s.agent_id),
            ("-changed_at", "-id"),
        ),
    )
}


class WidgetVisibilityForm(forms.Form):
    hidden = forms.BooleanField(required=False)


def _scope(request: HttpRequest) -> _Scope:
    preferred = request.user.preferences.get("my_queue_ids") or []
    return _Scope(
        tickets=visible_tickets(request.actor),
        agent_id=request.actor.id,
        my_queue_ids=[pk for pk in preferred if isinstance(pk, int)],
        lookups=catalog(request),
    )


def _refresh_seconds(request: HttpRequest) -> int:
    seconds = request.user.preferences.get("dashboard_refresh_seconds")
    return seconds if isinstance(seconds, int) and seconds > 0 else DEFAULT_REFRESH_SECONDS


def _hidden_ids(request: HttpRequest) -> list[str]:
    hidden = request.user.preferences.get("dashboard_hidden") or []
    return [widget_id for widget_id in hidden if widget_id in WIDGETS]


def _widgets(kinds: list[WidgetKind], scope: _Scope) -> list[Widget]:
    """The widgets of `kinds`: their counts in one query, then a query for each one's rows."""
    selections = [kind.select(scope) for kind in kinds]
    counts = count_tickets(selections, cap=WIDGET_COUNT_CAP)
    widgets = []
    for kind, tickets, count in zip(kinds, selections, counts, strict=True):
        url = reverse(kind.view)
        rows = ticket_rows(tickets, actor_id=scope.agent_id, limit=WIDGET_ROWS, order=kind.order)
        widgets.append(
            Widget(
                id=kind.id,
                title=str(kind.title),
                url=f"{url}?{kind.query}" if kind.query else url,
                count=count.count,
                rows=rows,
                capped=count.capped,
            )
        )
    # The widget shows the state and queue of each row.
    scope.lookups.attach(
        (row.ticket for widget in widgets for row in widget.rows), relations=("state", "queue")
    )
    return widgets


def _kind(widget_id: str) -> WidgetKind:
    kind = WIDGETS.get(widget_id)
    if kind is None:
        raise NotFound(_("Unknown dashboard widget “%(ref)s”."), ref=widget_id)
    return kind


@agent_view
@list_view
def dashboard(request: HttpRequest) -> HttpResponse:
    hidden = _hidden_ids(request)
    kinds = [kind for widget_id, kind in WIDGETS.items() if widget_id not in hidden]
    widgets = _widgets(kinds, _scope(request)) if kinds else []
    return render(
        request,
        "agent/dashboard.html",
        {
            "nav": "dashboard",
            "widgets": widgets,
            "refresh_seconds": _refresh_seconds(request),
            "hidden_widgets": [
                {"id": widget_id, "title": WIDGETS[widget_id].title} for widget_id in hidden
            ],
        },
    )


@agent_view
@list_view
def dashboard_widget(request: HttpRequest, widget_id: str) -> HttpResponse:
    """One widget, for its periodic refresh; without htmx, the dashboard."""
    kind = _kind(widget_id)
    if not request.htmx:
        return redirect(f"{reverse('agent:dashboard')}#widget-{kind.id}")
    [widget] = _widgets([kind], _scope(request))
    return render(
        request,
        "agent/partials/dashboard_widget.html",
        {"widget": widget, "refresh_seconds": _refresh_seconds(request)},
    )


@agent_view
@require_POST
def dashboard_widget_visibility(request: HttpRequest, widget_id: str) -> HttpResponse:
    """Hide a widget (hidden=1) or show it again (hidden empty)."""
    kind = _kind(widget_id)
    form = WidgetVisibilityForm(request.POST)
    form.is_valid()
    hide = form.cleaned_data.get("hidden", False)
    hidden = [widget_id for widget_id in _hidden_ids(request) if widget_id != kind.id]
    if hide:
        hidden.append(kind.id)
    try:
        agent_update_preferences(
            actor=request.actor, agent=request.user, values={"dashboard_hidden": hidden or None}
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = (
            _("The widget “%(title)s” is hidden.")
            if hide
            else _("The widget “%(title)s” is shown.")
        )
        messages.success(request, done % {"title": kind.title})
    return redirect("agent:dashboard")


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("dashboard/widgets/<str:widget_id>/", dashboard_widget, name="dashboard_widget"),
    path(
        "dashboard/widgets/<str:widget_id>/visibility/",
        dashboard_widget_visibility,
        name="dashboard_widget_visibility",
    ),
]
