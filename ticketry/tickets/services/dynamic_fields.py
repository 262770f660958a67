"""Setting dynamic field values on tickets and articles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ticketry.core.actor import Actor
from ticketry.core.errors import InvalidValue, NotFound
from ticketry.core.events import publish
from ticketry.core.validity import Validity

from ..events import TicketDynamicFieldUpdated
from ..models import Article, DynamicField, DynamicFieldValue, Ticket
from .changes import changing, save_ticket
from .history import add_history, history_args

FieldValue = str | bool | date | datetime | Sequence[str] | None
Type = DynamicField.FieldType
VALUE_HISTORY_LENGTH = 50


def ticket_set_dynamic_field(
    *,
    actor: Actor,
    ticket: Ticket | int,
    field: str,
    value: FieldValue,
    article: Article | int | None = None,
) -> Ticket:
    """Set a ticket field, or an article field when `article` is given; None clears it."""
    with changing(ticket, actor=actor, permission="dynamic_field") as t:
        object_type = DynamicField.ObjectType.ARTICLE if article else DynamicField.ObjectType.TICKET
        definition = _field(field, object_type)
        object_id = t.pk
        if article is not None:
            object_id = article.pk if isinstance(article, Article) else article
            if not Article.objects.filter(pk=object_id, ticket=t).exists():
                raise NotFound(
                    _("Article %(article)s is not part of ticket %(tn)s."),
                    article=object_id,
                    tn=t.tn,
                )
        rows = _rows_for(definition, value)
        stored = DynamicFieldValue.objects.filter(field=definition, object_id=object_id)
        old = readable_value(definition, list(stored))
        new = readable_value(definition, rows)
        if old == new:
            return t
        stored.delete()
        for row in rows:
            row.field = definition
            row.object_id = object_id
        DynamicFieldValue.objects.bulk_create(rows)
        save_ticket(t, actor=actor)
        add_history(
            t,
            "TicketDynamicFieldUpdate",
            history_args("FieldName", definition.name, "Value", _cut(new), "OldValue", _cut(old)),
            actor=actor,
        )
        publish(
            TicketDynamicFieldUpdated(
                ticket_id=t.pk,
                actor=actor,
                field_name=definition.name,
                article_id=object_id if article is not None else None,
            )
        )
    return t


def _field(name: str, object_type: str) -> DynamicField:
    try:
        return DynamicField.objects.get(name=name, object_type=object_type, valid=Validity.VALID)
    except DynamicField.DoesNotExist:
        raise NotFound(_("Unknown dynamic field “%(ref)s”."), ref=name) from None


def _rows_for(definition: DynamicField, value: FieldValue) -> list[DynamicFieldValue]:
    if value is None or value == "" or value == []:
        return []
    kind = definition.field_type
    possible = definition.config.get("possible_values") or {}
    if kind == Type.CHECKBOX:
        return [DynamicFieldValue(value_int=1 if value in (True, 1, "1") else 0)]
    if kind in (Type.DATE, Type.DATETIME):
        return [DynamicFieldValue(value_date=_as_datetime(definition, value))]
    values = [value] if isinstance(value, str) else list(value)
    if kind != Type.MULTISELECT and len(values) != 1:
        raise InvalidValue(_("The field “%(field)s” takes one value."), field=definition.label)
    for item in values:
        if not isinstance(item, str):
            raise InvalidValue(_("The field “%(field)s” takes text."), field=definition.label)
        if kind in (Type.DROPDOWN, Type.MULTISELECT) and item not in possible:
            raise InvalidValue(
                _("“%(value)s” is not a possible value of “%(field)s”."),
                value=item,
                field=definition.label,
            )
    return [DynamicFieldValue(value_text=item) for item in values]


def _as_datetime(definition: DynamicField, value: FieldValue) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime(value.year, value.month, value.day))
    raise InvalidValue(_("The field “%(field)s” takes a date."), field=definition.label)


def readable_value(definition: DynamicField, rows: Sequence[DynamicFieldValue]) -> str:
    kind = definition.field_type
    if kind == Type.CHECKBOX:
        return str(rows[0].value_int) if rows else ""
    if kind == Type.DATE:
        return ", ".join(timezone.localtime(r.value_date).strftime("%Y-%m-%d") for r in rows)
    if kind == Type.DATETIME:
        return ", ".join(
            timezone.localtime(r.value_date).strftime("%Y-%m-%d %H:%M:%S") for r in rows
        )
    return ", ".join(r.value_text or "" for r in rows)


def _cut(value: str) -> str:
    return value if len(value) <= VALUE_HISTORY_LENGTH else value[:VALUE_HISTORY_LENGTH] + "[...]"
