"""Forms of the ticket actions on the zoom screen. Each offers only choices that are valid
for the acting agent and the ticket; the services decide what is allowed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from email.headerregistry import Address

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ticketry.accounts.models import Agent, PermissionType
from ticketry.agent import collision
from ticketry.agent.moments import format_day
from ticketry.agent.ticket_actions import ActionSpec
from ticketry.core.actor import Actor
from ticketry.core.validity import Validity
from ticketry.customers.models import CustomerUser
from ticketry.tickets.models import (
    LinkType,
    Priority,
    Queue,
    State,
    StateType,
    Ticket,
    TicketLink,
    TicketType,
)
from ticketry.tickets.permissions import ticket_permission, visible_queues, visible_tickets

NEXT_STATE_TYPES = (StateType.OPEN, StateType.CLOSED, *StateType.PENDING)
TIME_UNITS_LIMIT = Decimal("100000000")


class NameChoiceField(forms.ModelChoiceField):
    """Choice of a configuration row shown by its (translatable) OTRS name."""

    def label_from_instance(self, obj: object) -> str:
        return gettext(str(obj))


def agent_label(agent: Agent) -> str:
    """An agent in a choice of agents, with an absence the agent has set (as OTRS shows it)."""
    label = f"{agent.full_name} ({agent.login})" if agent.full_name else agent.login
    until = agent.out_of_office_until
    if until is not None:
        label += " " + gettext("(out of office until %(date)s)") % {"date": format_day(until)}
    return label


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agent) -> str:
        return agent_label(obj)


class TimeUnitsField(forms.Field):
    """Working time in OTRS's units: `1.5` or `1,5`, at most two decimals."""

    default_error_messages = {"invalid": _("Enter a number of time units, such as 1 or 1.5.")}

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Time units"))
        kwargs.setdefault("help_text", _("Work units spent on this, e.g. 1.5."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 8}))
        super().__init__(**kwargs)

    def to_python(self, value: object) -> Decimal | None:
        text = str(value or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            units = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not units.is_finite() or units < 0 or units >= TIME_UNITS_LIMIT:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if units != units.quantize(Decimal("0.01")):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return units


class PendingUntilField(forms.DateTimeField):
    """A moment in the agent's time zone, entered with the browser's date-time picker."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Pending until"))
        kwargs.setdefault("help_text", _("Needed for pending states."))
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
        super().__init__(**kwargs)


class AutocompleteInput(forms.TextInput):
    """A text input that asks `url` for suggestions while the agent types (htmx); the
    suggestions appear in a region below it. Without JavaScript it is a plain text input."""

    template_name = "agent/partials/autocomplete_input.html"

    def __init__(self, url: str | Promise, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.url = url

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        suggestions = f"{widget['attrs'].get('id', name)}-suggestions"
        widget["suggestions_id"] = suggestions
        widget["attrs"] = {
            **widget["attrs"],
            "autocomplete": "off",
            "aria-controls": suggestions,
            "hx-get": str(self.url),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#{suggestions}",
            "hx-sync": "this:replace",
        }
        return context


def states_of_types(*types: str) -> QuerySet[State]:
    return State.objects.valid().filter(type__name__in=types).select_related("type")


def agents_with_permission(group_id: int, permission: str) -> QuerySet[Agent]:
    """Valid agents holding `permission` (or rw) on the group, directly or through a role."""
    kinds = [permission, PermissionType.RW]
    return (
        Agent.objects.valid()
        .filter(
            Q(group_permissions__group_id=group_id, group_permissions__permission__in=kinds)
            | Q(
                roles__valid=Validity.VALID,
                roles__group_permissions__group_id=group_id,
                roles__group_permissions__permission__in=kinds,
            )
        )
        .distinct()
        .order_by("first_name", "last_name", "login")
    )


def check_pending_until(form: forms.Form, state_field: str, date_field: str) -> None:
    """A pending state needs a date in the future; other states need none."""
    state = form.cleaned_data.get(state_field)
    moment = form.cleaned_data.get(date_field)
    if state is None or not state.is_pending:
        form.cleaned_data[date_field] = None
        return
    if moment is None:
        if date_field not in form.errors:
            form.add_error(date_field, _("A pending state needs a date."))
    elif moment <= timezone.now():
        form.add_error(date_field, _("The pending date must be in the future."))


class CustomerChoice:
    """A customer typed as login or mail address: known to the customer database or not."""

    def __init__(self, login: str, customer_id: str, email: str, name: str, known: bool) -> None:
        self.login = login
        self.customer_id = customer_id
        self.email = email
        self.name = name
        self.known = known

    @property
    def address(self) -> str:
        """`Name <address>` for mail headers; the bare address when there is no name."""
        if not self.email:
            return ""
        return str(Address(display_name=self.name, addr_spec=self.email))


def find_customer(value: str) -> CustomerChoice:
    """The customer user with login (or else the one mail address) `value`; an unknown mail
    address is a customer too, as OTRS allows. Anything else is a form error."""
    value = value.strip()
    users = CustomerUser.objects.filter(valid=Validity.VALID)
    user = users.filter(login=value).first()
    if user is None:
        matches = list(users.filter(email__iexact=value)[:2])
        user = matches[0] if len(matches) == 1 else None
    if user is not None:
        name = f"{user.first_name} {user.last_name}".strip()
        return CustomerChoice(user.login, user.customer_id, user.email, name, known=True)
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("Unknown customer user “%(value)s”. Type a login or a mail address."),
            code="unknown_customer",
            params={"value": value},
        ) from None
    return CustomerChoice(value, "", value, "", known=False)


def customer_field(**kwargs: object) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", _("Customer user")),
        max_length=250,
        help_text=_("Login or mail address; suggestions appear while you type."),
        widget=AutocompleteInput(reverse_lazy("agent:customer_autocomplete")),
        **kwargs,
    )


def customer_id_field() -> forms.CharField:
    return forms.CharField(
        label=_("Customer ID"),
        max_length=150,
        required=False,
        help_text=_("Empty: the customer user's company."),
    )


class ActionForm(forms.Form):
    """Base of the action forms. Carries the ticket's version (see ticketry.agent.collision)
    and the agent's confirmation to go ahead despite changes since the form was loaded."""

    # Sent by the "submit anyway" button that the form shows with its warnings.
    confirm_stale = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: object = None,
        files: object = None,
        *,
        actor: Actor,
        ticket: Ticket,
        spec: ActionSpec,
        **kwargs: object,
    ) -> None:
        super().__init__(data, files, **kwargs)
        self.actor = actor
        self.ticket = ticket
        self.spec = spec
        if spec.checks_collision:
            self.fields[collision.FIELD_NAME] = forms.CharField(
                required=False,
                widget=forms.HiddenInput,
                initial=str(collision.ticket_version(ticket)),
            )
        else:
            del self.fields["confirm_stale"]


