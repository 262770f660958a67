"""Domain events the ticket services publish (see ticketry.core.events)."""

from dataclasses import dataclass
from datetime import datetime

from ticketry.core.actor import Actor
from ticketry.core.events import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketEvent(DomainEvent):
    ticket_id: int
    actor: Actor


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCreated(TicketEvent):
    queue_id: int
    article_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleCreated(TicketEvent):
    article_id: int
    history_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketMoved(TicketEvent):
    old_queue_id: int
    new_queue_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketStateChanged(TicketEvent):
    old_state_id: int
    new_state_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPendingTimeChanged(TicketEvent):
    pending_until: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPriorityChanged(TicketEvent):
    old_priority_id: int
    new_priority_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketLockChanged(TicketEvent):
    locked: bool
    owner_id: int
    # False where OTRS unlocks without a notification (the pending check's auto-close).
    announce: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOwnerChanged(TicketEvent):
    old_owner_id: int
    new_owner_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketResponsibleChanged(TicketEvent):
    old_responsible_id: int
    new_responsible_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTitleChanged(TicketEvent):
    old_title: str
    new_title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTypeChanged(TicketEvent):
    old_type_id: int
    new_type_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketServiceChanged(TicketEvent):
    service_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketSLAChanged(TicketEvent):
    sla_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCustomerChanged(TicketEvent):
    customer_user_id: str
    customer_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketArchiveFlagChanged(TicketEvent):
    archived: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketMerged(TicketEvent):
    """`ticket_id` is the merged (source) ticket; `target_ticket_id` received its articles."""

    target_ticket_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketLinkAdded(TicketEvent):
    other_ticket_id: int
    link_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketLinkRemoved(TicketEvent):
    other_ticket_id: int
    link_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketWatcherAdded(TicketEvent):
    agent_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketWatcherRemoved(TicketEvent):
    agent_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketTimeAccounted(TicketEvent):
    time_units: str
    article_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketDynamicFieldUpdated(TicketEvent):
    field_name: str
    article_id: int | None
