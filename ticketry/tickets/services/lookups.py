"""Resolve references given by name, id or instance to configuration rows, with clear errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent
from ticketry.core.errors import NotFound
from ticketry.core.validity import Validity

from ..models import (
    SLA,
    CommunicationChannel,
    HistoryType,
    LinkType,
    Priority,
    Queue,
    SenderType,
    Service,
    State,
    Ticket,
    TicketType,
)

M = TypeVar("M", bound=models.Model)
Ref = int | str | models.Model


CACHED_MODELS = (
    Agent,
    Queue,
    State,
    Priority,
    TicketType,
    Service,
    SLA,
    CommunicationChannel,
    SenderType,
    LinkType,
)
# Configuration rows and agents are looked up on every ticket change but change rarely. Each
# process keeps what it loaded for a minute under a version of its model kept in the cache; a
# save in this process (or any, with a shared cache) sets a new version, so the rows are loaded
# again.
CACHE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class _Loaded:
    version: str
    expires: float
    row: models.Model


# The rows are shared by every caller in the process: read them, never change them.
_loaded: dict[tuple[type[models.Model], Hashable, bool], _Loaded] = {}


def cache_version(model: type[models.Model]) -> str:
    """A token that `forget_cached_lookups` replaces when a row of `model` is saved or
    deleted: what was cached under an older token is stale."""
    key = f"ticketry:lookup-version:{model._meta.label_lower}"
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, None)
        version = cache.get(key, version)
    return version


def forget_cached_lookups(sender: type[models.Model], **kwargs: object) -> None:
    """Signal receiver: a cached row changed, so cached lookups of its model go."""
    cache.set(f"ticketry:lookup-version:{sender._meta.label_lower}", uuid.uuid4().hex, None)


def _cached(model: type[M], ref: int | str, *, field: str, valid_only: bool) -> M | None:
    """The row whose id (an int `ref`) or `field` is `ref`; None if there is none."""
    version = cache_version(model)
    key = (model, ref, valid_only)
    loaded = _loaded.get(key)
    if loaded is not None and loaded.version == version and loaded.expires > time.monotonic():
        return loaded.row
    query = model.objects.all()
    if valid_only and any(f.name == "valid" for f in model._meta.fields):
        query = query.filter(valid=Validity.VALID)
    if model is State:
        query = query.select_related("type")
    lookup = {"pk": ref} if isinstance(ref, int) else {field: ref}
    try:
        found = query.get(**lookup)
    except model.DoesNotExist:
        return None
    _loaded[key] = _Loaded(version, time.monotonic() + CACHE_SECONDS, found)
    return found


def _resolve(model: type[M], ref: Ref, what: str, *, valid_only: bool = True) -> M:
    if isinstance(ref, model):
        return ref
    found = _cached(model, ref, field="name", valid_only=valid_only)
    if found is None:
        raise NotFound(_("Unknown %(what)s “%(ref)s”."), what=what, ref=ref)
    return found


def resolve_queue(ref: Ref) -> Queue:
    return _resolve(Queue, ref, _("queue"))


def resolve_state(ref: Ref) -> State:
    return _resolve(State, ref, _("state"))


def resolve_priority(ref: Ref) -> Priority:
    return _resolve(Priority, ref, _("priority"))


def resolve_type(ref: Ref) -> TicketType:
    return _resolve(TicketType, ref, _("ticket type"))


def resolve_service(ref: Ref) -> Service:
    return _resolve(Service, ref, _("service"))


def resolve_sla(ref: Ref) -> SLA:
    return _resolve(SLA, ref, _("SLA"))


def resolve_channel(ref: Ref) -> CommunicationChannel:
    return _resolve(CommunicationChannel, ref, _("communication channel"))


def resolve_sender_type(ref: Ref) -> SenderType:
    return _resolve(SenderType, ref, _("sender type"))


def resolve_link_type(ref: Ref) -> LinkType:
    return _resolve(LinkType, ref, _("link type"))


def resolve_agent(ref: int | str | Agent) -> Agent:
    if isinstance(ref, Agent):
        return ref
    found = _cached(Agent, ref, field="login", valid_only=True)
    if found is None:
        raise NotFound(_("Unknown agent “%(ref)s”."), ref=ref)
    return found


def lock_ticket_row(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket with a row lock, so concurrent writers change it one after another.

    Its queue and state (with the state's type) come from the lookups above, by id and valid or
    not: a ticket stays in a queue or state that is no longer valid."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        locked = Ticket.objects.select_for_update().get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("Unknown ticket “%(ref)s”."), ref=pk) from None
    locked.queue = _resolve(Queue, locked.queue_id, _("queue"), valid_only=False)
    locked.state = _resolve(State, locked.state_id, _("state"), valid_only=False)
    return locked


_history_type_ids: dict[str, int] = {}


def history_type_id(name: str) -> int:
    # History type ids never change after installation; cache them per process.
    if name not in _history_type_ids:
        _history_type_ids.update(HistoryType.objects.values_list("name", "id"))
    try:
        return _history_type_ids[name]
    except KeyError:
        raise NotFound(_("Unknown history type “%(ref)s”."), ref=name) from None
