"""Bulk action: one set of changes applied to many tickets, each on its own.

As OTRS's AgentTicketBulk, every ticket needs the `bulk` permission (rw); each ticket is
changed in its own transaction, so one refusal leaves the others changed and the outcome is
reported ticket by ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ticketry.accounts.models import Agent, PermissionType
from ticketry.agent.access import agent_view
from ticketry.agent.forms.actions import AgentChoiceField, NameChoiceField
from ticketry.core.actor import Actor
from ticketry.core.errors import DomainError
from ticketry.tickets.models import Priority, State, StateType, Ticket, TicketType
from ticketry.tickets.permissions import (
    require_ticket_permission,
    visible_queues,
    visible_tickets,
)
from ticketry.tickets.services import (
    ArticleInput,
    article_create,
    ticket_link_add,
    ticket_lock,
    ticket_merge,
    ticket_move,
    ticket_set_owner,
    ticket_set_priority,
    ticket_set_responsible,
    ticket_set_state,
    ticket_set_type,
    ticket_unlock,
    ticket_watch,
)
from ticketry.tickets.services.history import history_args

CLOSE_STATE = "closed successful"
BULK_STATE_TYPES = (
    StateType.OPEN,
    StateType.CLOSED,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
)


def _unchanged(field_class: type[forms.ModelChoiceField], label: Promise) -> forms.Field:
    """An optional choice whose empty value leaves the attribute as it is."""
    return field_class(
        label=label, queryset=None, required=False, empty_label=gettext_lazy("No change")
    )


class BulkForm(forms.Form):
    """The changes to apply; empty fields change nothing."""

    lock = forms.ChoiceField(
        label=pgettext_lazy("ticket attribute", "Lock"),
        required=False,
        choices=[
            ("", gettext_lazy("No change")),
            ("lock", gettext_lazy("Lock")),
            ("unlock", gettext_lazy("Unlock")),
        ],
    )
    queue = _unchanged(forms.ModelChoiceField, gettext_lazy("Move to queue"))
    state = _unchanged(NameChoiceField, gettext_lazy("State"))
    pending_until = forms.DateTimeField(
        label=gettext_lazy("Pending until"),
        required=False,
        help_text=gettext_lazy("Needed for pending states."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    close = forms.BooleanField(
        label=gettext_lazy("Close (closed successful)"),
        required=False,
    )
    priority = _unchanged(NameChoiceField, gettext_lazy("Priority"))
    owner = _unchanged(AgentChoiceField, gettext_lazy("Owner"))
    responsible = _unchanged(AgentChoiceField, gettext_lazy("Responsible"))
    type = _unchanged(NameChoiceField, gettext_lazy("Type"))
    note_subject = forms.CharField(
        label=gettext_lazy("Note subject"), required=False, max_length=250
    )
    note_body = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Added to every ticket as an internal note."),
    )
    merge_to = forms.CharField(
        label=gettext_lazy("Merge into ticket number"), required=False, max_length=50
    )
    merge_to_oldest = forms.BooleanField(
        label=gettext_lazy("Merge into the oldest selected ticket"), required=False
    )
    link_to = forms.CharField(
        label=gettext_lazy("Link to ticket number"), required=False, max_length=50
    )
    watch = forms.BooleanField(label=gettext_lazy("Watch"), required=False)

    def __init__(self, *args: object, actor: Actor, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = visible_queues(actor, PermissionType.MOVE_INTO)
        self.fields["state"].queryset = (
            State.objects.valid().filter(type__name__in=BULK_STATE_TYPES).select_related("type")
        )
        self.fields["priority"].queryset = Priority.objects.valid()
        self.fields["owner"].queryset = Agent.objects.valid()
        self.fields["responsible"].queryset = Agent.objects.valid()
        self.fields["type"].queryset = TicketType.objects.valid()

    def clean(self) -> dict:
        data = super().clean()
        state = data.get("state")
        if state is not None and state.is_pending and not data.get("pending_until"):
            self.add_error("pending_until", _("A pending state needs a pending date."))
        if state is not None and data.get("close"):
            self.add_error("close", _("Choose a state or close the tickets, not both."))
        if data.get("merge_to") and data.get("merge_to_oldest"):
            self.add_error(
                "merge_to_oldest", _("Merge into a ticket number or the oldest ticket, not both.")
            )
        if bool(data.get("note_subject", "").strip()) != bool(data.get("note_body", "").strip()):
            self.add_error("note_body", _("A note needs a subject and a text."))
        if not self.errors and not any(data.values()):
            raise forms.ValidationError(_("Choose at least one change."))
        return data


@dataclass(frozen=True)
class BulkOutcome:
    ticket: Ticket
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class _Targets:
    merge: Ticket | None
    link: Ticket | None


def _selected(request: HttpRequest, actor: Actor) -> QuerySet[Ticket]:
    data = request.POST if request.method == "POST" else request.GET
    ids = [int(value) for value in data.getlist("ticket_ids") if value.isdigit()]
    return (
        visible_tickets(actor)
        .filter(id__in=ids)
        .select_related("queue", "state", "lock", "owner")
        .order_by("created_at", "id")
    )


def _return_to(request: HttpRequest) -> str:
    data = request.POST if request.method == "POST" else request.GET
    target = data.get("return_to", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _find_target(form: BulkForm, actor: Actor, field: str) -> Ticket | None:
    tn = form.cleaned_data.get(field, "").strip()
    if not tn:
        return None
    target = visible_tickets(actor).filter(tn=tn).first()
    if target is None:
        form.add_error(field, _("There is no ticket with the number “%(tn)s”.") % {"tn": tn})
    return target


def _note(agent: Agent, data: dict) -> ArticleInput:
    return ArticleInput(
        channel="Internal",
        sender_type="agent",
        is_visible_for_customer=False,
        from_address=formataddr((agent.full_name, agent.email)),
        subject=data["note_subject"].strip(),
        body=data["note_body"],
        history_type="AddNote",
        history_comment=history_args("Note"),
    )


def _apply(agent: Agent, ticket: Ticket, data: dict, targets: _Targets) -> None:
    """All changes to one ticket, in OTRS's bulk order, as one transaction."""
    actor = agent.actor
    with transaction.atomic():
        require_ticket_permission(actor, ticket, "bulk")
        if data["lock"] == "lock":
            ticket_lock(actor=actor, ticket=ticket.pk)
        if data["owner"]:
            ticket_set_owner(actor=actor, ticket=ticket.pk, owner=data["owner"])
        if data["responsible"]:
            ticket_set_responsible(actor=actor, ticket=ticket.pk, responsible=data["responsible"])
        if data["queue"]:
            ticket_move(actor=actor, ticket=ticket.pk, queue=data["queue"])
        if data["priority"]:
            ticket_set_priority(actor=actor, ticket=ticket.pk, priority=data["priority"])
        if data["type"]:
            ticket_set_type(actor=actor, ticket=ticket.pk, type=data["type"])
        if data["note_body"].strip():
            article_create(actor=actor, ticket=ticket.pk, article=_note(agent, data))
        if data["watch"]:
            ticket_watch(actor=actor, ticket=ticket.pk)
        if data["state"] or data["close"]:
            ticket_set_state(
                actor=actor,
                ticket=ticket.pk,
                state=data["state"] or CLOSE_STATE,
                pending_until=data["pending_until"] if data["state"] else None,
            )
        if targets.link is not None and targets.link.pk != ticket.pk:
            ticket_link_add(actor=actor, source=ticket.pk, target=targets.link.pk)
        if targets.merge is not None and targets.merge.pk != ticket.pk:
            ticket_merge(actor=actor, source=ticket.pk, target=targets.merge.pk)
        if data["lock"] == "unlock":
            ticket_unlock(actor=actor, ticket=ticket.pk)


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    partial = f"agent/partials/{template}.html"
    full = f"agent/{template}.html"
    return render(request, partial if request.htmx else full, {"nav": "bulk", **context})


