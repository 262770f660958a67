"""Dynamic fields: admin-defined extra attributes of tickets, articles and customers."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ticketry.core.validity import validity_field


class DynamicField(models.Model):
    class FieldType(models.TextChoices):
        TEXT = "Text", _("Text")
        TEXTAREA = "TextArea", _("Textarea")
        CHECKBOX = "Checkbox", _("Checkbox")
        DROPDOWN = "Dropdown", _("Dropdown")
        MULTISELECT = "Multiselect", _("Multiselect")
        DATE = "Date", _("Date")
        DATETIME = "DateTime", _("Date / Time")

    class ObjectType(models.TextChoices):
        TICKET = "Ticket", _("Ticket")
        ARTICLE = "Article", _("Article")
        CUSTOMER_USER = "CustomerUser", _("Customer user")
        CUSTOMER_COMPANY = "CustomerCompany", _("Customer company")

    name = models.SlugField(_("name"), max_length=200, unique=True)
    label = models.CharField(_("label"), max_length=200)
    field_order = models.PositiveIntegerField(_("order"), default=1)
    field_type = models.CharField(_("field type"), max_length=20, choices=FieldType.choices)
    object_type = models.CharField(_("object type"), max_length=20, choices=ObjectType.choices)
    # Possible values ({"possible_values": {"key": "label"}}), default value, regex checks.
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    valid = validity_field()

    class Meta:
        verbose_name = _("dynamic field")
        verbose_name_plural = _("dynamic fields")
        ordering = ["field_order", "name"]

    def __str__(self) -> str:
        return self.label


class DynamicFieldValue(models.Model):
    """One value; multiselect fields keep one row per selected value."""

    field = models.ForeignKey(DynamicField, on_delete=models.CASCADE, related_name="values")
    object_id = models.BigIntegerField()
    # NULL, not "", marks a value kept in another column, as in OTRS's dynamic_field_value.
    value_text = models.TextField(null=True, blank=True)  # noqa: DJ001
    value_date = models.DateTimeField(null=True, blank=True)
    value_int = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("dynamic field value")
        verbose_name_plural = _("dynamic field values")
        indexes = [models.Index(fields=["field", "object_id"], name="df_value_object")]

    def __str__(self) -> str:
        return f"{self.field_id}/{self.object_id}"
