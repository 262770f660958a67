"""Forms of the mail actions on a ticket: reply, reply to all, forward, new email, bounce."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ticketry.agent.collision import FIELD_NAME
from ticketry.agent.forms.actions import TimeUnitsField
from ticketry.core.errors import InvalidValue
from ticketry.mail.outbound.compose import parse_addresses
from ticketry.tickets.models import Attachment, StandardTemplate, State, StateType
from ticketry.tickets.services import AttachmentInput

# The sum of all files of one mail; most mail servers refuse messages much larger than this.
MAX_ATTACHMENTS_SIZE = 20 * 1024 * 1024
COMPOSE_STATE_TYPES = (StateType.OPEN, StateType.CLOSED, *StateType.PENDING)
BOUNCE_STATE_TYPES = (StateType.OPEN, StateType.CLOSED)
# Text fields whose content compose.js keeps as a draft in the browser.
DRAFT = {"data-draft": ""}


class AddressListField(forms.CharField):
    """A header value with one or more addresses, checked as the mail composer will."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            parse_addresses(value)
        except InvalidValue as error:
            raise forms.ValidationError(error.message, code="invalid") from None
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of uploaded files; cleans to a list."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [single(item, initial) for item in files if item]


class AttachmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Attachment) -> str:
        return f"{obj.filename} ({filesizeformat(obj.size)})"


class StateChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=State.objects.none(), empty_label=None, **kwargs)

    def label_from_instance(self, obj: State) -> str:
        # State names are OTRS's; the catalog translates the shipped ones.
        return gettext(obj.name)


class StaleFormMixin(forms.Form):
    """The collision check's fields: the version the form was loaded at, and the agent's
    confirmation after being shown what changed since."""

    confirm_stale = forms.BooleanField(
        label=_("I have seen these changes; send anyway."), required=False
    )
    confirmed_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[FIELD_NAME] = forms.CharField(widget=forms.HiddenInput, required=False)


def _states(types: Sequence[str]) -> QuerySet[State]:
    return State.objects.valid().filter(type__name__in=types).select_related("type")


class ComposeForm(StaleFormMixin):
    """An outgoing mail on a ticket. Only `kind` "email" asks whether the customer may see
    it (OTRS's outbound email is internal by default); `templates` are the response templates
    offered; `originals` the attachments of the article a forward may carry along."""

    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=StandardTemplate.objects.none(),
        required=False,
        empty_label=_("No template"),
    )
    to = AddressListField(label=_("To"), widget=forms.TextInput(attrs=DRAFT))
    cc = AddressListField(label=_("Cc"), required=False, widget=forms.TextInput(attrs=DRAFT))
    bcc = AddressListField(label=_("Bcc"), required=False, widget=forms.TextInput(attrs=DRAFT))
    subject = forms.CharField(
        label=_("Subject"), max_length=250, widget=forms.TextInput(attrs=DRAFT)
    )
    body = forms.CharField(
        label=_("Text"), strip=False, widget=forms.Textarea(attrs={**DRAFT, "rows": 18})
    )
    originals = AttachmentChoiceField(
        label=_("Attachments of the forwarded article"),
        queryset=Attachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    is_visible_for_customer = forms.BooleanField(
        label=_("Visible to the customer"),
        required=False,
        help_text=_("Show this mail to the customer in the customer portal."),
    )
    state = StateChoiceField(label=_("Next state"))
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        help_text=_("Needed for pending states."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    time_units = TimeUnitsField()

    def __init__(
        self,
        *args: Any,
        kind: str,
        templates: QuerySet[StandardTemplate],
        originals: QuerySet[Attachment] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["template"].queryset = templates
        self.fields["state"].queryset = _states(COMPOSE_STATE_TYPES)
        if originals is None:
            del self.fields["originals"]
        else:
            self.fields["originals"].queryset = originals
        if kind != "email":
            del self.fields["is_visible_for_customer"]

    def clean_body(self) -> str:
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        state = data.get("state")
        if state is not None and state.is_pending and not data.get("pending_until"):
            self.add_error("pending_until", _("A pending state needs a date."))
        size = sum(file.size for file in data.get("attachments") or ())
        size += sum(attachment.size for attachment in data.get("originals") or ())
        if size > MAX_ATTACHMENTS_SIZE:
            self.add_error(
                "attachments",
                _("The attachments are too large together: at most %(size)s MB.")
                % {"size": MAX_ATTACHMENTS_SIZE // (1024 * 1024)},
            )
        return data

    def attachment_inputs(self) -> list[AttachmentInput]:
        """The files to send: the chosen attachments of the forwarded article, then uploads."""
        inputs = []
        for original in self.cleaned_data.get("originals") or ():
            with original.content.open("rb") as file:
                content = file.read()
            inputs.append(
                AttachmentInput(
                    filename=original.filename,
                    content=content,
                    content_type=original.content_type,
                    content_id=original.content_id,
                    disposition=original.disposition,
                )
            )
        for upload in self.cleaned_data.get("attachments") or ():
            inputs.append(
                AttachmentInput(
                    filename=upload.name,
                    content=upload.read(),
                    content_type=upload.content_type or "application/octet-stream",
                )
            )
        return inputs


class BounceForm(StaleFormMixin):
    """Send the article's original message on to another address."""

    to = AddressListField(label=_("Bounce to"))
    state = StateChoiceField(label=_("Next state"))
    inform_sender = forms.BooleanField(label=_("Inform the sender"), required=False)
    inform_to = AddressListField(label=_("Sender"), required=False)
    inform_subject = forms.CharField(label=_("Subject"), max_length=250, required=False)
    inform_body = forms.CharField(
        label=_("Text"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = _states(BOUNCE_STATE_TYPES)

    def clean_inform_body(self) -> str:
        return self.cleaned_data["inform_body"].replace("\r\n", "\n")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("inform_sender"):
            for name in ("inform_to", "inform_subject", "inform_body"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed to inform the sender."))
        return data
