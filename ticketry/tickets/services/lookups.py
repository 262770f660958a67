"""Resolve references given by name, id or instance to configuration rows, with clear errors."""

from __future__ import annotations

import hashlib
import uuid
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, models
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
# Configuration rows are looked up on every ticket change but change rarely: they are
# cached for a minute, and a save in this process (or any, with a shared cache) drops them.
CACHE_SECONDS = 60


def _cache_version(model: type[models.Model]) -> str:
    key = f"ticketry:lookup-version:{model._meta.label_lower}"
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, None)
        version = cache.get(key, version)
    return version


def forget_cached_lookups(sender: type[models.Model], **kwargs: object) -> None:
    """Signal receiver: a configuration row changed, so cached lookups of its model go."""
    cache.set(f"ticketry:lookup-version:{sender._meta.label_lower}", uuid.uuid4().hex, None)


def _resolve(model: type[M], ref: Ref, what: str) -> M:
    if isinstance(ref, model):
        return ref
    digest = hashlib.md5(repr(ref).encode()).hexdigest()
    key = f"ticketry:lookup:{model._meta.label_lower}:{_cache_version(model)}:{digest}"
    found = cache.get(key)
    if found is None:
        query = model.objects.all()
        if any(f.name == "valid" for f in model._meta.fields):
            query = query.filter(valid=Validity.VALID)
        if model is State:
            query = query.select_related("type")
        lookup = {"pk": ref} if isinstance(ref, int) else {"name": ref}
        try:
            found = query.get(**lookup)
        except model.DoesNotExist:
            raise NotFound(_("Unknown %(what)s “%(ref)s”."), what=what, ref=ref) from None
        cache.set(key, found, CACHE_SECONDS)
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
    lookup = {"pk": ref} if isinstance(ref, int) else {"login": ref}
    try:
        return Agent.objects.get(valid=Validity.VALID, **lookup)
    except Agent.DoesNotExist:
        raise NotFound(_("Unknown agent “%(ref)s”."), ref=ref) from None


def lock_ticket_row(ticket: Ticket | int) -> Ticket:
    """Re-read the ticket with a row lock, so concurrent writers change it one after another."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    tickets = Ticket.objects.all()
    if connection.features.has_select_for_update_of:
        # Lock only the ticket row, not the queue and state rows joined for reading.
        tickets = tickets.select_for_update(of=("self",)).select_related("queue", "state__type")
    else:
        tickets = tickets.select_for_update()
    try:
        return tickets.get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("Unknown ticket “%(ref)s”."), ref=pk) from None


_history_type_ids: dict[str, int] = {}


def history_type_id(name: str) -> int:
    # History type ids never change after installation; cache them per process.
    if name not in _history_type_ids:
        _history_type_ids.update(HistoryType.objects.values_list("name", "id"))
    try:
        return _history_type_ids[name]
    except KeyError:
        raise NotFound(_("Unknown history type “%(ref)s”."), ref=name) from None
