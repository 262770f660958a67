"""Configuration models in Django's admin, for superusers until the admin area exists.

Tickets and their articles are not here: they change only through the ticket services.
"""

from django.contrib import admin

from . import models


class ValidAdmin(admin.ModelAdmin):
    list_display = ("name", "valid", "comment")
    list_filter = ("valid",)
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Configuration is set invalid, never deleted: tickets and history refer to it.
        return False


@admin.register(models.Queue)
class QueueAdmin(ValidAdmin):
    list_display = ("name", "group", "system_address", "follow_up", "unlock_timeout", "valid")
    list_filter = ("valid", "group", "follow_up")
    filter_horizontal = ()


@admin.register(models.State)
class StateAdmin(ValidAdmin):
    list_display = ("name", "type", "valid", "comment")


@admin.register(models.SystemAddress)
class SystemAddressAdmin(ValidAdmin):
    list_display = ("name", "realname", "queue", "valid")


@admin.register(models.AutoResponse)
class AutoResponseAdmin(ValidAdmin):
    list_display = ("name", "type", "subject", "valid")


@admin.register(models.StandardTemplate)
class StandardTemplateAdmin(ValidAdmin):
    list_display = ("name", "template_type", "valid")
    filter_horizontal = ("queues",)


@admin.register(models.SLA)
class SLAAdmin(ValidAdmin):
    filter_horizontal = ("services",)


@admin.register(models.DynamicField)
class DynamicFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "field_type", "object_type", "field_order", "valid")
    list_filter = ("object_type", "field_type", "valid")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.QueueAutoResponse)
class QueueAutoResponseAdmin(admin.ModelAdmin):
    list_display = ("queue", "type", "auto_response")


for model in (
    models.Priority,
    models.TicketType,
    models.Salutation,
    models.Signature,
    models.Service,
):
    admin.site.register(model, ValidAdmin)
