"""Links between tickets, watchers, merging, time accounting and seen flags."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import Conflict, InvalidValue, NotFound
from ticketry.core.events import publish

from .. import events, search
from ..models import (
    Article,
    ArticleFlag,
    LinkType,
    LockType,
    State,
    StateType,
    Ticket,
    TicketFlag,
    TicketHistory,
    TicketLink,
    TimeAccounting,
    Watcher,
)
from ..permissions import require_ticket_permission
from ..seen import SEEN, unseen_articles
from .articles import ArticleInput, _create_article
from .changes import changing, save_ticket, set_lock
from .history import add_history, history_args
from .lookups import Ref, lock_ticket_row, resolve_agent, resolve_link_type
from .time_accounting import account_time


def _lock_pair(
    first: Ticket | int, second: Ticket | int, *, actor: Actor, permission: str
) -> tuple[Ticket, Ticket]:
    """Lock both ticket rows and check `permission` on each."""
    # Lock in id order so two concurrent calls on the same pair cannot deadlock.
    first_id = first.pk if isinstance(first, Ticket) else first
    second_id = second.pk if isinstance(second, Ticket) else second
    if first_id == second_id:
        raise InvalidValue(_("A ticket cannot be linked to or merged with itself."))
    low, high = sorted((first_id, second_id))
    locked = {low: lock_ticket_row(low), high: lock_ticket_row(high)}
    for ticket in locked.values():
        require_ticket_permission(actor, ticket, permission)
    return locked[first_id], locked[second_id]


def ticket_link_add(
    *,
    actor: Actor,
    source: Ticket | int,
    target: Ticket | int,
    link_type: Ref = "Normal",
) -> TicketLink:
    """Link two tickets; for ParentChild the source is the parent."""
    with transaction.atomic():
        src, tgt = _lock_pair(source, target, actor=actor, permission=PermissionType.RO)
        return _link(src, tgt, resolve_link_type(link_type), actor=actor)


def _link(src: Ticket, tgt: Ticket, link_type: LinkType, *, actor: Actor) -> TicketLink:
    existing = TicketLink.objects.filter(source=src, target=tgt, link_type=link_type).first()
    if existing:
        return existing
    if (
        link_type.pk == LinkType.NORMAL
        and TicketLink.objects.filter(source=tgt, target=src, link_type=link_type).exists()
    ):
        return TicketLink.objects.get(source=tgt, target=src, link_type=link_type)
    link = TicketLink.objects.create(
        source=src,
        target=tgt,
        link_type=link_type,
        created_at=clock.now(),
        created_by_id=actor.agent_id,
    )
    for this, other in ((src, tgt), (tgt, src)):
        add_history(this, "TicketLinkAdd", history_args(other.tn, other.pk, this.pk), actor=actor)
        publish(
            events.TicketLinkAdded(
                ticket_id=this.pk, actor=actor, other_ticket_id=other.pk, link_type=link_type.name
            )
        )
    return link


def ticket_link_remove(
    *,
    actor: Actor,
    source: Ticket | int,
    target: Ticket | int,
    link_type: Ref = "Normal",
) -> None:
    with transaction.atomic():
        src, tgt = _lock_pair(source, target, actor=actor, permission=PermissionType.RO)
        link_type_obj = resolve_link_type(link_type)
        deleted, _rows = TicketLink.objects.filter(
            source__in=(src, tgt), target__in=(src, tgt), link_type=link_type_obj
        ).delete()
        if not deleted:
            raise NotFound(_("Tickets %(a)s and %(b)s are not linked."), a=src.tn, b=tgt.tn)
        for this, other in ((src, tgt), (tgt, src)):
            add_history(
                this, "TicketLinkDelete", history_args(other.tn, other.pk, this.pk), actor=actor
            )
            publish(
                events.TicketLinkRemoved(
                    ticket_id=this.pk,
                    actor=actor,
                    other_ticket_id=other.pk,
                    link_type=link_type_obj.name,
                )
            )


def ticket_watch(
    *, actor: Actor, ticket: Ticket | int, agent: int | str | Agent | None = None
) -> Ticket:
    """Subscribe an agent (the actor by default) to a ticket's changes."""
    with changing(ticket, actor=actor, permission=PermissionType.RO) as t:
        watcher = resolve_agent(agent if agent is not None else actor.agent_id)
        if watcher.pk != actor.agent_id:
            require_ticket_permission(actor, t, PermissionType.RW)
        _, created = Watcher.objects.get_or_create(
            ticket=t, agent=watcher, defaults={"created_at": clock.now()}
        )
        if created:
            add_history(t, "Subscribe", history_args(watcher.full_name), actor=actor)
            publish(events.TicketWatcherAdded(ticket_id=t.pk, actor=actor, agent_id=watcher.pk))
    return t


