"""Django's admin at /admin/, signed into through the agent login with its two-factor token."""

from __future__ import annotations

from django.contrib.admin.sites import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from ticketry.accounts.two_factor import lacks_second_factor
from ticketry.agent.access import refusal
from ticketry.core.errors import PermissionDenied


class TicketryAdminSite(AdminSite):
    """Has no login form of its own: a second one would be a way around the token."""

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in, but not an administrator: the agent login would only send them back.
            return refusal(request, PermissionDenied().message, status=403)
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, login_url=reverse("agent:login"))

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not lacks_second_factor(request.user)
