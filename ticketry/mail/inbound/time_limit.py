"""A time limit for one attempt at processing a mail."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import ngettext


class TimedOut(Exception):
    pass


def timed_out(seconds: int) -> TimedOut:
    text = ngettext(
        "Processing took longer than %(seconds)d second.",
        "Processing took longer than %(seconds)d seconds.",
        seconds,
    )
    return TimedOut(text % {"seconds": seconds})


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Interrupt the block with TimedOut after `seconds`. Only the main thread receives
    signals, and a timer set by someone else is left alone: elsewhere the caller checks the
    time at its steps."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise timed_out(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
