"""Ticket actions from the zoom screen (note, phone call, lock, move, owner, state, links,
merge, split ...) and the screens that open tickets (phone ticket, email ticket).

An action's form carries the ticket's version: a change by someone else since the form was
loaded is shown to the agent, and nothing is written until the agent confirms. The services
an action calls run in one transaction, so a refusal of a later step leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ticketry.agent import collision
from ticketry.agent.access import agent_ticket, agent_view
from ticketry.agent.forms import actions as action_forms
from ticketry.agent.forms.new_ticket import (
    EmailTicketForm,
    NewTicketForm,
    PhoneTicketForm,
    SplitForm,
    attachment_inputs,
)
from ticketry.agent.ticket_actions import (
    ActionSpec,
    action_spec,
    owner_lock_conflict,
    ticket_for_change,
)
from ticketry.core.errors import DomainError, NotFound
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerUser
from ticketry.mail.outbound.new_ticket import email_ticket_create
from ticketry.tickets.models import Article, LockType, StateType, Ticket
from ticketry.tickets.permissions import ticket_permission, visible_tickets
from ticketry.tickets.services import (
    ArticleInput,
    article_create,
    ticket_account_time,
    ticket_create,
    ticket_link_add,
    ticket_link_remove,
    ticket_lock,
    ticket_merge,
    ticket_move,
    ticket_set_customer,
    ticket_set_owner,
    ticket_set_priority,
    ticket_set_responsible,
    ticket_set_state,
    ticket_set_title,
    ticket_set_type,
    ticket_split,
    ticket_unlock,
    ticket_unwatch,
    ticket_watch,
)
from ticketry.tickets.services.history import history_args

SUGGESTIONS_LIMIT = 10
SUGGESTIONS_MIN_LENGTH = 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action reports, and the ticket to show afterwards."""

    message: str
    ticket_id: int


Perform = Callable[[HttpRequest, Ticket, dict], Outcome]


# --- the actions -------------------------------------------------------------------------


def _account(request: HttpRequest, ticket: Ticket, data: dict, article: Article | None) -> None:
    if data.get("time_units"):
        ticket_account_time(
            actor=request.actor, ticket=ticket.pk, time_units=data["time_units"], article=article
        )


def _optional_note(request: HttpRequest, ticket: Ticket, data: dict, spec: ActionSpec) -> None:
    """The internal note an action may come with (OTRS history comment: the action's name)."""
    article = None
    if data.get("note_body", "").strip():
        article = article_create(
            actor=request.actor,
            ticket=ticket.pk,
            article=ArticleInput(
                channel="Internal",
                sender_type="agent",
                subject=data.get("note_subject") or str(spec.label),
                body=data["note_body"],
                history_type="AddNote",
                history_comment=history_args(spec.name.capitalize()),
            ),
        )
    _account(request, ticket, data, article)


def _next_state(request: HttpRequest, ticket: Ticket, data: dict) -> None:
    if data.get("next_state") is not None:
        ticket_set_state(
            actor=request.actor,
            ticket=ticket.pk,
            state=data["next_state"],
            pending_until=data.get("pending_until"),
        )


