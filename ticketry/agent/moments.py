"""Dates and times as the signed-in agent reads them: the date in the order of their
language, the time on the clock they chose in the preferences (24-hour unless they chose the
12-hour clock or ISO 8601), in their time zone."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime

from django.utils import dateformat, formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

PREFERENCE_KEY = "datetime_format"
CLOCK_24 = "24h"
CLOCK_12 = "12h"
ISO_8601 = "iso"
FORMATS: dict[str, Promise] = {
    CLOCK_24: gettext_lazy("24-hour clock"),
    CLOCK_12: gettext_lazy("12-hour clock"),
    ISO_8601: gettext_lazy("ISO 8601"),
}
DEFAULT_FORMAT = CLOCK_24
_TIME_FORMATS = {CLOCK_24: "H:i", CLOCK_12: "g:i A", ISO_8601: "H:i"}

_active: ContextVar[str] = ContextVar("ticketry_datetime_format", default=DEFAULT_FORMAT)


def activate(name: object) -> None:
    """Use format `name` (one of FORMATS) in this request; anything else is the default."""
    _active.set(name if isinstance(name, str) and name in FORMATS else DEFAULT_FORMAT)


def deactivate() -> None:
    _active.set(DEFAULT_FORMAT)


def format_moment(value: datetime | None, style: str | None = None) -> str:
    """A moment in the active time zone: `07.12.2026 15:12`, `12/07/2026 3:12 PM` or
    `2026-12-07 15:12`; empty for no moment."""
    if value is None:
        return ""
    style = style or _active.get()
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    time = dateformat.format(local, _TIME_FORMATS[style])
    return f"{format_day(local, style)} {time}"


def format_day(value: date | None, style: str | None = None) -> str:
    """A day: `07.12.2026`, `12/07/2026` or `2026-12-07`; empty for no day."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if (style or _active.get()) == ISO_8601:
        return dateformat.format(value, "Y-m-d")
    return formats.date_format(value, "SHORT_DATE_FORMAT")
