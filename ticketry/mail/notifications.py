"""Email notifications to agents: OTRS's default ticket notifications, sent by email.

A notification is queued in the transaction of the change that causes it, so it goes out
if and only if the change commits, and it is logged in the ticket's history
(`SendAgentNotification`). Nobody is told of their own change, nor is the administrator
account (root@localhost); agents turn each kind off in their preferences (all are on by
default, as in OTRS) and hear only of tickets they may read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_tasks import task

from ticketry.accounts.models import Agent, PermissionType
from ticketry.accounts.permissions import agent_ids_with_group_permission
from ticketry.core import sysconfig
from ticketry.core.actor import SYSTEM_AGENT_ID, Actor
from ticketry.core.errors import InvalidValue
from ticketry.core.events import subscribe
from ticketry.tickets import services
from ticketry.tickets.events import (
    ArticleCreated,
    TicketCreated,
    TicketEvent,
    TicketLockChanged,
    TicketMoved,
    TicketOwnerChanged,
    TicketResponsibleChanged,
)
from ticketry.tickets.models import Article, Ticket, Watcher
from ticketry.tickets.permissions import ticket_permission
from ticketry.tickets.services.history import history_args
from ticketry.tickets.services.lookups import CACHE_SECONDS, cache_version

from .events import OutboundMailFailed
from .outbound.compose import compose_message
from .outbound.queue import enqueue_message
from .outbound.tasks import send_after_commit
from .subjects import subject_build

logger = logging.getLogger(__name__)

# Lines of the article quoted in the mail (OTRS <OTRS_CUSTOMER_Body[30]>).
QUOTED_LINES = 30


@dataclass(frozen=True, slots=True)
class Notification:
    """One kind of notification. `name` is OTRS's, kept in English in the history;
    `preference` is its key in the agent's notification settings."""

    name: str
    preference: str  # empty: agents cannot turn it off
    subject: Promise
    sentence: Promise
    quotes_article: bool = False


NEW_TICKET = Notification(
    gettext_noop("Ticket create notification"),
    "new_ticket",
    gettext_lazy("New ticket"),
    gettext_lazy("A new ticket arrived in queue “%(queue)s”."),
    quotes_article=True,
)
FOLLOW_UP_UNLOCKED = Notification(
    gettext_noop("Ticket follow-up notification (unlocked)"),
    "follow_up",
    gettext_lazy("Follow-up"),
    gettext_lazy("The customer wrote again; nobody has locked the ticket."),
    quotes_article=True,
)
FOLLOW_UP_LOCKED = Notification(
    gettext_noop("Ticket follow-up notification (locked)"),
    "follow_up",
    gettext_lazy("Follow-up"),
    gettext_lazy("The customer wrote again on a ticket locked by %(owner)s."),
    quotes_article=True,
)
NOTE = Notification(
    gettext_noop("Ticket new note notification"),
    "note",
    gettext_lazy("New note"),
    gettext_lazy("%(agent)s added a note."),
    quotes_article=True,
)
MOVE = Notification(
    gettext_noop("Ticket queue update notification"),
    "move",
    gettext_lazy("Moved"),
    gettext_lazy("%(agent)s moved the ticket into queue “%(queue)s”."),
)
OWNER = Notification(
    gettext_noop("Ticket owner update notification"),
    "owner_responsible",
    gettext_lazy("You are the owner"),
    gettext_lazy("%(agent)s made you the owner of the ticket."),
)
RESPONSIBLE = Notification(
    gettext_noop("Ticket responsible update notification"),
    "owner_responsible",
    gettext_lazy("You are responsible"),
    gettext_lazy("%(agent)s made you responsible for the ticket."),
)
LOCK_TIMEOUT = Notification(
    gettext_noop("Ticket lock timeout notification"),
    "lock_timeout",
    gettext_lazy("Unlocked"),
    gettext_lazy("Your ticket is no longer locked: %(agent)s unlocked it."),
)

DELIVERY_FAILURE = Notification(
    gettext_noop("Ticket email delivery failure notification"),
    "",
    gettext_lazy("Mail not delivered"),
    gettext_lazy("A mail of the ticket could not be delivered: %(detail)s"),
    quotes_article=True,
)


KINDS = {
    kind.name: kind
    for kind in (
        NEW_TICKET,
        FOLLOW_UP_UNLOCKED,
        FOLLOW_UP_LOCKED,
        NOTE,
        MOVE,
        OWNER,
        RESPONSIBLE,
        LOCK_TIMEOUT,
        DELIVERY_FAILURE,
    )
}


@subscribe(TicketCreated, durable=True)
def _ticket_created(event: TicketCreated) -> None:
    _enqueue(NEW_TICKET, event, my_queue_agents(event.queue_id), article_id=event.article_id)


