"""The agent's ticket search form: every attribute OTRS's ticket search offers, read from GET
parameters so that results can be bookmarked, saved as profiles and exported."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ticketry.accounts.models import Agent
from ticketry.agent.labels import lock_label
from ticketry.agent.listing import Catalog
from ticketry.core.actor import Actor
from ticketry.core.validity import Validity
from ticketry.tickets.models import DynamicField, LockType, StateType
from ticketry.tickets.permissions import visible_queues
from ticketry.tickets.selectors import TicketQuery

DYNAMIC_FIELD_PREFIX = "df_"
# Pairs of date fields: (parameter prefix, label of the "from" field, label of the "to" field).
DATE_RANGES = (
    ("created", gettext_lazy("Created from"), gettext_lazy("Created until")),
    ("changed", gettext_lazy("Changed from"), gettext_lazy("Changed until")),
    ("closed", gettext_lazy("Closed from"), gettext_lazy("Closed until")),
    ("pending", gettext_lazy("Pending until, from"), gettext_lazy("Pending until, until")),
)
_TEXT_FIELDS = (
    ("tn", gettext_lazy("Ticket number"), gettext_lazy("Use * as a wildcard: 2025061*")),
    ("title", gettext_lazy("Title"), gettext_lazy("Part of the title; * is a wildcard.")),
    ("text", gettext_lazy("Full text"), gettext_lazy("Words in the number, title or articles.")),
    ("from_address", gettext_lazy("From"), ""),
    ("to_address", gettext_lazy("To"), ""),
    ("subject", gettext_lazy("Subject"), ""),
    ("body", gettext_lazy("Body"), ""),
    ("customer_user", gettext_lazy("Customer user"), gettext_lazy("The login, exactly.")),
    ("customer_id", gettext_lazy("Customer ID"), ""),
)
_MULTI_FIELDS = ("queue", "state", "state_type", "priority", "type", "lock", "owner", "responsible")
_DATE_TYPES = (DynamicField.FieldType.DATE, DynamicField.FieldType.DATETIME)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _SelectMultiple(forms.SelectMultiple):
    """A multiple select written without a template per option: Django's own renders one
    for each, which for the hundreds of agents and queues of a large installation takes
    longer than the search itself. Same markup (no option groups here)."""

    def render(
        self, name: str, value: object, attrs: dict | None = None, renderer: object = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>', widget["name"], flatatt(widget["attrs"]), options
        )


def _multi(label: str, choices: list[tuple[object, str]]) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        required=False,
        widget=_SelectMultiple(attrs={"size": min(max(len(choices), 2), 6)}),
    )


class TicketSearchForm(forms.Form):
    """Build with the searching actor: queue choices are those the actor may read."""

    def __init__(
        self, data: QueryDict | dict | None = None, *, actor: Actor, lookups: Catalog | None = None
    ) -> None:
        super().__init__(data)
        # The result list reads the same small tables: share them when given.
        lookups = lookups or Catalog()
        for name, label, help_text in _TEXT_FIELDS:
            self.fields[name] = forms.CharField(
                label=label, help_text=help_text, required=False, max_length=250
            )
        agents = [
            (pk, f"{first} {last} ({login})".strip())
            for pk, first, last, login in Agent.objects.valid()
            .order_by("first_name", "last_name", "login")
            .values_list("id", "first_name", "last_name", "login")
        ]
        self.fields["queue"] = _multi(
            _("Queue"), list(visible_queues(actor).order_by("name").values_list("id", "name"))
        )
        # OTRS's removed state and temporary lock are offered only to a search that has them
        # (a saved profile, a bookmark): nobody searches for them otherwise.
        states = [
            state
            for state in lookups.states.values()
            if state.type.name != StateType.REMOVED or self._asks_for("state", state.pk)
        ]
        self.fields["state"] = _multi(_("State"), _names(states))
        self.fields["state_type"] = forms.MultipleChoiceField(
            label=_("State type"),
            choices=[
                (name, _(name))
                for name in StateType.objects.values_list("name", flat=True)
                if name != StateType.REMOVED or self._asks_for("state_type", name)
            ],
            required=False,
            widget=_SelectMultiple(attrs={"size": 6}),
        )
        self.fields["priority"] = _multi(_("Priority"), _names(lookups.priorities.values()))
        self.fields["type"] = _multi(_("Type"), _names(lookups.types.values()))
        self.fields["lock"] = _multi(
            pgettext("ticket attribute", "Lock"),
            [
                (lock.pk, lock_label(lock))
                for lock in sorted(lookups.locks.values(), key=lambda lock: lock.pk)
                if lock.pk != LockType.TMP_LOCK or self._asks_for("lock", lock.pk)
            ],
        )
        self.fields["owner"] = _multi(_("Owner"), agents)
        self.fields["responsible"] = _multi(_("Responsible"), agents)
        for prefix, from_label, to_label in DATE_RANGES:
            for suffix, label in (("from", from_label), ("to", to_label)):
                self.fields[f"{prefix}_{suffix}"] = forms.DateField(
                    label=label, required=False, widget=_date_input()
                )
        self.dynamic_field_names: list[str] = []
        # Date and date/time fields are searched by ranges, as in OTRS.
        self.dynamic_range_names: list[str] = []
        for definition in DynamicField.objects.filter(
            object_type=DynamicField.ObjectType.TICKET, valid=Validity.VALID
        ):
            if definition.field_type in _DATE_TYPES:
                self.fields.update(_dynamic_range(definition))
                self.dynamic_range_names.append(definition.name)
            elif (field := _dynamic_field(definition)) is not None:
                self.fields[DYNAMIC_FIELD_PREFIX + definition.name] = field
                self.dynamic_field_names.append(definition.name)

    def _asks_for(self, name: str, value: object) -> bool:
        if not self.is_bound:
            return False
        data = self.data
        asked = data.getlist(name) if isinstance(data, QueryDict) else data.get(name, [])
        if isinstance(asked, str):
            asked = [asked]
        return str(value) in {str(item) for item in asked}

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label, _help in _TEXT_FIELDS[:3]]

    @property
    def article_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label, _help in _TEXT_FIELDS[3:7]]

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        names = ["customer_user", "customer_id", *_MULTI_FIELDS]
        return [self[name] for name in names]

    @property
    def date_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [self._range_fields(prefix) for prefix, *_labels in DATE_RANGES]

    @property
    def dynamic_fields(self) -> list[forms.BoundField]:
        return [self[DYNAMIC_FIELD_PREFIX + name] for name in self.dynamic_field_names]

    @property
    def dynamic_date_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            self._range_fields(DYNAMIC_FIELD_PREFIX + name) for name in self.dynamic_range_names
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        prefixes = [prefix for prefix, *_labels in DATE_RANGES]
        prefixes += [DYNAMIC_FIELD_PREFIX + name for name in self.dynamic_range_names]
        for prefix in prefixes:
            start, end = cleaned.get(f"{prefix}_from"), cleaned.get(f"{prefix}_to")
            if start and end and start > end:
                self.add_error(f"{prefix}_to", _("The end must not be before the start."))
        return cleaned

    def query(self) -> TicketQuery:
        """The search for the selector; call on a valid form. Date ranges include both
        days, in the agent's time zone."""
        data = self.cleaned_data
        times: dict[str, datetime | None] = {}
        for prefix, *_labels in DATE_RANGES:
            times[f"{prefix}_after"], times[f"{prefix}_before"] = self._moments(prefix)
        ranges = {
            name: self._moments(DYNAMIC_FIELD_PREFIX + name) for name in self.dynamic_range_names
        }
        return TicketQuery(
            **{name: data.get(name, "") for name, _label, _help in _TEXT_FIELDS},
            queue_ids=data.get("queue", []),
            state_ids=data.get("state", []),
            state_types=data.get("state_type", []),
            priority_ids=data.get("priority", []),
            type_ids=data.get("type", []),
            lock_ids=data.get("lock", []),
            owner_ids=data.get("owner", []),
            responsible_ids=data.get("responsible", []),
            dynamic_fields={
                name: data[DYNAMIC_FIELD_PREFIX + name]
                for name in self.dynamic_field_names
                if data.get(DYNAMIC_FIELD_PREFIX + name)
            },
            dynamic_field_ranges={
                name: moments for name, moments in ranges.items() if any(moments)
            },
            **times,
        )

    def query_string(self) -> str:
        """The form's non-empty parameters as typed, for profiles, export and paging links."""
        return search_parameters(self.data, self.fields)

    def _range_fields(self, prefix: str) -> tuple[forms.BoundField, forms.BoundField]:
        return self[f"{prefix}_from"], self[f"{prefix}_to"]

    def _moments(self, prefix: str) -> tuple[datetime | None, datetime | None]:
        """The days of range `prefix` as [after, before): from the start of the first day to
        the start of the day after the last."""
        start, end = self.cleaned_data.get(f"{prefix}_from"), self.cleaned_data.get(f"{prefix}_to")
        return (
            _day_start(start) if start else None,
            _day_start(end + timedelta(days=1)) if end else None,
        )


