"""Rules for pending states: a pending state needs the time until which the ticket waits."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ticketry.core.errors import InvalidValue

from ..models import State


def check_pending_time(state: State, pending_until: datetime | None) -> None:
    if state.is_pending and pending_until is None:
        raise InvalidValue(_("The state “%(state)s” needs a pending time."), state=state.name)
    if pending_until is not None and timezone.is_naive(pending_until):
        raise InvalidValue(_("The pending time needs a time zone."))