@subscribe(ArticleCreated, durable=True)
def _article_created(event: ArticleCreated) -> None:
    # Who hears of a follow-up or a note depends on the ticket: the task finds out.
    if event.history_type == "FollowUp":
        _enqueue(FOLLOW_UP_UNLOCKED, event, None, article_id=event.article_id)
    elif event.history_type == "AddNote":
        _enqueue(NOTE, event, None, article_id=event.article_id)


@subscribe(TicketMoved, durable=True)
def _ticket_moved(event: TicketMoved) -> None:
    _enqueue(MOVE, event, my_queue_agents(event.new_queue_id))


@subscribe(TicketOwnerChanged, durable=True)
def _owner_changed(event: TicketOwnerChanged) -> None:
    _enqueue(OWNER, event, {event.new_owner_id})


@subscribe(TicketResponsibleChanged, durable=True)
def _responsible_changed(event: TicketResponsibleChanged) -> None:
    _enqueue(RESPONSIBLE, event, {event.new_responsible_id})


@subscribe(TicketLockChanged, durable=True)
def _lock_changed(event: TicketLockChanged) -> None:
    # OTRS tells the owner of every unlock they did not do themselves, not only of timeouts.
    if not event.locked and event.announce:
        _enqueue(LOCK_TIMEOUT, event, {event.owner_id})


@subscribe(OutboundMailFailed, durable=True)
def _delivery_failed(event: OutboundMailFailed) -> None:
    send_agent_notification.enqueue(
        DELIVERY_FAILURE.name,
        event.ticket_id,
        by_agent_id=None,
        article_id=event.article_id,
        detail=event.error,
    )


def _enqueue(
    kind: Notification,
    event: TicketEvent,
    agent_ids: Iterable[int] | None,
    *,
    article_id: int | None = None,
) -> None:
    """Record the notification in the change's transaction (a task row); a worker sends it
    once the change has committed. `None` for `agent_ids`: the task works them out."""
    by_agent = event.actor.id if event.actor.is_agent else None
    if agent_ids is not None:
        agent_ids = sorted(set(agent_ids) - {SYSTEM_AGENT_ID, by_agent})
        if not agent_ids:
            return
    send_agent_notification.enqueue(
        kind.name,
        event.ticket_id,
        by_agent_id=by_agent,
        by_customer=event.actor.login if event.actor.is_customer else "",
        article_id=article_id,
        agent_ids=agent_ids,
    )


