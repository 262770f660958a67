"""Placeholder until this area is built."""

from django.http import HttpResponse
from django.urls import path

from ticketry.agent.access import agent_view


@agent_view
def placeholder(request):
    return HttpResponse(request.path)


urlpatterns = [
    path("queues/", placeholder, name="queue_view"),
    path("status/", placeholder, name="status_view"),
    path("escalation/", placeholder, name="escalation_view"),
    path("locked/", placeholder, name="locked_view"),
    path("watched/", placeholder, name="watched_view"),
    path("responsible/", placeholder, name="responsible_view"),
]
