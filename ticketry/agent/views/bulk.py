"""Placeholder until this area is built."""

from django.http import HttpResponse

from ticketry.agent.access import agent_view


@agent_view
def placeholder(request):
    return HttpResponse(request.path)


urlpatterns = []
