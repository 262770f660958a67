"""System settings in Django's admin, for superusers until the admin area exists."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import sysconfig
from .errors import DomainError
from .models import SysConfigValue


class SysConfigValueForm(forms.ModelForm):
    class Meta:
        model = SysConfigValue
        fields = ["name", "value"]
        widgets = {
            "name": forms.Select(choices=[]),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.choices = [
            (setting.name, f"{setting.name} — {setting.description}")
            for setting in sysconfig.registered()
        ]

    def clean(self) -> dict:
        data = super().clean()
        name = data.get("name")
        if name and "value" in data:
            try:
                sysconfig.check(name, data["value"])
            except DomainError as error:
                raise ValidationError({"value": error.message}) from error
        return data


@admin.register(SysConfigValue)
class SysConfigValueAdmin(admin.ModelAdmin):
    form = SysConfigValueForm
    list_display = ("name", "value", "changed_at")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        sysconfig.invalidate()

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        sysconfig.invalidate()
