"""What the ticket zoom, history and print screens show, each read with a fixed number of
queries however long the ticket's thread and history are."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape, unescape

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerCompany, CustomerUser
from ticketry.mail.parsing.html import (
    is_too_complex,
    referenced_cids,
    sanitize_html,
    strip_tags,
)
from ticketry.mail.raw_messages import with_raw_message_flag
from ticketry.tickets.models import (
    Article,
    Attachment,
    DynamicField,
    DynamicFieldValue,
    StateType,
    Ticket,
    TicketFlag,
    TicketHistory,
    TicketLink,
    TimeAccounting,
)
from ticketry.tickets.permissions import visible_tickets
from ticketry.tickets.seen import SEEN, unseen_articles

from .history_text import history_text, history_type_label

ARTICLE_PAGE_SIZE = 30
OLDEST_FIRST = "asc"
NEWEST_FIRST = "desc"
OPEN_TICKETS_SHOWN = 10
# Images a browser shows without running anything: no SVG, which may carry scripts.
INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif"}
)
# Inline images go into the mail frame as data: URLs: the sandboxed frame has no origin of
# its own, so browsers send no session cookie with its requests and could not load them.
MAX_EMBEDDED_IMAGE_BYTES = 2 * 1024 * 1024
MAX_EMBEDDED_BYTES = 10 * 1024 * 1024
FieldType = DynamicField.FieldType


@dataclass(frozen=True)
class ShownArticle:
    """An article as the thread shows it: `attachments` leaves out the inline images its HTML
    version shows in place."""

    article: Article
    attachments: list[Attachment]
    # New to the agent when the page was loaded.
    unseen: bool = False

    @property
    def is_internal(self) -> bool:
        return not self.article.is_visible_for_customer

    @property
    def has_html(self) -> bool:
        return bool(self.article.body_html)

    @property
    def has_raw_message(self) -> bool:
        return bool(self.article.has_raw_message)


@dataclass(frozen=True)
class Thread:
    """The part of a ticket's articles on screen, in the order asked for."""

    articles: list[ShownArticle]
    total: int
    order: str
    showing_all: bool

    @property
    def older(self) -> int:
        return self.total - len(self.articles)

    @property
    def newest_first(self) -> bool:
        return self.order == NEWEST_FIRST


@dataclass(frozen=True)
class Escalation:
    label: str
    at: datetime
    is_past: bool


@dataclass(frozen=True)
class ShownField:
    """A dynamic field's value: text, or dates that the template formats for the agent."""

    label: str
    texts: list[str]
    dates: list[datetime]
    with_time: bool


@dataclass(frozen=True)
class CustomerPanel:
    login: str
    customer_id: str
    user: CustomerUser | None
    company: CustomerCompany | None
    open_tickets: list[Ticket]


@dataclass(frozen=True)
class LinkedTicket:
    ticket: Ticket
    # How the other ticket relates to this one: "Normal", "Parent" or "Child".
    relation: str


@dataclass(frozen=True)
class TicketFacts:
    """What the zoom shows about a ticket besides its own columns and articles."""

    escalations: list[Escalation]
    dynamic_fields: list[ShownField]
    accounted_time: Decimal
    customer: CustomerPanel | None
    links: list[LinkedTicket]


@dataclass(frozen=True)
class HistoryLine:
    entry: TicketHistory
    action: str
    text: str


def parse_order(value: str | None) -> str:
    return NEWEST_FIRST if value == NEWEST_FIRST else OLDEST_FIRST


def _articles(ticket: Ticket) -> QuerySet[Article]:
    return with_raw_message_flag(
        Article.objects.filter(ticket=ticket)
        .select_related("sender_type", "channel", "created_by")
        .prefetch_related("attachments")
    )


def _shown(article: Article, *, unseen: bool = False) -> ShownArticle:
    attachments = list(article.attachments.all())
    embedded = embedded_images(article, attachments)
    listed = [a for a in attachments if a not in embedded]
    return ShownArticle(article=article, attachments=listed, unseen=unseen)