class OptionalNoteMixin(forms.Form):
    """A note that an action may write with it (internal), and time spent."""

    note_subject = forms.CharField(label=_("Note subject"), max_length=250, required=False)
    note_body = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)
    time_units = TimeUnitsField()


class ConfirmForm(ActionForm):
    """Lock, unlock, watch and stop watching: a button and nothing to fill in."""


class NoteForm(ActionForm):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea)
    visible_for_customer = forms.BooleanField(label=_("Visible to the customer"), required=False)
    next_state = NameChoiceField(
        label=_("Next state"),
        queryset=State.objects.none(),
        required=False,
        empty_label=_("(no change)"),
    )
    pending_until = PendingUntilField()
    time_units = TimeUnitsField()

    default_next_state = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if ticket_permission(self.actor, self.ticket, "state"):
            self.fields["next_state"].queryset = states_of_types(*NEXT_STATE_TYPES)
            if self.default_next_state and not self.is_bound:
                self.fields["next_state"].initial = (
                    State.objects.filter(name=self.default_next_state).values_list("pk", flat=True)
                ).first()
        else:
            del self.fields["next_state"]
            del self.fields["pending_until"]

    def clean(self) -> dict:
        data = super().clean()
        if "next_state" in self.fields:
            check_pending_until(self, "next_state", "pending_until")
        return data


class PhoneOutboundForm(NoteForm):
    """A call the agent made; OTRS suggests closing the ticket afterwards."""

    default_next_state = "closed successful"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["visible_for_customer"]


class PhoneInboundForm(PhoneOutboundForm):
    """A call from the customer; the ticket stays open."""

    default_next_state = "open"


