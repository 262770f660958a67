"""`{{ ticket.created_at|moment }}` and `{{ day|day }}`: dates and times in the agent's
chosen format (see `ticketry.agent.moments`)."""

from __future__ import annotations

from django import template

from ticketry.agent.moments import format_day, format_moment

register = template.Library()
register.filter("moment", format_moment)
register.filter("day", format_day)
