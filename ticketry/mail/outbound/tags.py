"""OTRS template tags (`<OTRS_CUSTOMER_REALNAME>`, `<OTRS_TICKET_TicketNumber>`, ...) in
salutations, signatures, templates and auto-responses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.utils import getaddresses
from functools import cached_property

from django.conf import settings

from ticketry.accounts.models import Agent
from ticketry.core import clock, sysconfig
from ticketry.customers.models import CustomerUser
from ticketry.tickets.models import Article, DynamicFieldValue, SenderType, Ticket

from ..subjects import shorten, subject_clean
from .compose import ticketry_version

# One pass over the text: a value that itself contains a tag (a customer's subject, say)
# is never expanded, so customers cannot read configuration through their own mail.
TAG = re.compile(r"<OTRS_([^<>\[\]\s]+?)(?:\[(\d+)\])?>")
UNKNOWN = "-"
# Quoting everything still needs a bound; OTRS quotes up to 2500 lines.
ALL_LINES = 2500


def replace_tags(
    text: str,
    *,
    ticket: Ticket,
    article: Article | None = None,
    agent: Agent | None = None,
    recipient: str | None = None,
) -> str:
    """`text` with its OTRS tags replaced by data of the ticket, the customer's article
    (`article`, else the latest customer article), the current `agent` and the recipient.
    Unknown tags become "-", as in OTRS."""
    if "<OTRS_" not in text:
        return text
    context = _Context(ticket, article, agent, recipient)
    return TAG.sub(lambda match: context.resolve(match.group(1), match.group(2)), text)


def quote(text: str, lines: int = ALL_LINES) -> str:
    """The first `lines` lines of `text` with "> " in front of each."""
    return "\n".join(f"> {line}".rstrip() for line in _lines(text)[:lines])


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").rstrip("\n")
    return text.split("\n") if text else []


def _timestamp(moment: datetime | None) -> str:
    return clock.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _agent_data(agent: Agent | None) -> dict[str, object]:
    if agent is None:
        return {}
    return {
        "UserID": agent.pk,
        "UserLogin": agent.login,
        "UserFirstname": agent.first_name,
        "UserLastname": agent.last_name,
        "UserFullname": agent.full_name,
        "UserEmail": agent.email,
        "UserTitle": agent.title,
    }


class _Context:
    def __init__(
        self, ticket: Ticket, article: Article | None, agent: Agent | None, recipient: str | None
    ) -> None:
        self.ticket = ticket
        self.given_article = article
        self.agent = agent
        self.recipient = recipient or ""

    def resolve(self, name: str, count: str | None) -> str:
        limit = int(count) if count is not None else None
        upper = name.upper()
        if upper in ("CUSTOMER_SUBJECT", "CUSTOMER_EMAIL", "CUSTOMER_BODY") and (
            limit is not None or name.isupper()
        ):
            return self._article_text(upper.removeprefix("CUSTOMER_"), limit)
        if upper == "CUSTOMER_REALNAME":
            return self.customer_realname
        for prefix, data in self._groups():
            if upper.startswith(prefix):
                return _lookup(data(), name[len(prefix) :])
        return UNKNOWN

    def _groups(self) -> list[tuple[str, Callable[[], dict[str, object]]]]:
        # Longest prefixes first: OTRS_TICKET_OWNER_x is the owner's, not a ticket field.
        return [
            ("CONFIG_", self._config),
            ("TICKET_OWNER_", lambda: _agent_data(self.ticket.owner)),
            ("TICKET_RESPONSIBLE_", lambda: _agent_data(self.ticket.responsible)),
            ("OWNER_", lambda: _agent_data(self.ticket.owner)),
            ("RESPONSIBLE_", lambda: _agent_data(self.ticket.responsible)),
            ("AGENT_", lambda: _agent_data(self.agent)),
            ("CURRENT_", lambda: _agent_data(self.agent)),
            ("TICKET_DYNAMICFIELD_", lambda: self.dynamic_field_data),
            ("TICKET_", lambda: self.ticket_data),
            ("CUSTOMER_DATA_", lambda: self.customer_data),
            ("CUSTOMER_", lambda: self.article_data),
        ]

    def _config(self) -> dict[str, object]:
        # Only values that are safe to show a customer; never secrets or paths.
        return {
            "FQDN": settings.FQDN,
            "SystemID": settings.SYSTEM_ID,
            "Ticket::Hook": settings.TICKET_HOOK,
            "Ticket::HookDivider": settings.TICKET_HOOK_DIVIDER,
            "Ticket::SubjectRe": sysconfig.get("Ticket::SubjectRe"),
            "Ticket::SubjectFwd": sysconfig.get("Ticket::SubjectFwd"),
            "ProductName": "Ticketry",
            "Version": ticketry_version(),
        }

    @cached_property
    def ticket_data(self) -> dict[str, object]:
        """The ticket's fields, each read only when a tag asks for it: most texts use the
        number and little else, and each related name would cost a query."""
        ticket = self.ticket
        return {
            "TicketNumber": ticket.tn,
            "TicketID": ticket.pk,
            "Title": ticket.title,
            "Queue": lambda: ticket.queue.name,
            "QueueID": ticket.queue_id,
            "State": lambda: ticket.state.name,
            "StateID": ticket.state_id,
            "StateType": lambda: ticket.state.type.name,
            "Priority": lambda: ticket.priority.name,
            "PriorityID": ticket.priority_id,
            "Lock": lambda: ticket.lock.name,
            "LockID": ticket.lock_id,
            "Type": lambda: ticket.type.name,
            "TypeID": ticket.type_id,
            "Service": lambda: ticket.service.name if ticket.service_id else "",
            "ServiceID": ticket.service_id or "",
            "SLA": lambda: ticket.sla.name if ticket.sla_id else "",
            "SLAID": ticket.sla_id or "",
            "CustomerID": ticket.customer_id,
            "CustomerUserID": ticket.customer_user_id,
            "Owner": lambda: ticket.owner.login,
            "OwnerID": ticket.owner_id,
            "Responsible": lambda: ticket.responsible.login,
            "ResponsibleID": ticket.responsible_id,
            "Created": _timestamp(ticket.created_at),
            "Changed": _timestamp(ticket.changed_at),
            "PendingTime": _timestamp(ticket.pending_until),
            "ArchiveFlag": "y" if ticket.archived else "n",
        }

    @cached_property
    def dynamic_field_data(self) -> dict[str, object]:
        values: dict[str, list[str]] = {}
        for row in DynamicFieldValue.objects.filter(
            object_id=self.ticket.pk, field__object_type="Ticket"
        ).select_related("field"):
            value = row.value_text
            if value is None:
                value = _timestamp(row.value_date) if row.value_date else str(row.value_int)
            values.setdefault(row.field.name, []).append(value)
        return {name: ", ".join(items) for name, items in values.items()}

    @cached_property
    def customer(self) -> CustomerUser | None:
        login = self.ticket.customer_user_id
        return CustomerUser.objects.filter(login=login).first() if login else None

    @cached_property
    def customer_data(self) -> dict[str, object]:
        customer = self.customer
        if customer is None:
            return {}
        return {
            "UserLogin": customer.login,
            "UserFirstname": customer.first_name,
            "UserLastname": customer.last_name,
            "UserFullname": f"{customer.first_name} {customer.last_name}".strip(),
            "UserEmail": customer.email,
            "UserCustomerID": customer.customer_id,
            "UserTitle": customer.title,
            "UserPhone": customer.phone,
            "UserMobile": customer.mobile,
            "UserStreet": customer.street,
            "UserZip": customer.zip,
            "UserCity": customer.city,
            "UserCountry": customer.country,
            "UserComment": customer.comment,
        }

    @cached_property
    def article(self) -> Article | None:
        if self.given_article is not None:
            return self.given_article
        articles = Article.objects.filter(ticket_id=self.ticket.pk).order_by("-id")
        return articles.filter(sender_type_id=SenderType.CUSTOMER).first() or articles.first()

    @cached_property
    def article_data(self) -> dict[str, object]:
        article = self.article
        if article is None:
            return {}
        return {
            "From": article.from_address,
            "To": article.to_address,
            "Cc": article.cc,
            "ReplyTo": article.reply_to,
            "Subject": article.subject,
            "Body": article.body,
            "MessageID": article.message_id,
            "InReplyTo": article.in_reply_to,
            "References": article.references,
            "ContentType": article.content_type,
            "ArticleID": article.pk,
        }

    @cached_property
    def customer_realname(self) -> str:
        customer = self.customer
        if customer is not None:
            name = f"{customer.first_name} {customer.last_name}".strip()
            if name:
                return name
        candidates = [self.recipient]
        if self.article is not None:
            candidates += [self.article.reply_to, self.article.from_address]
        for name, address in getaddresses([value for value in candidates if value]):
            if name or address:
                return name or address
        return UNKNOWN

    def _article_text(self, kind: str, limit: int | None) -> str:
        article = self.article
        if article is None:
            return UNKNOWN
        if kind == "SUBJECT":
            subject = subject_clean(self.ticket.tn, article.subject)
            # OTRS marks the cut even when the subject is exactly `limit` long.
            if limit is not None and len(subject) >= limit:
                subject = shorten(subject, limit)
            return subject
        lines = limit if limit is not None else ALL_LINES
        if kind == "EMAIL":
            return quote(article.body, lines)
        return "\n".join(_lines(article.body)[:lines])


def _lookup(data: dict[str, object], key: str) -> str:
    """Keys match case-insensitively, as OTRS's substitutions do; a callable value is read
    now."""
    wanted = key.lower()
    for name, value in data.items():
        if name.lower() == wanted:
            if callable(value):
                value = value()
            return "" if value is None else str(value)
    return UNKNOWN
