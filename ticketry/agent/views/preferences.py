"""The agent's own settings: language, time zone, date format, password, my queues,
notifications, out of office, ticket lists, and two-factor login (TOTP)."""

from __future__ import annotations

import zoneinfo
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from ticketry.accounts.models import Agent
from ticketry.accounts.services import (
    agent_change_password,
    agent_set_language,
    agent_set_time_zone,
    agent_totp_confirm,
    agent_totp_remove,
    agent_totp_start,
    agent_update_preferences,
)
from ticketry.agent import moments
from ticketry.agent.access import agent_view
from ticketry.core import clock
from ticketry.core.actor import Actor
from ticketry.core.errors import DomainError
from ticketry.tickets.permissions import visible_queues

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
DASHBOARD_REFRESH_MINUTES = (1, 2, 5, 10, 15)
LIST_DETAILS = (
    ("small", gettext_lazy("Small")),
    ("medium", gettext_lazy("Medium")),
    ("preview", gettext_lazy("Preview")),
)
# Keys of the "notifications" preference; all on unless the agent turned them off, as in OTRS.
NOTIFICATIONS = (
    ("new_ticket", gettext_lazy("New ticket in one of my queues")),
    ("follow_up", gettext_lazy("Follow-up on one of my tickets")),
    ("note", gettext_lazy("Note on one of my tickets")),
    ("lock_timeout", gettext_lazy("One of my tickets was unlocked by someone else")),
    ("move", gettext_lazy("Ticket moved into one of my queues")),
    ("owner_responsible", gettext_lazy("I became owner or responsible of a ticket")),
)


@cache
def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SectionForm(forms.Form):
    """A preferences form, built for the agent whose settings it shows."""

    def __init__(self, data=None, *, agent: Agent, actor: Actor) -> None:
        super().__init__(data, initial=self.initial_for(agent))
        self.agent = agent
        self.actor = actor

    def initial_for(self, agent: Agent) -> dict:
        return {}


class LanguageForm(SectionForm):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = _("Installation default")
        self.fields["language"].choices = [("", default), *settings.LANGUAGES]

    def initial_for(self, agent: Agent) -> dict:
        return {"language": agent.language}


class TimeZoneForm(SectionForm):
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = _("Installation default (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"].choices = [("", default), *((z, z) for z in _time_zones())]

    def initial_for(self, agent: Agent) -> dict:
        return {"time_zone": agent.time_zone}


class DateFormatForm(SectionForm):
    datetime_format = forms.ChoiceField(
        label=gettext_lazy("Dates and times"), widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        now = clock.now()
        self.fields["datetime_format"].choices = [
            (name, f"{label}: {moments.format_moment(now, name)}")
            for name, label in moments.FORMATS.items()
        ]

    def initial_for(self, agent: Agent) -> dict:
        stored = agent.preferences.get(moments.PREFERENCE_KEY)
        return {"datetime_format": stored if stored in moments.FORMATS else moments.DEFAULT_FORMAT}


class PasswordForm(SectionForm):
    old_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        rules = password_validation.password_validators_help_texts()
        self.fields["new_password1"].help_text = " ".join(str(rule) for rule in rules)

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two new passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.agent)
            except ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned


class MyQueuesForm(SectionForm):
    queues = forms.TypedMultipleChoiceField(
        label=gettext_lazy("My queues"),
        help_text=gettext_lazy("The queues you look after: shown first, and notified about."),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queues"].choices = list(
            visible_queues(self.actor).order_by("name").values_list("id", "name")
        )

    def initial_for(self, agent: Agent) -> dict:
        return {"queues": agent.preferences.get("my_queue_ids", [])}


