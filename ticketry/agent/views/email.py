"""The mail actions on a ticket: reply, reply to all, forward, bounce and a new email.

Opening one of them locks the ticket for the agent, as OTRS's RequiredLock does, so the
collision check sees a ticket that changed under the open form, not the lock itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from ticketry.accounts.models import Agent
from ticketry.agent import collision
from ticketry.agent.access import agent_ticket, agent_view
from ticketry.agent.forms.email import BounceForm, ComposeForm
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import DomainError, NotFound
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerUser
from ticketry.mail.outbound import compose_reply, replace_tags, send_email_article
from ticketry.mail.outbound.bounce import BOUNCE_TEXT, BounceNotice, bounce_article
from ticketry.mail.outbound.tags import quote
from ticketry.mail.raw_messages import has_raw_message
from ticketry.mail.subjects import subject_build
from ticketry.tickets.models import (
    Article,
    LockType,
    StandardTemplate,
    State,
    TemplateType,
    Ticket,
)
from ticketry.tickets.selectors import access_ticket
from ticketry.tickets.services import ticket_lock, ticket_set_state

BODY_TARGET = "compose-body"


@dataclass(frozen=True)
class Kind:
    """One of the mail screens, with OTRS's permission, template type, default next state
    and history type for it."""

    name: str
    heading: Promise
    permission: str
    template_type: str
    default_state: str
    history_type: str
    success: Promise


REPLY = Kind(
    "reply",
    gettext_lazy("Reply"),
    "compose",
    TemplateType.ANSWER,
    "open",
    "SendAnswer",
    gettext_lazy("Your reply is queued for sending."),
)
REPLY_ALL = Kind(
    "reply_all",
    gettext_lazy("Reply to all"),
    "compose",
    TemplateType.ANSWER,
    "open",
    "SendAnswer",
    gettext_lazy("Your reply is queued for sending."),
)
FORWARD = Kind(
    "forward",
    gettext_lazy("Forward"),
    "forward",
    TemplateType.FORWARD,
    "closed successful",
    "Forward",
    gettext_lazy("The forward is queued for sending."),
)
EMAIL = Kind(
    "email",
    gettext_lazy("Send email"),
    "compose",
    TemplateType.EMAIL,
    "open",
    "EmailAgent",
    gettext_lazy("Your email is queued for sending."),
)
BOUNCE = Kind(
    "bounce",
    gettext_lazy("Bounce"),
    "bounce",
    "",
    "closed successful",
    "Bounce",
    gettext_lazy("The mail is queued for bouncing."),
)


@agent_view
def ticket_reply(request: HttpRequest, ticket_id: int, article_id: int) -> HttpResponse:
    kind = REPLY_ALL if request.GET.get("all") == "1" else REPLY
    return _compose(request, kind, ticket_id, article_id)


@agent_view
def ticket_forward(request: HttpRequest, ticket_id: int, article_id: int) -> HttpResponse:
    return _compose(request, FORWARD, ticket_id, article_id)


@agent_view
def ticket_email(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _compose(request, EMAIL, ticket_id, None)


@agent_view
def ticket_bounce(request: HttpRequest, ticket_id: int, article_id: int) -> HttpResponse:
    actor = request.actor
    ticket = agent_ticket(actor, ticket_id, BOUNCE.permission)
    article = _article(ticket, article_id)
    page = _Page(request, BOUNCE, ticket, article)
    if not has_raw_message(article):
        return page.render(
            None,
            missing=_("This article has no original message, so it cannot be bounced."),
        )
    if request.method == "POST":
        form = BounceForm(request.POST)
        warnings: list[str] = []
        if form.is_valid():
            warnings = _stale_warnings(ticket, form, actor)
            if not warnings:
                try:
                    _bounce(request, ticket, article, form)
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(request, BOUNCE.success)
                    return _to_zoom(request, ticket)
            else:
                form = BounceForm(_confirming(request.POST, ticket))
        return page.render(form, warnings=warnings)
    lock_warning = _take_lock(actor, ticket)
    ticket = page.ticket = access_ticket(actor, ticket.pk, BOUNCE.permission)
    form = BounceForm(
        initial={
            "state": _state_id(BOUNCE.default_state),
            "inform_to": article.reply_to or article.from_address,
            "inform_subject": subject_build(ticket.tn, article.subject, kind="reply"),
            "inform_body": str(BOUNCE_TEXT),
            collision.FIELD_NAME: str(collision.ticket_version(ticket)),
        }
    )
    return page.render(form, lock_warning=lock_warning)


def _compose(
    request: HttpRequest, kind: Kind, ticket_id: int, article_id: int | None
) -> HttpResponse:
    actor = request.actor
    ticket = agent_ticket(actor, ticket_id, kind.permission)
    article = _article(ticket, article_id) if article_id is not None else None
    page = _Page(request, kind, ticket, article)
    if request.method == "POST":
        return _compose_post(request, page)
    template = _chosen_template(page.templates, request.GET.get("template"))
    if request.htmx and request.htmx.target == BODY_TARGET:
        body = page.prefill(template)["body"]
        return render(
            request,
            "agent/partials/field.html",
            {"field": page.form(initial={"body": body})["body"]},
        )
    lock_warning = _take_lock(actor, ticket)
    page.ticket = access_ticket(actor, ticket.pk, kind.permission)
    initial = {
        **page.prefill(template),
        "template": template.pk if template else None,
        "state": _state_id(kind.default_state),
        collision.FIELD_NAME: str(collision.ticket_version(page.ticket)),
    }
    if kind is FORWARD:
        initial["originals"] = list(article.attachments.values_list("pk", flat=True))
    return page.render(page.form(initial=initial), lock_warning=lock_warning, restore=not template)


def _compose_post(request: HttpRequest, page: _Page) -> HttpResponse:
    actor = request.actor
    ticket = page.ticket
    if "apply_template" in request.POST:
        # Without JavaScript the template comes in by a post that only re-renders the form.
        typed = page.form(request.POST)
        initial = {name: typed[name].value() for name in typed.fields if name != "attachments"}
        template = _chosen_template(page.templates, request.POST.get("template"))
        initial["body"] = page.prefill(template)["body"]
        return page.render(page.form(initial=initial), files_lost=bool(request.FILES))
    form = page.form(request.POST, request.FILES)
    warnings: list[str] = []
    if form.is_valid():
        warnings = _stale_warnings(ticket, form, actor)
        if not warnings:
            try:
                _send(request, page, form)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, page.kind.success)
                return _to_zoom(request, ticket)
        else:
            form = page.form(_confirming(request.POST, ticket), request.FILES)
    return page.render(form, warnings=warnings, files_lost=bool(request.FILES))


def _send(request: HttpRequest, page: _Page, form: ComposeForm) -> None:
    actor = request.actor
    data = form.cleaned_data
    state = data["state"]
    with transaction.atomic():
        if page.ticket.lock_id != LockType.LOCK:
            ticket_lock(actor=actor, ticket=page.ticket)
        send_email_article(
            actor=actor,
            ticket=page.ticket,
            to=data["to"],
            cc=data["cc"],
            bcc=data["bcc"],
            subject=data["subject"],
            body=data["body"],
            attachments=form.attachment_inputs(),
            in_reply_to=page.article,
            is_visible_for_customer=data.get("is_visible_for_customer", True),
            history_type=page.kind.history_type,
            time_units=data["time_units"] or None,
        )
        ticket_set_state(
            actor=actor,
            ticket=page.ticket,
            state=state.pk,
            pending_until=data["pending_until"] if state.is_pending else None,
        )


def _bounce(request: HttpRequest, ticket: Ticket, article: Article, form: BounceForm) -> None:
    actor = request.actor
    data = form.cleaned_data
    notice = None
    if data["inform_sender"]:
        notice = BounceNotice(
            to=data["inform_to"], subject=data["inform_subject"], body=data["inform_body"]
        )
    with transaction.atomic():
        if ticket.lock_id != LockType.LOCK:
            ticket_lock(actor=actor, ticket=ticket)
        bounce_article(
            actor=actor,
            article=article,
            to=data["to"],
            notice=notice,
            state=data["state"].pk,
            agent=request.user,
        )


class _Page:
    """What every mail screen of one ticket and article needs to render."""

    def __init__(
        self, request: HttpRequest, kind: Kind, ticket: Ticket, article: Article | None
    ) -> None:
        self.request = request
        self.kind = kind
        self.ticket = ticket
        self.article = article
        self.templates = StandardTemplate.objects.valid().filter(
            template_type=kind.template_type, queues=ticket.queue_id
        )

    @property
    def url(self) -> str:
        if self.article is None:
            return reverse(f"agent:ticket_{self.kind.name}", args=[self.ticket.pk])
        name = "reply" if self.kind is REPLY_ALL else self.kind.name
        url = reverse(f"agent:ticket_{name}", args=[self.ticket.pk, self.article.pk])
        return f"{url}?{urlencode({'all': 1})}" if self.kind is REPLY_ALL else url

    def form(self, *args: Any, **kwargs: Any) -> ComposeForm:
        originals = self.article.attachments.all() if self.kind is FORWARD else None
        form = ComposeForm(
            *args,
            kind=self.kind.name,
            templates=self.templates,
            originals=originals,
            **kwargs,
        )
        select = form.fields["template"].widget
        select.attrs["hx-get"] = self.url
        select.attrs["hx-target"] = f"#{BODY_TARGET}"
        select.attrs["hx-swap"] = "innerHTML"
        return form

    def prefill(self, template: StandardTemplate | None) -> dict[str, str]:
        """To, Cc, subject and body the form starts with."""
        text = template.text if template is not None else ""
        ticket, article, agent = self.ticket, self.article, self.request.user
        if self.kind in (REPLY, REPLY_ALL):
            draft = compose_reply(
                ticket=ticket,
                article=article,
                agent=agent,
                reply_all=self.kind is REPLY_ALL,
                template_text=text,
            )
            return {"to": draft.to, "cc": draft.cc, "subject": draft.subject, "body": draft.body}
        if self.kind is FORWARD:
            return {
                "to": "",
                "cc": "",
                "subject": subject_build(ticket.tn, article.subject, kind="forward"),
                "body": _own_text(ticket, article, agent, text) + "\n" + _forwarded(article),
            }
        return {
            "to": _customer_email(ticket),
            "cc": "",
            "subject": subject_build(ticket.tn, ticket.title, kind="new"),
            "body": _own_text(ticket, None, agent, text),
        }

    def render(
        self,
        form: ComposeForm | BounceForm | None,
        *,
        warnings: list[str] | None = None,
        lock_warning: str = "",
        restore: bool = False,
        files_lost: bool = False,
        missing: str = "",
    ) -> HttpResponse:
        article_id = self.article.pk if self.article is not None else 0
        context = {
            "kind": self.kind.name,
            "heading": self.kind.heading,
            "ticket": self.ticket,
            "article": self.article,
            "form": form,
            "action_url": self.url,
            "from_address": _sender(self.ticket),
            "has_templates": self.kind is not BOUNCE and self.templates.exists(),
            "stale_warnings": warnings or [],
            "lock_warning": lock_warning,
            "files_lost": files_lost,
            "missing": missing,
            "draft_key": f"ticketry-draft:{self.ticket.pk}:{article_id}:{self.kind.name}",
            "draft_restore": restore,
            "body_target": BODY_TARGET,
        }
        template = "agent/partials/compose_form.html" if self.request.htmx else "agent/compose.html"
        return render(self.request, template, context)


def _article(ticket: Ticket, article_id: int) -> Article:
    article = ticket.articles.filter(pk=article_id).first()
    if article is None:
        raise NotFound(
            _("Article %(article)s is not part of ticket %(tn)s."), article=article_id, tn=ticket.tn
        )
    return article


def _take_lock(actor: Actor, ticket: Ticket) -> str:
    """Lock the ticket for the agent (OTRS RequiredLock); a warning if someone else holds it."""
    if ticket.lock_id == LockType.LOCK:
        if ticket.owner_id == actor.agent_id:
            return ""
        return _(
            "%(owner)s has locked this ticket. You can write your mail, but check with them "
            "before you send it."
        ) % {"owner": ticket.owner}
    try:
        ticket_lock(actor=actor, ticket=ticket)
    except DomainError as error:
        return error.message
    return ""


def _stale_warnings(ticket: Ticket, form: ComposeForm | BounceForm, actor: Actor) -> list[str]:
    """What changed since the form was loaded; nothing once the agent has confirmed the
    changes shown and the ticket has not changed again since."""
    data = form.cleaned_data
    now = str(collision.ticket_version(ticket))
    if data.get("confirm_stale") and data.get("confirmed_version") == now:
        return []
    return collision.changes_since(ticket, data.get(collision.FIELD_NAME) or "", actor=actor)


def _confirming(data: QueryDict, ticket: Ticket) -> QueryDict:
    """The posted form again, asking to confirm the ticket as it is now."""
    copy = data.copy()
    copy["confirmed_version"] = str(collision.ticket_version(ticket))
    copy.pop("confirm_stale", None)
    return copy


def _to_zoom(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("agent:ticket_zoom", args=[ticket.pk])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _chosen_template(
    templates: QuerySet[StandardTemplate], value: str | None
) -> StandardTemplate | None:
    if not value or not value.isdigit():
        return None
    return templates.filter(pk=int(value)).first()


def _state_id(name: str) -> int | None:
    return State.objects.valid().filter(name=name).values_list("pk", flat=True).first()


def _sender(ticket: Ticket) -> str:
    address = ticket.queue.system_address
    if address is None:
        return ""
    return f"{address.realname} <{address.name}>"


def _customer_email(ticket: Ticket) -> str:
    if not ticket.customer_user_id:
        return ""
    emails = CustomerUser.objects.filter(login=ticket.customer_user_id).values_list(
        "email", flat=True
    )
    return emails.first() or ""


def _own_text(ticket: Ticket, article: Article | None, agent: Agent, template_text: str) -> str:
    """The template's text and the queue's signature, tags filled in."""

    def fill(text: str) -> str:
        text = replace_tags(text, ticket=ticket, article=article, agent=agent)
        return text.replace("\r\n", "\n").rstrip("\n") + "\n"

    parts = [fill(template_text) if template_text.strip() else "\n"]
    signature = ticket.queue.signature
    if signature is not None and signature.valid == Validity.VALID:
        parts.append(fill(signature.text))
    return "".join(parts)


def _forwarded(article: Article) -> str:
    """The forwarded article: its headers, then its text quoted."""
    moment = clock.localtime(article.incoming_at or article.created_at)
    headers = [
        ("From", article.from_address),
        ("To", article.to_address),
        ("Cc", article.cc),
        ("Date", formats.date_format(moment, "DATETIME_FORMAT")),
        ("Subject", article.subject),
    ]
    lines = [
        "---- "
        + _("Forwarded message from %(sender)s") % {"sender": article.from_address or "-"}
        + " ---",
        "",
        *(f"{name}: {value}" for name, value in headers if value),
        "",
    ]
    quoted = quote(article.body)
    if quoted:
        lines += [quoted, ""]
    lines.append("---- " + _("End forwarded message") + " ---")
    return "\n".join(lines) + "\n"


urlpatterns = [
    path(
        "tickets/<int:ticket_id>/articles/<int:article_id>/reply/",
        ticket_reply,
        name="ticket_reply",
    ),
    path(
        "tickets/<int:ticket_id>/articles/<int:article_id>/forward/",
        ticket_forward,
        name="ticket_forward",
    ),
    path(
        "tickets/<int:ticket_id>/articles/<int:article_id>/bounce/",
        ticket_bounce,
        name="ticket_bounce",
    ),
    path("tickets/<int:ticket_id>/email/", ticket_email, name="ticket_email"),
]