def embedded_images(article: Article, attachments: list[Attachment]) -> list[Attachment]:
    """The inline images the article's HTML version shows in place (and the attachment list
    leaves out): plain images its HTML refers to by `cid:`, as far as the size limits allow."""
    if not article.body_html:
        return []
    referenced = referenced_cids(article.body_html)
    chosen: list[Attachment] = []
    total = 0
    for attachment in attachments:
        cid = _bare_cid(attachment.content_id)
        if (
            not cid
            or cid not in referenced
            or media_type(attachment.content_type) not in INLINE_IMAGE_TYPES
            or attachment.size > MAX_EMBEDDED_IMAGE_BYTES
            or total + attachment.size > MAX_EMBEDDED_BYTES
        ):
            continue
        chosen.append(attachment)
        total += attachment.size
    return chosen


def _bare_cid(content_id: str) -> str:
    return content_id.strip().strip("<>").strip()


def media_type(content_type: str) -> str:
    """`image/png` of `image/PNG; name=x.png`."""
    return content_type.split(";")[0].strip().lower()


def article_thread(
    ticket: Ticket,
    *,
    order: str = OLDEST_FIRST,
    show_all: bool = False,
    page_size: int = ARTICLE_PAGE_SIZE,
    unseen: frozenset[int] = frozenset(),
) -> Thread:
    """The newest `page_size` articles (all with `show_all`), oldest or newest first; those
    in `unseen` marked as new to the agent."""
    articles = _articles(ticket)
    if show_all:
        rows = list(articles.order_by("id"))
        total = len(rows)
    else:
        total = articles.count()
        rows = list(articles.order_by("-id")[:page_size])
        rows.reverse()
    if order == NEWEST_FIRST:
        rows.reverse()
    return Thread(
        articles=[_shown(article, unseen=article.pk in unseen) for article in rows],
        total=total,
        order=order,
        showing_all=show_all or total <= page_size,
    )


def all_articles(ticket: Ticket) -> list[ShownArticle]:
    """Every article, oldest first, for the print view."""
    return [_shown(article) for article in _articles(ticket).order_by("id")]


def escalations(ticket: Ticket) -> list[Escalation]:
    now = clock.now()
    times = (
        (_("First response"), ticket.escalation_response_at),
        (_("Update"), ticket.escalation_update_at),
        (_("Solution"), ticket.escalation_solution_at),
    )
    return [Escalation(label=label, at=at, is_past=at <= now) for label, at in times if at]


def dynamic_fields(ticket: Ticket) -> list[ShownField]:
    """The ticket's dynamic fields that have a value, in the admin's order."""
    rows = (
        DynamicFieldValue.objects.filter(
            object_id=ticket.pk,
            field__object_type=DynamicField.ObjectType.TICKET,
            field__valid=Validity.VALID,
        )
        .select_related("field")
        .order_by("field__field_order", "field__name", "id")
    )
    grouped: dict[int, list[DynamicFieldValue]] = {}
    for row in rows:
        grouped.setdefault(row.field_id, []).append(row)
    return [_shown_field(values[0].field, values) for values in grouped.values()]


def _shown_field(field: DynamicField, rows: list[DynamicFieldValue]) -> ShownField:
    kind = field.field_type
    texts: list[str] = []
    dates: list[datetime] = []
    if kind == FieldType.CHECKBOX:
        texts = [_("Checked") if rows[0].value_int else _("Unchecked")]
    elif kind in (FieldType.DATE, FieldType.DATETIME):
        dates = [row.value_date for row in rows if row.value_date]
    else:
        possible = field.config.get("possible_values") or {}
        texts = [possible.get(row.value_text, row.value_text) for row in rows if row.value_text]
    return ShownField(
        label=field.label, texts=texts, dates=dates, with_time=kind == FieldType.DATETIME
    )


def accounted_time(ticket: Ticket) -> Decimal:
    total = TimeAccounting.objects.filter(ticket=ticket).aggregate(total=Sum("time_units"))
    return total["total"] or Decimal(0)


def customer_panel(ticket: Ticket, visible: QuerySet[Ticket]) -> CustomerPanel | None:
    """The ticket's customer and their other open tickets among `visible`."""
    login, customer_id = ticket.customer_user_id, ticket.customer_id
    if not login and not customer_id:
        return None
    user = CustomerUser.objects.filter(login=login).first() if login else None
    company = (
        CustomerCompany.objects.filter(customer_id=customer_id).first() if customer_id else None
    )
    same_customer = Q(customer_user_id=login) if login else Q(customer_id=customer_id)
    others = (
        visible.filter(same_customer, state__type__name__in=StateType.VIEWABLE)
        .exclude(pk=ticket.pk)
        .select_related("state", "queue")
        .order_by("-created_at", "-id")[:OPEN_TICKETS_SHOWN]
    )
    return CustomerPanel(
        login=login, customer_id=customer_id, user=user, company=company, open_tickets=list(others)
    )


