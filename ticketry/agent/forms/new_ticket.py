"""Forms that open tickets: the phone ticket, the email ticket and the split of an article."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.core.actor import Actor
from ticketry.tickets.models import Priority, Queue, State, StateType, TicketType
from ticketry.tickets.permissions import visible_queues
from ticketry.tickets.services import AttachmentInput

from .actions import (
    AgentChoiceField,
    NameChoiceField,
    PendingUntilField,
    TimeUnitsField,
    check_pending_until,
    customer_field,
    customer_id_field,
    find_customer,
    states_of_types,
)

# OTRS's new-ticket screens offer these state types.
NEW_TICKET_STATE_TYPES = (StateType.OPEN, *StateType.PENDING, StateType.CLOSED)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files, each at most MAX_ATTACHMENT_BYTES."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(AttachmentsField, self).clean(item, initial) for item in files if item]
        too_big = [f for f in cleaned if f.size > MAX_ATTACHMENT_BYTES]
        if too_big:
            raise ValidationError(
                [
                    ValidationError(
                        _("“%(name)s” is %(size)s; an attachment may be at most %(limit)s."),
                        code="too_big",
                        params={
                            "name": f.name,
                            "size": filesizeformat(f.size),
                            "limit": filesizeformat(MAX_ATTACHMENT_BYTES),
                        },
                    )
                    for f in too_big
                ]
            )
        return cleaned


def attachment_inputs(files: list[UploadedFile]) -> tuple[AttachmentInput, ...]:
    return tuple(
        AttachmentInput(
            filename=f.name,
            content=f.read(),
            content_type=f.content_type or "application/octet-stream",
        )
        for f in files
    )


def _pk_of(model: type, name: str) -> int | None:
    return model.objects.filter(name=name).values_list("pk", flat=True).first()


class NewTicketForm(forms.Form):
    """What every new ticket needs; the phone and email screens add their own fields."""

    customer_user = customer_field(label=_("Customer user"))
    customer_id = customer_id_field()
    queue = NameChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    title = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea)
    attachments = AttachmentsField()
    state = NameChoiceField(label=_("Next state"), queryset=State.objects.none())
    pending_until = PendingUntilField()
    priority = NameChoiceField(label=_("Priority"), queryset=Priority.objects.valid())
    type = NameChoiceField(label=_("Type"), queryset=TicketType.objects.valid())
    owner = AgentChoiceField(
        label=_("Owner"), queryset=Agent.objects.none(), required=False, empty_label=_("(me)")
    )
    responsible = AgentChoiceField(
        label=_("Responsible"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("(the owner)"),
    )
    time_units = TimeUnitsField()

    def __init__(self, *args: object, actor: Actor, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["queue"].queryset = visible_queues(actor, PermissionType.CREATE)
        self.fields["state"].queryset = states_of_types(*NEW_TICKET_STATE_TYPES)
        agents = Agent.objects.valid().order_by("first_name", "last_name", "login")
        self.fields["owner"].queryset = agents
        self.fields["responsible"].queryset = agents
        if not self.is_bound:
            self.fields["state"].initial = _pk_of(State, "open")
            self.fields["priority"].initial = _pk_of(Priority, "3 normal")
            self.fields["type"].initial = _pk_of(TicketType, "Unclassified")

    def clean_customer_user(self):
        return find_customer(self.cleaned_data["customer_user"])

    def clean(self) -> dict:
        data = super().clean()
        check_pending_until(self, "state", "pending_until")
        return data


class PhoneTicketForm(NewTicketForm):
    """OTRS AgentTicketPhone: the customer called."""


class EmailTicketForm(NewTicketForm):
    """OTRS AgentTicketEmail: the agent writes to the customer."""

    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    field_order = ["customer_user", "customer_id", "cc"]

    def clean(self) -> dict:
        data = super().clean()
        customer = data.get("customer_user")
        if customer is not None and not customer.email:
            self.add_error(
                "customer_user", _("This customer user has no mail address to write to.")
            )
        return data


class SplitForm(NewTicketForm):
    """A new ticket from an article of this one; the article's attachments come along."""

    subject = forms.CharField(label=_("Article subject"), max_length=250, required=False)
    field_order = ["customer_user", "customer_id", "queue", "title", "subject", "body"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["attachments"]
