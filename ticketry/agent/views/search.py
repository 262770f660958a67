"""Ticket search: the quick search of the top bar, the full search form, saved search
profiles and the CSV export of the results."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, tzinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ticketry.accounts.services import agent_update_preferences
from ticketry.agent.access import agent_view
from ticketry.agent.listing import catalog, list_view, ticket_list
from ticketry.agent.search_form import TicketSearchForm, search_parameters
from ticketry.core.errors import DomainError, InvalidValue
from ticketry.tickets.models import Ticket
from ticketry.tickets.permissions import visible_tickets
from ticketry.tickets.selectors import TicketSearch, ticket_search

PROFILES_KEY = "search_profiles"
# Parameters of the result list (listing.py) and of this screen, not of the search itself.
_NOT_SEARCH_PARAMS = {"sort", "detail", "size", "after", "before", "profile"}
_EXPORT_CHUNK = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SearchProfileForm(forms.Form):
    action = forms.ChoiceField(choices=[("save", "save"), ("delete", "delete")])
    name = forms.CharField(label=gettext_lazy("Profile name"), max_length=100)
    query = forms.CharField(required=False, max_length=8000, widget=forms.HiddenInput)


@agent_view
@list_view
def search(request: HttpRequest) -> HttpResponse:
    quick = request.GET.get("q", "").strip()
    if quick:
        ticket_id = _ticket_with_number(request, quick)
        if ticket_id is not None:
            return redirect("agent:ticket_zoom", ticket_id)
    return _search_page(request, _search_data(request), quick=quick)


@agent_view
@require_POST
def search_profile(request: HttpRequest) -> HttpResponse:
    form = SearchProfileForm(request.POST)
    if form.is_valid():
        name, action = form.cleaned_data["name"], form.cleaned_data["action"]
        profiles = _profiles(request)
        if action == "delete" and name not in profiles:
            form.add_error("name", _("There is no search profile with this name."))
        else:
            if action == "save":
                known = TicketSearchForm(actor=request.actor).fields
                profiles[name] = search_parameters(QueryDict(form.cleaned_data["query"]), known)
                message, target = _("Search profile “%(name)s” saved."), _encode(profile=name)
            else:
                del profiles[name]
                message, target = _("Search profile “%(name)s” deleted."), ""
            try:
                agent_update_preferences(
                    actor=request.actor, agent=request.user, values={PROFILES_KEY: profiles}
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, message % {"name": name})
                return redirect(f"{reverse('agent:search')}?{target}".rstrip("?"))
    return _search_page(request, QueryDict(form.data.get("query", "")), profile_form=form)


@agent_view
def search_export(request: HttpRequest) -> HttpResponse:
    form = TicketSearchForm(
        _search_data(request) or QueryDict(), actor=request.actor, lookups=catalog(request)
    )
    found = _results(request, form)
    if found is None:
        return redirect(f"{reverse('agent:search')}?{request.GET.urlencode()}")
    tickets = found.matching()
    zone = timezone.get_current_timezone()
    lookups = catalog(request)
    states = {pk: _(state.name) for pk, state in lookups.states.items()}
    priorities = {pk: _(priority.name) for pk, priority in lookups.priorities.items()}
    header = [
        _("Ticket#"),
        _("Title"),
        _("Created"),
        _("Changed"),
        _("State"),
        _("Priority"),
        _("Queue"),
        _("Owner"),
        _("Customer user"),
        _("Customer ID"),
    ]
    rows = tickets.values_list(
        "tn",
        "title",
        "created_at",
        "changed_at",
        "state_id",
        "priority_id",
        "queue__name",
        "owner__first_name",
        "owner__last_name",
        "customer_user_id",
        "customer_id",
    )

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # The byte order mark makes Excel read the file as UTF-8.
        yield "\ufeff" + writer.writerow(header)
        for row in rows.iterator(chunk_size=_EXPORT_CHUNK):
            values = _csv_values(row, zone=zone, states=states, priorities=priorities)
            yield writer.writerow([_neutralise(value) for value in values])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tickets.csv"'
    return response


def _search_page(
    request: HttpRequest,
    data: QueryDict | None,
    *,
    quick: str = "",
    profile_form: SearchProfileForm | None = None,
) -> HttpResponse:
    form = TicketSearchForm(data, actor=request.actor, lookups=catalog(request))
    profiles = _profiles(request)
    profile = request.GET.get("profile", "")
    initial = {"action": "save", "name": profile if profile in profiles else ""}
    context = {
        "nav": "search",
        "form": form,
        "quick_search": quick,
        "profiles": sorted(profiles),
        "profile": profile if profile in profiles else "",
        "profile_form": profile_form or SearchProfileForm(initial=initial),
    }
    if profile and profile not in profiles:
        context["unknown_profile"] = profile
    found = _results(request, form)
    if found is not None:
        context["ticket_list"] = ticket_list(request, found)
        context["query_string"] = form.query_string()
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == "ticket-list" and found is not None:
            return render(request, "agent/partials/ticket_table.html", context)
        return render(request, "agent/partials/search_main.html", context)
    return render(request, "agent/search.html", context)


def _results(request: HttpRequest, form: TicketSearchForm) -> TicketSearch | None:
    """The matching tickets, or None for a form not sent or with errors (shown on the form)."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return ticket_search(request.actor, form.query())
    except InvalidValue as error:
        form.add_error(None, error.message)
        return None


def _search_data(request: HttpRequest) -> QueryDict | None:
    """What to search for: the quick search's text, a saved profile or the form's fields.

    None (an empty form) when the page is opened without any of them."""
    params = request.GET
    quick = params.get("q", "").strip()
    if quick:
        return QueryDict(_encode(text=quick))
    profile = params.get("profile", "")
    if profile:
        stored = _profiles(request).get(profile)
        return QueryDict(stored) if stored is not None else None
    if any(name not in _NOT_SEARCH_PARAMS for name in params):
        return params
    return None


def _ticket_with_number(request: HttpRequest, text: str) -> int | None:
    """The one visible ticket whose number is `text` (with or without the ticket hook)."""
    number = text
    hook = settings.TICKET_HOOK
    if hook and number.lower().startswith(hook.lower()):
        number = number[len(hook) :].removeprefix(settings.TICKET_HOOK_DIVIDER).lstrip(": ")
    if not number.isdigit():
        return None
    ids = list(
        visible_tickets(request.actor, Ticket.objects.filter(tn=number)).values_list(
            "id", flat=True
        )[:2]
    )
    return ids[0] if len(ids) == 1 else None


def _profiles(request: HttpRequest) -> dict[str, str]:
    stored = (request.user.preferences or {}).get(PROFILES_KEY)
    if not isinstance(stored, dict):
        return {}
    return {str(name): str(query) for name, query in stored.items()}


def _encode(**params: str) -> str:
    return urlencode(params)


def _csv_values(
    row: tuple, *, zone: tzinfo, states: dict[int, str], priorities: dict[int, str]
) -> list[object]:
    tn, title, created, changed, state, priority, queue, first, last, user, customer_id = row
    return [
        tn,
        title,
        _format_time(created, zone),
        _format_time(changed, zone),
        states.get(state, ""),
        priorities.get(priority, ""),
        queue,
        f"{first} {last}".strip(),
        user,
        customer_id,
    ]


def _format_time(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return ""
    return dateformat.format(timezone.localtime(moment, zone), "Y-m-d H:i:s")


def _neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    """A file for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


urlpatterns = [
    path("search/", search, name="search"),
    path("search/export.csv", search_export, name="search_export"),
    path("search/profiles/", search_profile, name="search_profile"),
]
