"""The agent interface's addresses: one module of views per area of the interface."""

from django.urls import include, path

app_name = "agent"

urlpatterns = [
    path("", include("ticketry.agent.views.auth")),
    path("", include("ticketry.agent.views.dashboard")),
    path("", include("ticketry.agent.views.lists")),
    path("", include("ticketry.agent.views.zoom")),
    path("", include("ticketry.agent.views.pdf")),
    path("", include("ticketry.agent.views.actions")),
    path("", include("ticketry.agent.views.search")),
    path("", include("ticketry.agent.views.bulk")),
    path("", include("ticketry.agent.views.preferences")),
    path("", include("ticketry.agent.views.email")),
]