def search_parameters(data: QueryDict | dict, names: Iterable[str]) -> str:
    """`data` narrowed to the non-empty parameters in `names`, URL-encoded."""
    if not isinstance(data, QueryDict):
        data = QueryDict(urlencode(data, doseq=True))
    pairs = [
        (name, value)
        for name in names
        for value in data.getlist(name)
        if isinstance(value, str) and value.strip()
    ]
    return urlencode(pairs)


def _names(objects: Iterable) -> list[tuple[int, str]]:
    """Choices of the valid configuration objects by id, by their translated names."""
    return [
        (item.pk, _(item.name))
        for item in sorted(objects, key=lambda item: item.pk)
        if item.valid == Validity.VALID
    ]


def _dynamic_field(definition: DynamicField) -> forms.Field | None:
    kind = DynamicField.FieldType
    if definition.field_type in (kind.TEXT, kind.TEXTAREA):
        return forms.CharField(label=definition.label, required=False, max_length=250)
    if definition.field_type in (kind.DROPDOWN, kind.MULTISELECT):
        possible = definition.config.get("possible_values") or {}
        return forms.ChoiceField(
            label=definition.label,
            required=False,
            choices=[("", _("any")), *((key, label) for key, label in possible.items())],
        )
    if definition.field_type == kind.CHECKBOX:
        return forms.ChoiceField(
            label=definition.label,
            required=False,
            choices=[("", _("any")), ("1", _("checked")), ("0", _("not checked"))],
        )
    return None


def _dynamic_range(definition: DynamicField) -> dict[str, forms.DateField]:
    """The "from" and "to" days of a date field, by parameter name, labelled like the
    ticket's own ranges ("Created from", "Created until")."""
    labels = {"from": _("%(field)s from"), "to": _("%(field)s until")}
    return {
        f"{DYNAMIC_FIELD_PREFIX}{definition.name}_{suffix}": forms.DateField(
            label=label % {"field": definition.label}, required=False, widget=_date_input()
        )
        for suffix, label in labels.items()
    }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