@task()
def send_agent_notification(
    kind_name: str,
    ticket_id: int,
    *,
    by_agent_id: int | None,
    by_customer: str = "",
    article_id: int | None = None,
    agent_ids: list[int] | None = None,
    detail: str = "",
) -> list[str]:
    """Send a notification queued by a change; returns the logins of the agents told."""
    ticket = (
        Ticket.objects.select_related("queue", "state", "priority", "owner")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return []
    kind = KINDS[kind_name]
    if agent_ids is None:
        kind, agent_ids = _recipients(kind, ticket)
    cause = Cause(agent_id=by_agent_id, customer=by_customer)
    told = notify(kind, ticket, agent_ids, cause=cause, article_id=article_id, detail=detail)
    return [agent.login for agent in told]


def _recipients(kind: Notification, ticket: Ticket) -> tuple[Notification, set[int]]:
    """OTRS's recipients of a follow-up, a note or a failed mail, by the ticket as it is now."""
    if kind is DELIVERY_FAILURE:
        admins = agent_ids_with_group_permission("admin", PermissionType.RW)
        return kind, {ticket.owner_id, ticket.responsible_id, *admins}
    watchers = set(Watcher.objects.filter(ticket=ticket).values_list("agent_id", flat=True))
    if kind is NOTE:
        return kind, {ticket.owner_id, ticket.responsible_id, *watchers}
    if ticket.is_locked:
        return FOLLOW_UP_LOCKED, {ticket.owner_id, ticket.responsible_id, *watchers}
    recipients = {ticket.owner_id}
    if not sysconfig.get("PostmasterFollowUpOnUnlockAgentNotifyOnlyToOwner"):
        recipients |= {*watchers, *my_queue_agents(ticket.queue_id)}
    return FOLLOW_UP_UNLOCKED, recipients


@dataclass(frozen=True, slots=True)
class Cause:
    """Who made the change: an agent (never told of it), a customer or the system."""

    agent_id: int | None
    customer: str = ""

    def name(self) -> str:
        """The agent's or customer's name; the system's changes carry the name of its agent
        (root@localhost), as in OTRS."""
        if self.customer:
            return self.customer
        agent = Agent.objects.filter(pk=self.agent_id or SYSTEM_AGENT_ID).first()
        return agent.full_name if agent is not None else ""


def notify(
    kind: Notification,
    ticket: Ticket,
    agent_ids: Iterable[int],
    *,
    cause: Cause,
    article_id: int | None = None,
    detail: str = "",
) -> list[Agent]:
    """Queue the mail of `kind` to each of the agents who wants it and may read the ticket,
    with a history row each; returns them."""
    ids = set(agent_ids) - {SYSTEM_AGENT_ID, cause.agent_id}
    if not ids:
        return []
    recipients = [
        agent
        for agent in Agent.objects.valid().filter(pk__in=ids).exclude(email="").order_by("pk")
        if wants(agent, kind) and ticket_permission(agent.actor, ticket, PermissionType.RO)
    ]
    article = None
    if recipients and article_id and kind.quotes_article:
        article = Article.objects.filter(pk=article_id, ticket=ticket).first()
    by = cause.name() if recipients else ""
    for agent in recipients:
        try:
            with translation.override(agent.language or settings.LANGUAGE_CODE):
                composed = compose_message(
                    from_address=_sender(),
                    to=formataddr((agent.full_name, agent.email)),
                    subject=subject_build(ticket.tn, f"{kind.subject}: {ticket.title}"),
                    body=_body(kind, ticket, agent, by=by, article=article, detail=detail),
                    auto_response=True,
                )
        except InvalidValue as error:
            # An address the mail library refuses must not hold up the others.
            logger.warning("No %s for agent %s: %s", kind.name, agent.login, error)
            continue
        with transaction.atomic():
            send_after_commit(enqueue_message(composed, ticket_id=ticket.pk).pk)
            services.ticket_add_history_note(
                actor=Actor.system(),
                ticket=ticket,
                history_type="SendAgentNotification",
                name=history_args(kind.name, agent.login, "Email"),
            )
    return recipients


def wants(agent: Agent, kind: Notification) -> bool:
    """Whether the agent left this kind of notification on."""
    if not kind.preference:
        return True
    chosen = agent.preferences.get("notifications") or {}
    return bool(chosen.get(kind.preference, True))


@dataclass(frozen=True, slots=True)
class _QueueAgents:
    version: str
    expires: float
    by_queue: dict[int, frozenset[int]]


_queue_agents: list[_QueueAgents] = []


def my_queue_agents(queue_id: int) -> frozenset[int]:
    """The agents with `queue_id` among their "my queues". Every new ticket asks, so the
    answer is kept per process until an agent changes (or a minute has passed)."""
    version = cache_version(Agent)
    known = _queue_agents[0] if _queue_agents else None
    if known is None or known.version != version or known.expires < time.monotonic():
        by_queue: dict[int, set[int]] = {}
        for agent_id, preferences in Agent.objects.valid().values_list("id", "preferences"):
            for chosen in (preferences or {}).get("my_queue_ids") or ():
                by_queue.setdefault(int(chosen), set()).add(agent_id)
        known = _QueueAgents(
            version=version,
            expires=time.monotonic() + CACHE_SECONDS,
            by_queue={queue: frozenset(agents) for queue, agents in by_queue.items()},
        )
        _queue_agents[:] = [known]
    return known.by_queue.get(queue_id, frozenset())


def _sender() -> str:
    address = sysconfig.get("NotificationSenderEmail") or f"ticketry@{settings.FQDN}"
    return formataddr((_sender_name(), address))


def _body(
    kind: Notification,
    ticket: Ticket,
    agent: Agent,
    *,
    by: str,
    article: Article | None,
    detail: str = "",
) -> str:
    sentence = str(kind.sentence) % {
        "detail": detail,
        "agent": by,
        "owner": ticket.owner.full_name,
        "queue": ticket.queue.name,
    }
    lines = [
        _("Hello %(name)s,") % {"name": agent.first_name or agent.full_name},
        "",
        sentence,
        "",
        _("Ticket: %(tn)s, %(title)s") % {"tn": ticket.tn, "title": ticket.title},
        _("Queue: %(queue)s") % {"queue": ticket.queue.name},
        _("State: %(state)s, priority: %(priority)s")
        % {"state": _(ticket.state.name), "priority": _(ticket.priority.name)},
    ]
    customer = ticket.customer_user_id or ticket.customer_id
    if customer:
        lines.append(_("Customer: %(customer)s") % {"customer": customer})
    if article is not None:
        sender = article.from_address or by
        lines += ["", _("%(sender)s wrote:") % {"sender": sender}]
        lines += [f"> {line}" for line in article.body.splitlines()[:QUOTED_LINES]]
    zoom = settings.BASE_URL + reverse("agent:ticket_zoom", args=[ticket.pk])
    lines += ["", _("Open the ticket: %(url)s") % {"url": zoom}, "", "-- ", _sender_name()]
    return "\n".join(lines) + "\n"


def _sender_name() -> str:
    return str(sysconfig.get("NotificationSenderName"))
