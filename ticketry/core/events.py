"""Domain events: typed messages a service publishes about a change it made.

Handlers registered as `durable` run inside the service's transaction, so what they
record (an outbox row, an enqueued task) commits or rolls back with the change. Other
handlers run after the commit and must not be needed for consistency.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Base of every event; subclasses are frozen dataclasses named for what happened."""


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[E], None]

_durable: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_after_commit: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_recorders: list[list[DomainEvent]] = []


def subscribe(event_type: type[E], *, durable: bool = False) -> Callable[[Handler], Handler]:
    """Decorator: call the function for every published event of `event_type` (or a subclass)."""

    def register(handler: Handler) -> Handler:
        registry = _durable if durable else _after_commit
        if handler not in registry[event_type]:
            registry[event_type].append(handler)
        return handler

    return register


def _handlers(registry: dict[type[DomainEvent], list[Handler]], event: DomainEvent):
    for event_type in type(event).__mro__:
        yield from registry.get(event_type, ())


def publish(event: DomainEvent) -> None:
    """Hand `event` to durable handlers now and to the others once the transaction commits."""
    for recorder in _recorders:
        recorder.append(event)
    for handler in _handlers(_durable, event):
        handler(event)
    transaction.on_commit(lambda: _dispatch_after_commit(event), robust=True)


def _dispatch_after_commit(event: DomainEvent) -> None:
    for handler in _handlers(_after_commit, event):
        try:
            handler(event)
        except Exception:
            logger.exception("Event handler %r failed for %r", handler, event)


class record_events:
    """Context manager collecting every event published inside it (for tests and tools)."""

    def __enter__(self) -> list[DomainEvent]:
        self.events: list[DomainEvent] = []
        _recorders.append(self.events)
        return self.events

    def __exit__(self, *exc: object) -> None:
        _recorders.remove(self.events)
