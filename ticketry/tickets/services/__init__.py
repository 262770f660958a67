"""The ticket services: the only code that writes tickets, articles and their relations.

Each takes the acting party (`actor=`), checks permission, works in one transaction, writes
history in OTRS's format and publishes a domain event that handlers see after the commit.
"""

from .articles import ArticleInput, AttachmentInput, article_create, ticket_create
from .attributes import (
    close_due_pending_auto,
    ticket_close_pending_auto,
    ticket_lock,
    ticket_move,
    ticket_set_archived,
    ticket_set_customer,
    ticket_set_owner,
    ticket_set_pending_time,
    ticket_set_priority,
    ticket_set_responsible,
    ticket_set_service,
    ticket_set_sla,
    ticket_set_state,
    ticket_set_title,
    ticket_set_type,
    ticket_unlock,
)
from .dynamic_fields import ticket_set_dynamic_field
from .history_notes import ticket_add_history_note
from .relations import (
    ticket_account_time,
    ticket_link_add,
    ticket_link_remove,
    ticket_mark_seen,
    ticket_merge,
    ticket_unwatch,
    ticket_watch,
)
from .split import ticket_split

__all__ = [
    "ArticleInput",
    "AttachmentInput",
    "article_create",
    "close_due_pending_auto",
    "ticket_account_time",
    "ticket_add_history_note",
    "ticket_close_pending_auto",
    "ticket_create",
    "ticket_link_add",
    "ticket_link_remove",
    "ticket_lock",
    "ticket_mark_seen",
    "ticket_merge",
    "ticket_move",
    "ticket_set_archived",
    "ticket_set_customer",
    "ticket_set_dynamic_field",
    "ticket_set_owner",
    "ticket_set_pending_time",
    "ticket_set_priority",
    "ticket_set_responsible",
    "ticket_set_service",
    "ticket_set_sla",
    "ticket_set_state",
    "ticket_set_title",
    "ticket_set_type",
    "ticket_split",
    "ticket_unlock",
    "ticket_unwatch",
    "ticket_watch",
]
