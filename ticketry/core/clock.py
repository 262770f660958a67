"""The current time, in one place, so tests can freeze it."""

from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Pin now() to `moment` (an aware datetime); None lets the clock run again."""
    global _frozen
    _frozen = moment


def localtime(moment: datetime) -> datetime:
    """`moment` in the installation's time zone."""
    return timezone.localtime(moment)
