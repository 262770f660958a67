"""Per-request set-up for signed-in agents: idle sessions and sessions without the second
factor their agent turned on end, language, time zone and date format apply."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from ticketry.accounts.two_factor import lacks_second_factor
from ticketry.agent import moments

LAST_SEEN_KEY = "ticketry_last_seen"
# Writing the session on every request would cost a write per click; a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


class AgentSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The thread serves other requests next: nobody inherits this agent's format.
        moments.deactivate()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            # Every way in (the agent login, Django's admin, a future one) ends up here, so
            # a session that skipped the token is refused for the agent pages and the admin.
            if now - last_seen > settings.SESSION_IDLE_SECONDS or lacks_second_factor(user):
                logout(request)
            else:
                if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN_KEY not in request.session:
                    request.session[LAST_SEEN_KEY] = now
                _activate_preferences(request, user)
        return self.get_response(request)


def _activate_preferences(request: HttpRequest, agent) -> None:
    languages = {code for code, _name in settings.LANGUAGES}
    if agent.language in languages:
        translation.activate(agent.language)
        request.LANGUAGE_CODE = agent.language
    moments.activate((agent.preferences or {}).get(moments.PREFERENCE_KEY))
    if agent.time_zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(agent.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
    else:
        timezone.deactivate()