@agent_view
def bulk(request: HttpRequest) -> HttpResponse:
    """Without `apply`: the form for the selected tickets. With it: apply and report."""
    actor = request.actor
    tickets = list(_selected(request, actor))
    return_to = _return_to(request)
    if not tickets:
        return _render(request, "bulk", {"tickets": [], "form": None, "return_to": return_to})
    applying = request.method == "POST" and "apply" in request.POST
    form = BulkForm(request.POST if applying else None, actor=actor)
    context = {"tickets": tickets, "form": form, "return_to": return_to}
    if not applying or not form.is_valid():
        return _render(request, "bulk", context)
    data = form.cleaned_data
    merge_target = _find_target(form, actor, "merge_to")
    if data["merge_to_oldest"]:
        merge_target = tickets[0]
    targets = _Targets(merge=merge_target, link=_find_target(form, actor, "link_to"))
    if form.errors:
        return _render(request, "bulk", context)
    outcomes = []
    for ticket in tickets:
        try:
            _apply(request.user, ticket, data, targets)
        except DomainError as error:
            outcomes.append(BulkOutcome(ticket, ok=False, message=error.message))
        else:
            outcomes.append(BulkOutcome(ticket, ok=True))
    return _render(
        request,
        "bulk_result",
        {
            "outcomes": outcomes,
            "succeeded": sum(outcome.ok for outcome in outcomes),
            "failed": sum(not outcome.ok for outcome in outcomes),
            "return_to": return_to,
        },
    )


urlpatterns = [
    path("bulk/", bulk, name="bulk"),
]