def _note(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    article = article_create(
        actor=request.actor,
        ticket=ticket.pk,
        article=ArticleInput(
            channel="Internal",
            sender_type="agent",
            is_visible_for_customer=data["visible_for_customer"],
            subject=data["subject"],
            body=data["body"],
            history_type="AddNote",
            history_comment=history_args("Note"),
        ),
    )
    _account(request, ticket, data, article)
    _next_state(request, ticket, data)
    return Outcome(_("The note was added."), ticket.pk)


def _customer_address(ticket: Ticket) -> str:
    user = CustomerUser.objects.filter(login=ticket.customer_user_id).first()
    if user is None or not user.email:
        return ticket.customer_user_id
    name = f"{user.first_name} {user.last_name}".strip()
    return str(Address(display_name=name, addr_spec=user.email))


def _phone_call(*, outbound: bool) -> Perform:
    """OTRS AgentTicketPhoneOutbound / Inbound: a Phone article from the agent or customer."""

    def perform(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
        agent = request.user.full_name or request.user.login
        customer = _customer_address(ticket)
        article = article_create(
            actor=request.actor,
            ticket=ticket.pk,
            article=ArticleInput(
                channel="Phone",
                sender_type="agent" if outbound else "customer",
                is_visible_for_customer=True,
                from_address=agent if outbound else customer,
                to_address=customer if outbound else agent,
                subject=data["subject"],
                body=data["body"],
                history_type="PhoneCallAgent" if outbound else "PhoneCallCustomer",
                history_comment="%%",
            ),
        )
        _account(request, ticket, data, article)
        _next_state(request, ticket, data)
        return Outcome(_("The phone call was recorded."), ticket.pk)

    return perform


def _lock(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_lock(actor=request.actor, ticket=ticket.pk)
    return Outcome(_("The ticket is locked for you."), ticket.pk)


def _unlock(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_unlock(actor=request.actor, ticket=ticket.pk)
    return Outcome(_("The ticket is unlocked."), ticket.pk)


def _move(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("move"))
    ticket_move(actor=request.actor, ticket=ticket.pk, queue=data["queue"])
    if data.get("new_owner") is not None:
        ticket_set_owner(actor=request.actor, ticket=ticket.pk, owner=data["new_owner"])
    return Outcome(
        _("The ticket was moved to “%(queue)s”.") % {"queue": data["queue"].name}, ticket.pk
    )


def _owner(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("owner"))
    ticket_set_owner(actor=request.actor, ticket=ticket.pk, owner=data["owner"])
    return Outcome(_("The owner is now %(agent)s.") % {"agent": data["owner"]}, ticket.pk)


def _responsible(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("responsible"))
    ticket_set_responsible(actor=request.actor, ticket=ticket.pk, responsible=data["responsible"])
    return Outcome(
        _("The responsible agent is now %(agent)s.") % {"agent": data["responsible"]}, ticket.pk
    )


def _priority(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("priority"))
    ticket_set_priority(actor=request.actor, ticket=ticket.pk, priority=data["priority"])
    return Outcome(_("The priority was changed."), ticket.pk)


def _pending(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("pending"))
    ticket_set_state(
        actor=request.actor,
        ticket=ticket.pk,
        state=data["state"],
        pending_until=data["pending_until"],
    )
    return Outcome(_("The ticket is pending."), ticket.pk)


def _close(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    _optional_note(request, ticket, data, action_spec("close"))
    ticket_set_state(actor=request.actor, ticket=ticket.pk, state=data["state"])
    return Outcome(_("The ticket was closed."), ticket.pk)


def _title(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_set_title(actor=request.actor, ticket=ticket.pk, title=data["title"])
    return Outcome(_("The title was changed."), ticket.pk)


def _type(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_set_type(actor=request.actor, ticket=ticket.pk, type=data["type"])
    return Outcome(_("The type was changed."), ticket.pk)


def _customer(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    customer = data["customer_user"]
    ticket_set_customer(
        actor=request.actor,
        ticket=ticket.pk,
        customer_user=customer.login,
        customer_id=data["customer_id"],
        allow_unknown_customer=not customer.known,
    )
    return Outcome(_("The customer was changed."), ticket.pk)


def _watch(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_watch(actor=request.actor, ticket=ticket.pk)
    return Outcome(_("You are watching this ticket."), ticket.pk)


def _unwatch(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    ticket_unwatch(actor=request.actor, ticket=ticket.pk)
    return Outcome(_("You no longer watch this ticket."), ticket.pk)


def _link(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    other = data["target"]
    direction = data["link_type"]
    source, target = (
        (other, ticket)
        if direction == action_forms.LinkDirection.CHILD
        else (
            ticket,
            other,
        )
    )
    ticket_link_add(
        actor=request.actor,
        source=source.pk,
        target=target.pk,
        link_type="Normal" if direction == action_forms.LinkDirection.NORMAL else "ParentChild",
    )
    return Outcome(_("The ticket was linked with %(tn)s.") % {"tn": other.tn}, ticket.pk)


def _unlink(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    link = data["link"]
    ticket_link_remove(
        actor=request.actor,
        source=link.source_id,
        target=link.target_id,
        link_type=link.link_type_id,
    )
    return Outcome(_("The link was removed."), ticket.pk)


def _merge(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    target = data["target"]
    ticket_merge(actor=request.actor, source=ticket.pk, target=target.pk)
    return Outcome(
        _("Ticket %(source)s was merged into %(target)s.")
        % {"source": ticket.tn, "target": target.tn},
        target.pk,
    )


def _split(request: HttpRequest, ticket: Ticket, data: dict) -> Outcome:
    customer = data["customer_user"]
    child = ticket_split(
        actor=request.actor,
        article=_split_article(request, ticket),
        title=data["title"],
        queue=data["queue"],
        subject=data["subject"] or data["title"],
        body=data["body"],
        state=data["state"],
        priority=data["priority"],
        type=data["type"],
        owner=data["owner"],
        responsible=data["responsible"],
        customer_user=customer.login,
        customer_id=data["customer_id"],
        allow_unknown_customer=not customer.known,
        pending_until=data["pending_until"],
        time_units=data["time_units"],
    )
    return Outcome(_("Ticket %(tn)s was split off.") % {"tn": child.tn}, child.pk)


ACTIONS: dict[str, tuple[type[forms.Form], Perform]] = {
    "note": (action_forms.NoteForm, _note),
    "phone_out": (action_forms.PhoneOutboundForm, _phone_call(outbound=True)),
    "phone_in": (action_forms.PhoneInboundForm, _phone_call(outbound=False)),
    "lock": (action_forms.ConfirmForm, _lock),
    "unlock": (action_forms.ConfirmForm, _unlock),
    "move": (action_forms.MoveForm, _move),
    "owner": (action_forms.OwnerForm, _owner),
    "responsible": (action_forms.ResponsibleForm, _responsible),
    "priority": (action_forms.PriorityForm, _priority),
    "pending": (action_forms.PendingForm, _pending),
    "close": (action_forms.CloseForm, _close),
    "title": (action_forms.TitleForm, _title),
    "type": (action_forms.TypeForm, _type),
    "customer": (action_forms.CustomerForm, _customer),
    "watch": (action_forms.ConfirmForm, _watch),
    "unwatch": (action_forms.ConfirmForm, _unwatch),
    "link": (action_forms.LinkForm, _link),
    "unlink": (action_forms.UnlinkForm, _unlink),
    "merge": (action_forms.MergeForm, _merge),
    "split": (SplitForm, _split),
}


# --- the action screen -------------------------------------------------------------------


@agent_view
def ticket_action(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    """GET shows the action's form (the partial for htmx), POST does the action."""
    spec = action_spec(action)
    ticket = agent_ticket(request.actor, ticket_id, spec.permission)
    form = _action_form(request, spec, ticket, bound=request.method == "POST")
    if request.method == "POST" and form.is_valid():
        return _submit(request, spec, ticket, form)
    return _render_action(request, spec, ticket, form)


def _action_form(
    request: HttpRequest, spec: ActionSpec, ticket: Ticket, *, bound: bool
) -> forms.Form:
    form_class, _perform = ACTIONS[spec.name]
    data = (request.POST, request.FILES) if bound else (None, None)
    if spec.name == "split":
        article = _split_article(request, ticket)
        initial = {
            "customer_user": ticket.customer_user_id,
            "customer_id": ticket.customer_id,
            "queue": ticket.queue_id,
            "title": article.subject or ticket.title,
            "subject": article.subject,
            "body": article.body,
            "priority": ticket.priority_id,
        }
        return form_class(*data, actor=request.actor, initial=initial)
    return form_class(*data, actor=request.actor, ticket=ticket, spec=spec)


def _split_article(request: HttpRequest, ticket: Ticket) -> Article:
    article_id = request.GET.get("article", "")
    article = (
        Article.objects.filter(pk=article_id, ticket_id=ticket.pk).first()
        if article_id.isdigit()
        else None
    )
    if article is None:
        raise NotFound(_("Unknown article “%(ref)s”."), ref=article_id)
    return article


def _submit(
    request: HttpRequest, spec: ActionSpec, ticket: Ticket, form: forms.Form
) -> HttpResponse:
    _form_class, perform = ACTIONS[spec.name]
    try:
        with transaction.atomic():
            current = ticket_for_change(request.actor, ticket.pk, spec.permission)
            if spec.checks_collision:
                warnings = _stale_warnings(request, form, current)
                if warnings:
                    restamped = _restamped(request, spec, current, form)
                    return _render_action(request, spec, current, restamped, warnings=warnings)
            if spec.required_lock:
                _take_lock(request, current)
            outcome = perform(request, current, form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_action(request, spec, ticket, form)
    messages.success(request, outcome.message)
    return _to_zoom(request, outcome.ticket_id)


def _stale_warnings(request: HttpRequest, form: forms.Form, ticket: Ticket) -> list[str]:
    """Changes since the form was loaded; none once the agent confirmed the latest version."""
    seen = form.cleaned_data.get(collision.FIELD_NAME, "")
    if form.cleaned_data.get("confirm_stale") and seen == str(collision.ticket_version(ticket)):
        return []
    return collision.changes_since(ticket, seen, actor=request.actor)


def _restamped(
    request: HttpRequest, spec: ActionSpec, ticket: Ticket, form: forms.Form
) -> forms.Form:
    """The agent's input again, now carrying the ticket's current version."""
    data = form.data.copy()
    data[collision.FIELD_NAME] = str(collision.ticket_version(ticket))
    data.pop("confirm_stale", None)
    form_class, _perform = ACTIONS[spec.name]
    return form_class(data, form.files, actor=request.actor, ticket=ticket, spec=spec)


def _take_lock(request: HttpRequest, ticket: Ticket) -> None:
    """OTRS RequiredLock: lock an unlocked ticket for the agent before the action."""
    conflict = owner_lock_conflict(request.actor, ticket)
    if conflict is not None:
        raise conflict
    if ticket.lock_id == LockType.UNLOCK and ticket_permission(request.actor, ticket, "lock"):
        ticket_lock(actor=request.actor, ticket=ticket.pk)


def _render_action(
    request: HttpRequest,
    spec: ActionSpec,
    ticket: Ticket,
    form: forms.Form,
    *,
    warnings: list[str] | None = None,
) -> HttpResponse:
    action_url = reverse("agent:ticket_action", args=[ticket.pk, spec.name])
    if spec.name == "split":
        action_url += f"?article={_split_article(request, ticket).pk}"
    lock_conflict = owner_lock_conflict(request.actor, ticket) if spec.required_lock else None
    context = {
        "ticket": ticket,
        "spec": spec,
        "form": form,
        "action_url": action_url,
        "zoom_url": reverse("agent:ticket_zoom", args=[ticket.pk]),
        "warnings": warnings or [],
        "lock_conflict": lock_conflict.message if lock_conflict else "",
        "will_lock": spec.required_lock and ticket.lock_id == LockType.UNLOCK,
    }
    template = "agent/partials/action_form.html" if request.htmx else "agent/action.html"
    return render(request, template, context)


def _to_zoom(request: HttpRequest, ticket_id: int) -> HttpResponse:
    url = reverse("agent:ticket_zoom", args=[ticket_id])
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


# --- new tickets -------------------------------------------------------------------------


def _new_ticket_fields(request: HttpRequest, data: dict) -> dict:
    """What a phone ticket and an email ticket are created with alike."""
    customer = data["customer_user"]
    return {
        "actor": request.actor,
        "title": data["title"],
        "queue": data["queue"],
        "state": data["state"],
        "priority": data["priority"],
        "type": data["type"],
        "owner": data["owner"],
        "responsible": data["responsible"],
        "customer_user": customer.login,
        "customer_id": data["customer_id"],
        "allow_unknown_customer": not customer.known,
        "pending_until": data["pending_until"],
    }


def _create_phone_ticket(request: HttpRequest, data: dict) -> Ticket:
    """OTRS AgentTicketPhone: a Phone article from the customer (history PhoneCallCustomer)."""
    customer = data["customer_user"]
    return ticket_create(
        **_new_ticket_fields(request, data),
        article=ArticleInput(
            channel="Phone",
            sender_type="customer",
            is_visible_for_customer=True,
            from_address=customer.address or customer.login,
            to_address=data["queue"].name,
            subject=data["title"],
            body=data["body"],
            attachments=attachment_inputs(data["attachments"]),
            history_type="PhoneCallCustomer",
            history_comment="%%",
            time_units=data["time_units"],
        ),
    )


def _create_email_ticket(request: HttpRequest, data: dict) -> Ticket:
    """OTRS AgentTicketEmail: a mail from the agent to the customer (history EmailAgent)."""
    return email_ticket_create(
        **_new_ticket_fields(request, data),
        to=data["customer_user"].address,
        cc=data["cc"],
        body=data["body"],
        attachments=attachment_inputs(data["attachments"]),
        time_units=data["time_units"],
    )


def _new_ticket(
    request: HttpRequest,
    form_class: type[NewTicketForm],
    create: Callable[[HttpRequest, dict], Ticket],
    *,
    nav: str,
    heading: str,
) -> HttpResponse:
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, actor=request.actor)
        if form.is_valid():
            try:
                ticket = create(request, form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Ticket %(tn)s was created.") % {"tn": ticket.tn})
                return _to_zoom(request, ticket.pk)
    else:
        initial = {"customer_user": request.GET.get("customer_user", "")}
        form = form_class(actor=request.actor, initial=initial)
    return render(
        request,
        "agent/new_ticket.html",
        {"form": form, "nav": nav, "heading": heading, "action_url": request.path},
    )


@agent_view
def phone_ticket_new(request: HttpRequest) -> HttpResponse:
    return _new_ticket(
        request,
        PhoneTicketForm,
        _create_phone_ticket,
        nav="phone_ticket",
        heading=_("New phone ticket"),
    )


@agent_view
def email_ticket_new(request: HttpRequest) -> HttpResponse:
    return _new_ticket(
        request,
        EmailTicketForm,
        _create_email_ticket,
        nav="email_ticket",
        heading=_("New email ticket"),
    )


# --- suggestions while typing ------------------------------------------------------------


def _term(request: HttpRequest, *names: str) -> str:
    """What the agent typed: `term`, or the value of the input that asked (htmx sends it
    under the input's own name)."""
    for name in ("term", *names):
        value = request.GET.get(name, "").strip()
        if value:
            return value
    return ""


@agent_view
def customer_autocomplete(request: HttpRequest) -> HttpResponse:
    """Up to ten valid customer users whose login, mail address or name contains the term."""
    term = _term(request, "customer_user")
    customers = []
    if len(term) >= SUGGESTIONS_MIN_LENGTH:
        customers = list(
            CustomerUser.objects.filter(valid=Validity.VALID)
            .filter(
                Q(login__icontains=term)
                | Q(email__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
            )
            .order_by("login")[:SUGGESTIONS_LIMIT]
        )
    suggestions = [
        {
            "customer": customer,
            "fill": json.dumps(
                {"customer_user": customer.login, "customer_id": customer.customer_id}
            ),
        }
        for customer in customers
    ]
    return render(
        request,
        "agent/partials/customer_autocomplete.html",
        {"suggestions": suggestions, "term": term, "too_short": len(term) < SUGGESTIONS_MIN_LENGTH},
    )


@agent_view
def ticket_candidates(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Tickets to merge into or link with: up to ten the agent sees, other than this one and
    not merged, whose number starts with or whose title contains the term."""
    ticket = agent_ticket(request.actor, ticket_id)
    term = _term(request, "target")
    tickets = []
    if len(term) >= SUGGESTIONS_MIN_LENGTH:
        tickets = list(
            visible_tickets(request.actor)
            .filter(Q(tn__startswith=term) | Q(title__icontains=term))
            .exclude(pk=ticket.pk)
            .exclude(state__type__name=StateType.MERGED)
            .order_by("-created_at", "-id")
            .values("tn", "title")[:SUGGESTIONS_LIMIT]
        )
    suggestions = [
        {"ticket": found, "fill": json.dumps({"target": found["tn"]})} for found in tickets
    ]
    return render(
        request,
        "agent/partials/ticket_suggestions.html",
        {"suggestions": suggestions, "term": term, "too_short": len(term) < SUGGESTIONS_MIN_LENGTH},
    )


urlpatterns = [
    path("tickets/<int:ticket_id>/do/<str:action>/", ticket_action, name="ticket_action"),
    path("tickets/<int:ticket_id>/candidates/", ticket_candidates, name="ticket_candidates"),
    path("tickets/new/phone/", phone_ticket_new, name="phone_ticket_new"),
    path("tickets/new/email/", email_ticket_new, name="email_ticket_new"),
    path("customers/autocomplete/", customer_autocomplete, name="customer_autocomplete"),
]
