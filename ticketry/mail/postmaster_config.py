"""The configuration the PostMaster reads for every mail (filters, system addresses,
auto-response assignments), kept per process for a short time.

A change saved in this process is seen at once (signals in MailConfig.ready clear the copy);
other processes see it within CACHE_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ticketry.core.validity import Validity
from ticketry.tickets.models import QueueAutoResponse, SystemAddress

from .models import PostmasterFilter

CACHE_SECONDS = 60

_loaded: dict[str, tuple[float, Any]] = {}


def _cached(name: str, load: Callable[[], Any]) -> Any:
    now = time.monotonic()
    found = _loaded.get(name)
    if found is None or found[0] < now:
        found = (now + CACHE_SECONDS, load())
        _loaded[name] = found
    return found[1]


def forget(**_kwargs: object) -> None:
    _loaded.clear()


def postmaster_filters() -> list[PostmasterFilter]:
    return _cached(
        "filters",
        lambda: list(PostmasterFilter.objects.filter(valid=Validity.VALID).order_by("name")),
    )


def system_addresses() -> dict[str, int]:
    """Valid system addresses (lower-case) and their queues."""
    return _cached(
        "addresses",
        lambda: {
            address.lower(): queue_id
            for address, queue_id in SystemAddress.objects.filter(valid=Validity.VALID).values_list(
                "name", "queue_id"
            )
        },
    )


def auto_response_ids() -> dict[tuple[int, str], int]:
    """(queue id, auto-response type name) → the valid auto-response assigned."""
    return _cached(
        "auto_responses",
        lambda: {
            (queue_id, type_name): response_id
            for queue_id, type_name, response_id in QueueAutoResponse.objects.filter(
                auto_response__valid=Validity.VALID
            ).values_list("queue_id", "type__name", "auto_response_id")
        },
    )


WATCHED_MODELS = (PostmasterFilter, SystemAddress, QueueAutoResponse)
