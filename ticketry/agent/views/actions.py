"""Placeholder until this area is built."""

from django.http import HttpResponse
from django.urls import path

from ticketry.agent.access import agent_view


@agent_view
def placeholder(request):
    return HttpResponse(request.path)


urlpatterns = [
    path("tickets/new/phone/", placeholder, name="phone_ticket_new"),
    path("tickets/new/email/", placeholder, name="email_ticket_new"),
]