def ticket_unwatch(
    *, actor: Actor, ticket: Ticket | int, agent: int | str | Agent | None = None
) -> Ticket:
    with changing(ticket, actor=actor, permission=PermissionType.RO) as t:
        watcher = resolve_agent(agent if agent is not None else actor.agent_id)
        if watcher.pk != actor.agent_id:
            require_ticket_permission(actor, t, PermissionType.RW)
        deleted, _rows = Watcher.objects.filter(ticket=t, agent=watcher).delete()
        if deleted:
            add_history(t, "Unsubscribe", history_args(watcher.full_name), actor=actor)
            publish(events.TicketWatcherRemoved(ticket_id=t.pk, actor=actor, agent_id=watcher.pk))
    return t


def ticket_account_time(
    *,
    actor: Actor,
    ticket: Ticket | int,
    time_units: Decimal | int | str,
    article: Article | int | None = None,
) -> TimeAccounting:
    with changing(ticket, actor=actor, permission=PermissionType.NOTE) as t:
        article_obj = None
        if article is not None:
            article_id = article.pk if isinstance(article, Article) else article
            article_obj = Article.objects.filter(pk=article_id, ticket=t).first()
            if article_obj is None:
                raise NotFound(
                    _("Article %(article)s is not part of ticket %(tn)s."),
                    article=article_id,
                    tn=t.tn,
                )
        return account_time(t, time_units, actor=actor, article=article_obj)


def ticket_merge(*, actor: Actor, source: Ticket | int, target: Ticket | int) -> Ticket:
    """Merge `source` into `target`: its articles, their history and accounted time move to the
    target, the source is noted, linked as child of the target, set `merged` and unlocked."""
    with transaction.atomic():
        src, tgt = _lock_pair(source, target, actor=actor, permission="merge")
        for ticket in (src, tgt):
            if ticket.state.type.name == StateType.MERGED:
                raise Conflict(_("Ticket %(tn)s is merged already."), tn=ticket.tn)
        merged_state = State.objects.filter(type__name=StateType.MERGED).valid().first()
        if merged_state is None:
            raise Conflict(_("There is no valid state of type “merged”."))
        Article.objects.filter(ticket=src).update(ticket=tgt)
        TicketHistory.objects.filter(ticket=src, article__isnull=False).update(ticket=tgt)
        TimeAccounting.objects.filter(ticket=src).update(ticket=tgt)
        search.reassign_ticket(src.pk, tgt.pk)
        _create_article(
            src,
            ArticleInput(
                channel="Internal",
                sender_type="agent",
                is_visible_for_customer=True,
                subject=_("Ticket Merged"),
                body=_("Merged Ticket %(source)s to %(target)s.")
                % {"source": src.tn, "target": tgt.tn},
                history_type="AddNote",
                history_comment=history_args("Note"),
            ),
            actor=actor,
        )
        merged_name = history_args(src.tn, src.pk, tgt.tn, tgt.pk)
        add_history(src, "Merged", merged_name, actor=actor)
        add_history(tgt, "Merged", merged_name, actor=actor)
        existing = set(Watcher.objects.filter(ticket=tgt).values_list("agent_id", flat=True))
        Watcher.objects.filter(ticket=src).exclude(agent_id__in=existing).update(ticket=tgt)
        _link(tgt, src, LinkType.objects.get(pk=LinkType.PARENT_CHILD), actor=actor)
        old_state = src.state
        src.state = merged_state
        src.pending_until = None
        save_ticket(src, "state", "pending_until", actor=actor)
        add_history(
            src, "StateUpdate", history_args(old_state.name, merged_state.name, ""), actor=actor
        )
        set_lock(src, LockType.UNLOCK, actor=actor)
        save_ticket(tgt, actor=actor)
        publish(events.TicketMerged(ticket_id=src.pk, actor=actor, target_ticket_id=tgt.pk))
        publish(
            events.TicketStateChanged(
                ticket_id=src.pk,
                actor=actor,
                old_state_id=old_state.pk,
                new_state_id=merged_state.pk,
            )
        )
    return tgt


def ticket_mark_seen(*, actor: Actor, ticket: Ticket | int) -> None:
    """Remember that the acting agent has seen the ticket and each of its articles as they
    are now (the zoom shows the whole thread)."""
    if not actor.is_agent:
        return
    with changing(ticket, actor=actor, permission=PermissionType.RO) as t:
        now = clock.now()
        ArticleFlag.objects.bulk_create(
            [
                ArticleFlag(article_id=pk, agent_id=actor.id, key=SEEN, created_at=now)
                for pk in unseen_articles(t, actor.id).values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
        TicketFlag.objects.get_or_create(
            ticket=t, agent_id=actor.id, key=SEEN, defaults={"created_at": now}
        )
