"""Signing in and out of the agent interface."""

from __future__ import annotations

import django_otp
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import path

from ticketry.agent.forms_login import AgentLoginForm


class AgentLoginView(auth_views.LoginView):
    """Django's login view with the two-factor token; a verified device marks the session."""

    form_class = AgentLoginForm
    template_name = "agent/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AgentLoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.otp_device is not None:
            django_otp.login(self.request, form.otp_device)
        return response


urlpatterns = [
    path("login/", AgentLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="agent:login"), name="logout"),
]