class NotificationsForm(SectionForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in NOTIFICATIONS:
            self.fields[key] = forms.BooleanField(label=label, required=False)

    def initial_for(self, agent: Agent) -> dict:
        stored = agent.preferences.get("notifications") or {}
        return {key: bool(stored.get(key, True)) for key, _label in NOTIFICATIONS}


class OutOfOfficeForm(SectionForm):
    enabled = forms.BooleanField(label=gettext_lazy("I am out of office"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_input())
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=_date_input())

    def initial_for(self, agent: Agent) -> dict:
        stored = agent.preferences.get("out_of_office") or {}
        return {key: stored.get(key) for key in ("enabled", "start", "end")}

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if cleaned.get("enabled"):
            for name in ("start", "end"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Give the first and the last day of your absence."))
        if start and end and start > end:
            self.add_error("end", _("The end must not be before the start."))
        return cleaned


class ListsForm(SectionForm):
    page_size = forms.TypedChoiceField(
        label=gettext_lazy("Tickets per page"),
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
    )
    list_detail = forms.ChoiceField(label=gettext_lazy("Detail level"), choices=LIST_DETAILS)
    dashboard_refresh_seconds = forms.TypedChoiceField(
        label=gettext_lazy("Refresh the dashboard's lists every"),
        choices=lambda: [
            (
                minutes * 60,
                ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes)
                % {"minutes": minutes},
            )
            for minutes in DASHBOARD_REFRESH_MINUTES
        ],
        coerce=int,
    )

    def initial_for(self, agent: Agent) -> dict:
        return {
            "page_size": agent.preferences.get("page_size", DEFAULT_PAGE_SIZE),
            "list_detail": agent.preferences.get("list_detail", "small"),
            "dashboard_refresh_seconds": agent.preferences.get("dashboard_refresh_seconds", 60),
        }


def _save_language(request: HttpRequest, form: LanguageForm) -> str:
    agent_set_language(
        actor=request.actor, agent=request.user, language=form.cleaned_data["language"]
    )
    return _("Your language was changed.")


def _save_time_zone(request: HttpRequest, form: TimeZoneForm) -> str:
    agent_set_time_zone(
        actor=request.actor, agent=request.user, time_zone=form.cleaned_data["time_zone"]
    )
    return _("Your time zone was changed.")


def _save_date_format(request: HttpRequest, form: DateFormatForm) -> str:
    _update(request, **{moments.PREFERENCE_KEY: form.cleaned_data["datetime_format"]})
    return _("Your date and time format was saved.")


def _save_password(request: HttpRequest, form: PasswordForm) -> str:
    try:
        agent_change_password(
            actor=request.actor,
            agent=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
    except DomainError as error:
        form.add_error("old_password", error.message)
        raise
    # Other sessions end with the old password; this one goes on.
    update_session_auth_hash(request, request.user)
    return _("Your password was changed.")


def _save_my_queues(request: HttpRequest, form: MyQueuesForm) -> str:
    _update(request, my_queue_ids=sorted(form.cleaned_data["queues"]))
    return _("Your queues were saved.")


def _save_notifications(request: HttpRequest, form: NotificationsForm) -> str:
    _update(request, notifications={key: form.cleaned_data[key] for key, _label in NOTIFICATIONS})
    return _("Your notification settings were saved.")


def _save_out_of_office(request: HttpRequest, form: OutOfOfficeForm) -> str:
    data = form.cleaned_data
    _update(
        request,
        out_of_office={
            "enabled": data["enabled"],
            "start": data["start"].isoformat() if data["start"] else "",
            "end": data["end"].isoformat() if data["end"] else "",
        },
    )
    return _("Your out-of-office settings were saved.")


def _save_lists(request: HttpRequest, form: ListsForm) -> str:
    _update(
        request,
        page_size=form.cleaned_data["page_size"],
        list_detail=form.cleaned_data["list_detail"],
        dashboard_refresh_seconds=form.cleaned_data["dashboard_refresh_seconds"],
    )
    return _("Your ticket list settings were saved.")


def _update(request: HttpRequest, **values: object) -> None:
    agent_update_preferences(actor=request.actor, agent=request.user, values=values)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    form: type[SectionForm]
    save: Callable[[HttpRequest, SectionForm], str]
    description: str = ""


SECTIONS = {
    section.name: section
    for section in (
        Section("language", gettext_lazy("Language"), LanguageForm, _save_language),
        Section("time_zone", gettext_lazy("Time zone"), TimeZoneForm, _save_time_zone),
        Section(
            "date_format",
            gettext_lazy("Date and time format"),
            DateFormatForm,
            _save_date_format,
        ),
        Section("password", gettext_lazy("Password"), PasswordForm, _save_password),
        Section("my_queues", gettext_lazy("My queues"), MyQueuesForm, _save_my_queues),
        Section(
            "notifications",
            gettext_lazy("Email notifications"),
            NotificationsForm,
            _save_notifications,
            gettext_lazy("Which events you are told about by email."),
        ),
        Section(
            "out_of_office", gettext_lazy("Out of office"), OutOfOfficeForm, _save_out_of_office
        ),
        Section("lists", gettext_lazy("Ticket lists"), ListsForm, _save_lists),
    )
}


@dataclass
class SectionView:
    section: Section
    form: SectionForm
    notice: str = ""


@agent_view
def preferences(request: HttpRequest) -> HttpResponse:
    agent, actor = request.user, request.actor
    views = {
        name: SectionView(section, section.form(agent=agent, actor=actor))
        for name, section in SECTIONS.items()
    }
    if request.method == "POST":
        section = SECTIONS.get(request.POST.get("section", ""))
        if section is None:
            messages.error(request, _("Unknown preferences section."))
            return redirect("agent:preferences")
        form = section.form(request.POST, agent=agent, actor=actor)
        current = views[section.name] = SectionView(section, form)
        if form.is_valid():
            try:
                message = section.save(request, form)
            except DomainError as error:
                if not form.errors:
                    form.add_error(None, error.message)
            else:
                if not request.htmx:
                    messages.success(request, message)
                    return redirect("agent:preferences")
                if section.name == "language":
                    # The whole page changes language: htmx reloads it.
                    messages.success(request, message)
                    return HttpResponse(headers={"HX-Refresh": "true"})
                current = SectionView(section, section.form(agent=agent, actor=actor), message)
        if request.htmx:
            return render(request, "agent/partials/preferences_section.html", {"item": current})
    context = {
        "nav": "preferences",
        "sections": list(views.values()),
        "totp_enabled": TOTPDevice.objects.filter(user_id=agent.pk, confirmed=True).exists(),
    }
    return render(request, "agent/preferences.html", context)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Token from your app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RemoveTotpForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@never_cache
@agent_view
def totp_setup(request: HttpRequest) -> HttpResponse:
    agent, actor = request.user, request.actor
    token_form, remove_form = TokenForm(), RemoveTotpForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            try:
                agent_totp_start(actor=actor, agent=agent)
            except DomainError as error:
                messages.error(request, error.message)
            return redirect("agent:totp_setup")
        if action == "confirm":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                try:
                    device = agent_totp_confirm(
                        actor=actor, agent=agent, token=token_form.cleaned_data["token"]
                    )
                except DomainError as error:
                    token_form.add_error(None, error.message)
                else:
                    django_otp.login(request, device)
                    messages.success(request, _("Two-factor login is on."))
                    return redirect("agent:preferences")
        elif action == "remove":
            remove_form = RemoveTotpForm(request.POST)
            if remove_form.is_valid():
                try:
                    agent_totp_remove(
                        actor=actor, agent=agent, password=remove_form.cleaned_data["password"]
                    )
                except DomainError as error:
                    remove_form.add_error(None, error.message)
                else:
                    messages.success(request, _("Two-factor login is off."))
                    return redirect("agent:preferences")
    devices = list(TOTPDevice.objects.filter(user_id=agent.pk))
    confirmed = any(device.confirmed for device in devices)
    pending = next((device for device in devices if not device.confirmed), None)
    context = {
        "nav": "preferences",
        "confirmed": confirmed,
        "pending": pending,
        "token_form": token_form,
        "remove_form": remove_form,
    }
    if pending is not None and not confirmed:
        pending.user = agent
        # segno's own SVG of our otpauth URL; no user text reaches it unescaped.
        context["qr_code"] = mark_safe(
            segno.make(pending.config_url, error="m").svg_inline(scale=4, light="#fff")
        )
        context["secret"] = b32encode(pending.bin_key).decode()
    return render(request, "agent/totp_setup.html", context)


urlpatterns = [
    path("preferences/", preferences, name="preferences"),
    path("preferences/totp/", totp_setup, name="totp_setup"),
]
