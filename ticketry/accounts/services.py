"""Changing agents' own settings: the one writer of an agent's preferences, language, time
zone, password and two-factor devices."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from ticketry.core.actor import Actor
from ticketry.core.errors import Conflict, InvalidValue, NotFound, PermissionDenied

from .models import Agent

TOTP_DEVICE_NAME = "Ticketry"


def _require_self(actor: Actor, agent_id: int) -> None:
    if not actor.is_system and not (actor.is_agent and actor.id == agent_id):
        raise PermissionDenied(_("You may only change your own preferences."))


def _agent_id(agent: Agent | int) -> int:
    return agent.pk if isinstance(agent, Agent) else agent


def agent_update_preferences(
    *, actor: Actor, agent: Agent | int, values: Mapping[str, object]
) -> Agent:
    """Merge `values` into the agent's preferences; a value of None removes the key.

    Agents change their own preferences; the system may change anybody's.
    """
    agent_id = _agent_id(agent)
    _require_self(actor, agent_id)
    with transaction.atomic():
        row = Agent.objects.select_for_update().get(pk=agent_id)
        preferences = dict(row.preferences)
        for key, value in values.items():
            if value is None:
                preferences.pop(key, None)
            else:
                preferences[key] = value
        row.preferences = preferences
        row.save(update_fields=["preferences", "changed_at"])
    if isinstance(agent, Agent):
        agent.preferences = row.preferences
    return row


def agent_set_language(*, actor: Actor, agent: Agent | int, language: str) -> Agent:
    """Set the agent's interface language; "" follows the installation's default."""
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidValue(_("“%(language)s” is not an available language."), language=language)
    return _set_fields(actor, agent, language=language)


def agent_set_time_zone(*, actor: Actor, agent: Agent | int, time_zone: str) -> Agent:
    """Set the agent's time zone (an IANA name); "" follows the installation's zone."""
    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise InvalidValue(_("“%(zone)s” is not a known time zone."), zone=time_zone)
    return _set_fields(actor, agent, time_zone=time_zone)


def _set_fields(actor: Actor, agent: Agent | int, **values: str) -> Agent:
    agent_id = _agent_id(agent)
    _require_self(actor, agent_id)
    with transaction.atomic():
        row = Agent.objects.select_for_update().get(pk=agent_id)
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=[*values, "changed_at"])
    if isinstance(agent, Agent):
        for name, value in values.items():
            setattr(agent, name, value)
    return row


def agent_change_password(
    *, actor: Actor, agent: Agent, old_password: str, new_password: str
) -> Agent:
    """Replace the agent's password after checking the current one and the password rules."""
    _require_self(actor, agent.pk)
    if not agent.check_password(old_password):
        raise InvalidValue(_("Your current password was entered incorrectly."))
    try:
        password_validation.validate_password(new_password, agent)
    except ValidationError as error:
        raise InvalidValue(" ".join(error.messages)) from None
    with transaction.atomic():
        agent.set_password(new_password)
        agent.save(update_fields=["password", "changed_at"])
    return agent


def agent_totp_start(*, actor: Actor, agent: Agent) -> TOTPDevice:
    """A new, unconfirmed TOTP device with a fresh secret, replacing any unconfirmed one.

    It takes effect only once `agent_totp_confirm` saw a token from it."""
    _require_self(actor, agent.pk)
    with transaction.atomic():
        devices = TOTPDevice.objects.select_for_update().filter(user_id=agent.pk)
        if any(device.confirmed for device in devices):
            raise Conflict(_("Two-factor authentication is already on."))
        devices.delete()
        return TOTPDevice.objects.create(user=agent, name=TOTP_DEVICE_NAME, confirmed=False)


def agent_totp_confirm(*, actor: Actor, agent: Agent, token: str) -> TOTPDevice:
    """Turn two-factor authentication on, once the authenticator app's token matches."""
    _require_self(actor, agent.pk)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user_id=agent.pk, confirmed=False).first()
        )
        if device is None:
            raise NotFound(_("There is no two-factor set-up to confirm; start again."))
        verified = device.verify_token(token.strip())
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    # Raised after the commit, so that the failed try counts towards the device's throttle.
    if not verified:
        raise InvalidValue(_("The token does not match. Check the time on your device."))
    return device


def agent_totp_remove(*, actor: Actor, agent: Agent, password: str) -> None:
    """Turn two-factor authentication off; the agent confirms with the password."""
    _require_self(actor, agent.pk)
    if not agent.check_password(password):
        raise InvalidValue(_("Your password was entered incorrectly."))
    TOTPDevice.objects.filter(user_id=agent.pk).delete()