class MoveForm(OptionalNoteMixin, ActionForm):
    queue = NameChoiceField(label=_("New queue"), queryset=Queue.objects.none())
    new_owner = AgentChoiceField(
        label=_("New owner"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("(no change)"),
    )
    field_order = ["queue", "new_owner"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = visible_queues(
            self.actor, PermissionType.MOVE_INTO
        ).exclude(pk=self.ticket.queue_id)
        self.fields["new_owner"].queryset = Agent.objects.valid().order_by(
            "first_name", "last_name", "login"
        )

    def clean(self) -> dict:
        data = super().clean()
        queue, owner = data.get("queue"), data.get("new_owner")
        if queue is not None and owner is not None:
            allowed = agents_with_permission(queue.group_id, PermissionType.OWNER)
            if not allowed.filter(pk=owner.pk).exists():
                self.add_error(
                    "new_owner",
                    _("%(agent)s may not own tickets in queue “%(queue)s”.")
                    % {"agent": owner.login, "queue": queue.name},
                )
        return data


class OwnerForm(OptionalNoteMixin, ActionForm):
    owner = AgentChoiceField(label=_("New owner"), queryset=Agent.objects.none())
    field_order = ["owner"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agents_with_permission(
            self.ticket.queue.group_id, PermissionType.OWNER
        )
        self.fields["owner"].initial = self.ticket.owner_id


class ResponsibleForm(OptionalNoteMixin, ActionForm):
    responsible = AgentChoiceField(label=_("New responsible"), queryset=Agent.objects.none())
    field_order = ["responsible"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = agents_with_permission(
            self.ticket.queue.group_id, PermissionType.OWNER
        )
        self.fields["responsible"].initial = self.ticket.responsible_id


class PriorityForm(OptionalNoteMixin, ActionForm):
    priority = NameChoiceField(label=_("Priority"), queryset=Priority.objects.valid())
    field_order = ["priority"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.ticket.priority_id


class PendingForm(OptionalNoteMixin, ActionForm):
    state = NameChoiceField(label=_("Pending state"), queryset=State.objects.none())
    pending_until = PendingUntilField(required=True, help_text="")
    field_order = ["state", "pending_until"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = states_of_types(*StateType.PENDING)
        self.fields["state"].initial = (
            State.objects.filter(name="pending reminder").values_list("pk", flat=True).first()
        )

    def clean(self) -> dict:
        data = super().clean()
        check_pending_until(self, "state", "pending_until")
        return data


class CloseForm(OptionalNoteMixin, ActionForm):
    state = NameChoiceField(label=_("Close state"), queryset=State.objects.none())
    field_order = ["state"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = states_of_types(StateType.CLOSED)
        self.fields["state"].initial = (
            State.objects.filter(name="closed successful").values_list("pk", flat=True).first()
        )


class TitleForm(ActionForm):
    title = forms.CharField(label=_("Title"), max_length=255)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].initial = self.ticket.title


class TypeForm(ActionForm):
    type = NameChoiceField(label=_("Type"), queryset=TicketType.objects.valid())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].initial = self.ticket.type_id


class CustomerForm(ActionForm):
    customer_user = customer_field()
    customer_id = customer_id_field()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_user"].initial = self.ticket.customer_user_id
        self.fields["customer_id"].initial = self.ticket.customer_id

    def clean_customer_user(self) -> CustomerChoice:
        return find_customer(self.cleaned_data["customer_user"])


def ticket_number_field(url: str, **kwargs: object) -> forms.CharField:
    return forms.CharField(
        max_length=50,
        help_text=_("Ticket number; type part of a number or title for suggestions."),
        widget=AutocompleteInput(url),
        **kwargs,
    )


class OtherTicketForm(ActionForm):
    """An action with a second ticket, given by its number."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        url = reverse("agent:ticket_candidates", args=[self.ticket.pk])
        self.fields = {"target": ticket_number_field(url, label=_("Ticket number")), **self.fields}

    def clean_target(self) -> Ticket:
        number = self.cleaned_data["target"].strip()
        target = visible_tickets(self.actor).filter(tn=number).first()
        if target is None:
            raise ValidationError(
                _("Unknown ticket “%(tn)s”."), code="unknown_ticket", params={"tn": number}
            )
        if target.pk == self.ticket.pk:
            raise ValidationError(_("Choose another ticket than this one."), code="same_ticket")
        return target


class LinkDirection:
    NORMAL = "normal"
    PARENT = "parent"
    CHILD = "child"


class LinkForm(OtherTicketForm):
    link_type = forms.ChoiceField(
        label=_("Link type"),
        choices=[
            (LinkDirection.NORMAL, _("Normal")),
            (LinkDirection.PARENT, _("Parent of the other ticket")),
            (LinkDirection.CHILD, _("Child of the other ticket")),
        ],
    )


class UnlinkForm(ActionForm):
    link = forms.ChoiceField(label=_("Link to remove"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.links = {link.pk: link for link in linked_tickets(self.actor, self.ticket)}
        self.fields["link"].choices = [
            (str(pk), link_label(link, self.ticket)) for pk, link in self.links.items()
        ]

    def clean_link(self) -> TicketLink:
        return self.links[int(self.cleaned_data["link"])]


def linked_tickets(actor: Actor, ticket: Ticket) -> list[TicketLink]:
    """Links of `ticket` to tickets `actor` may see."""
    visible = visible_tickets(actor).values("pk")
    return list(
        TicketLink.objects.filter(
            Q(source_id=ticket.pk, target_id__in=visible)
            | Q(target_id=ticket.pk, source_id__in=visible)
        )
        .select_related("source", "target", "link_type")
        .order_by("id")
    )


def link_label(link: TicketLink, ticket: Ticket) -> str:
    other = link.target if link.source_id == ticket.pk else link.source
    if link.link_type_id != LinkType.PARENT_CHILD:
        kind = gettext("Linked with")
    elif link.source_id == ticket.pk:
        kind = gettext("Parent of")
    else:
        kind = gettext("Child of")
    return f"{kind} {other.tn}: {other.title}"


class MergeForm(OtherTicketForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].label = _("Merge into ticket number")

    def clean_target(self) -> Ticket:
        target = super().clean_target()
        if target.state.type.name == StateType.MERGED:
            raise ValidationError(
                _("Ticket %(tn)s is merged already."), code="merged", params={"tn": target.tn}
            )
        return target
