"""The door to the agent interface: who may pass, and how refusals look."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ticketry.accounts.models import PermissionType
from ticketry.core.actor import Actor
from ticketry.core.errors import NotFound, PermissionDenied
from ticketry.tickets.models import Ticket
from ticketry.tickets.permissions import require_ticket_permission
from ticketry.tickets.selectors import access_ticket

View = Callable[..., HttpResponse]


def agent_view(view: View) -> View:
    """Only signed-in agents pass; `request.actor` is set; refusals become 403 and 404 pages.

    A request from htmx whose session has ended gets the login page as a full redirect, not
    a login form swapped into a corner of the page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            if getattr(request, "htmx", False):
                login = resolve_url("agent:login")
                target = request.htmx.current_url_abs_path or request.get_full_path()
                return HttpResponse(
                    status=204, headers={"HX-Redirect": f"{login}?{urlencode({'next': target})}"}
                )
            return redirect_to_login(request.get_full_path())
        request.actor = user.actor
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            return refusal(request, error.message, status=404)
        except PermissionDenied as error:
            return refusal(request, error.message, status=403)

    return wrapped


def refusal(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    template = "agent/partials/refusal.html" if request.htmx else "agent/refusal.html"
    return render(request, template, {"message": message}, status=status)


def agent_ticket(actor: Actor, ticket_id: int, permission: str = PermissionType.RO) -> Ticket:
    """The ticket for an agent screen: unknown (404) to an agent who may not read it, so
    ticket ids cannot be probed; refused (403) to one who may read it but not do
    `permission`."""
    try:
        ticket = access_ticket(actor, ticket_id, PermissionType.RO)
    except PermissionDenied:
        raise NotFound(_("Unknown ticket “%(ref)s”."), ref=ticket_id) from None
    if permission != PermissionType.RO:
        require_ticket_permission(actor, ticket, permission)
    return ticket
