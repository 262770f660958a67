"""The agent login form: login name, password and, for agents who turned it on, a TOTP token."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user
from django_otp.models import Device


class AgentLoginForm(AuthenticationForm):
    """Asks for the token on the same page, as OTRS does.

    A missing or wrong token is a failed login like a wrong password: the same message (so
    the form does not tell whether the password was right) and a `user_login_failed` signal,
    which the login throttle counts."""

    otp_token = forms.CharField(
        label=_("Two-factor token"),
        required=False,
        strip=True,
        max_length=16,
        help_text=_("The code from your authenticator app, if you turned two-factor login on."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct %(username)s and password, and your two-factor token if "
            "you use one. Note that the fields may be case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.otp_device: Device | None = None

    @sensitive_variables("token")
    def clean(self) -> dict:
        cleaned = super().clean()
        user = self.user_cache
        if user is None:
            return cleaned
        devices = list(devices_for_user(user, confirmed=True))
        if not devices:
            return cleaned
        token = cleaned.get("otp_token") or ""
        self.otp_device = next(
            (device for device in devices if token and device.verify_token(token)), None
        )
        if self.otp_device is None:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": cleaned.get("username")},
                request=self.request,
            )
            self.user_cache = None
            raise self.get_invalid_login_error()
        return cleaned