def linked_tickets(ticket: Ticket, visible: QuerySet[Ticket]) -> list[LinkedTicket]:
    """Tickets linked to `ticket` either way, among `visible`."""
    visible_ids = visible.values("pk")
    links = (
        TicketLink.objects.filter(
            Q(source=ticket, target__in=visible_ids) | Q(target=ticket, source__in=visible_ids)
        )
        .select_related("link_type", "source__state", "target__state")
        .order_by("link_type_id", "created_at", "id")
    )
    shown = []
    for link in links:
        if link.source_id == ticket.pk:
            shown.append(LinkedTicket(ticket=link.target, relation=link.link_type.target_name))
        else:
            shown.append(LinkedTicket(ticket=link.source, relation=link.link_type.source_name))
    return shown


def ticket_facts(actor: Actor, ticket: Ticket) -> TicketFacts:
    visible = visible_tickets(actor)
    return TicketFacts(
        escalations=escalations(ticket),
        dynamic_fields=dynamic_fields(ticket),
        accounted_time=accounted_time(ticket),
        customer=customer_panel(ticket, visible),
        links=linked_tickets(ticket, visible),
    )


def unseen_article_ids(actor: Actor, ticket: Ticket) -> frozenset[int]:
    """The articles the agent has not seen yet, to mark them in the thread."""
    return frozenset(unseen_articles(ticket, actor.id).values_list("pk", flat=True))


def has_seen(actor: Actor, ticket: Ticket) -> bool:
    """Whether the agent's Seen flag is set already, so opening the ticket need not write."""
    return TicketFlag.objects.filter(ticket=ticket, agent_id=actor.id, key=SEEN).exists()


def history_lines(ticket: Ticket) -> list[HistoryLine]:
    """The ticket's history, oldest first (OTRS's HistoryOrder `normal`), as sentences."""
    entries = (
        TicketHistory.objects.filter(ticket=ticket)
        .select_related("history_type", "created_by")
        .order_by("created_at", "id")
    )
    return [
        HistoryLine(
            entry=entry,
            action=history_type_label(entry.history_type.name),
            text=history_text(entry.history_type.name, entry.name),
        )
        for entry in entries
    ]


_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
# The sanitiser writes every attribute with double quotes.
_SRC_ATTRIBUTE = re.compile(r'\ssrc="([^"]*)"', re.IGNORECASE)


def article_html_document(article: Article, attachments: list[Attachment]) -> str:
    """The article's HTML version as a document of its own, for a sandboxed frame: sanitised
    (again, for articles that did not come through the mail parser), inline images embedded
    and remote images removed, as loading them would tell the sender who reads the mail."""
    html = article.body_html
    html = _as_preformatted(strip_tags(html)) if is_too_complex(html) else sanitize_html(html)
    sources = {
        _bare_cid(image.content_id): data_url
        for image in embedded_images(article, attachments)
        if (data_url := _data_url(image))
    }

    def image(match: re.Match[str]) -> str:
        def source(src: re.Match[str]) -> str:
            value = unescape(src.group(1)).strip()
            if value[:4].lower() == "cid:" and value[4:] in sources:
                return f' src="{sources[value[4:]]}"'
            return ""

        return _SRC_ATTRIBUTE.sub(source, match.group(0))

    body = _IMG_TAG.sub(image, html)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer"></head>'
        f"<body>{body}</body></html>"
    )


def _data_url(image: Attachment) -> str:
    try:
        with image.content.open("rb") as stored:
            content = stored.read()
    except (OSError, ValueError):
        return ""
    encoded = base64.b64encode(content).decode("ascii")
    return f"data:{media_type(image.content_type)};base64,{encoded}"


def _as_preformatted(text: str) -> str:
    return f'<pre style="white-space: pre-wrap">{escape(text)}</pre>'
