"""`{{ ticket.lock|lock_label }}` and `{{ article.sender_type|sender_label }}`: configuration
rows in words (see `ticketry.agent.labels`)."""

from __future__ import annotations

from django import template

from ticketry.agent import labels

register = template.Library()
register.filter("lock_label", labels.lock_label)
register.filter("sender_label", labels.sender_label)
