import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import AgentFactory
from ticketry.accounts.services import (
    agent_change_password,
    agent_set_language,
    agent_set_time_zone,
    agent_totp_confirm,
    agent_totp_remove,
    agent_totp_start,
    agent_update_preferences,
)
from ticketry.core.actor import Actor
from ticketry.core.errors import Conflict, InvalidValue, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_agent_merges_and_removes_own_preferences():
    agent = AgentFactory(preferences={"page_size": 25, "theme": "dark"})

    agent_update_preferences(
        actor=agent.actor, agent=agent, values={"page_size": 50, "theme": None, "my_queues": [1]}
    )

    agent.refresh_from_db()
    assert agent.preferences == {"page_size": 50, "my_queues": [1]}


def test_agent_may_not_change_another_agents_preferences():
    agent, other = AgentFactory(), AgentFactory()

    with pytest.raises(PermissionDenied):
        agent_update_preferences(actor=agent.actor, agent=other, values={"page_size": 10})


def test_system_may_change_any_agents_preferences():
    agent = AgentFactory()

    agent_update_preferences(actor=Actor.system(), agent=agent.pk, values={"page_size": 10})

    agent.refresh_from_db()
    assert agent.preferences == {"page_size": 10}


def totp_token(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_agent_sets_language_and_time_zone():
    agent = AgentFactory()

    agent_set_language(actor=agent.actor, agent=agent, language="de")
    agent_set_time_zone(actor=agent.actor, agent=agent, time_zone="Europe/Berlin")

    agent.refresh_from_db()
    assert (agent.language, agent.time_zone) == ("de", "Europe/Berlin")


@pytest.mark.parametrize(
    ("service", "value"),
    [(agent_set_language, {"language": "xx"}), (agent_set_time_zone, {"time_zone": "Mars/Base"})],
)
def test_unknown_language_or_time_zone_is_refused(service, value):
    agent = AgentFactory()

    with pytest.raises(InvalidValue):
        service(actor=agent.actor, agent=agent, **value)


def test_agent_may_not_change_another_agents_language():
    agent, other = AgentFactory(), AgentFactory()

    with pytest.raises(PermissionDenied):
        agent_set_language(actor=agent.actor, agent=other, language="de")


def test_password_change_checks_the_old_password_and_the_rules():
    agent = AgentFactory()

    with pytest.raises(InvalidValue, match="current password"):
        agent_change_password(
            actor=agent.actor, agent=agent, old_password="wrong", new_password="Fresh-pass-4711"
        )
    with pytest.raises(InvalidValue, match="too short"):
        agent_change_password(
            actor=agent.actor, agent=agent, old_password="secret-pass-123", new_password="short"
        )
    agent_change_password(
        actor=agent.actor,
        agent=agent,
        old_password="secret-pass-123",
        new_password="Fresh-pass-4711",
    )

    agent.refresh_from_db()
    assert agent.check_password("Fresh-pass-4711")


def test_totp_start_confirm_and_remove(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    agent = AgentFactory()
    first = agent_totp_start(actor=agent.actor, agent=agent)
    device = agent_totp_start(actor=agent.actor, agent=agent)
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    assert not device.confirmed

    with pytest.raises(InvalidValue):
        agent_totp_confirm(actor=agent.actor, agent=agent, token="000000")
    agent_totp_confirm(actor=agent.actor, agent=agent, token=totp_token(device))

    device.refresh_from_db()
    assert device.confirmed
    with pytest.raises(Conflict):
        agent_totp_start(actor=agent.actor, agent=agent)
    with pytest.raises(InvalidValue):
        agent_totp_remove(actor=agent.actor, agent=agent, password="wrong")
    agent_totp_remove(actor=agent.actor, agent=agent, password="secret-pass-123")
    assert not TOTPDevice.objects.filter(user_id=agent.pk).exists()


def test_a_wrong_totp_token_counts_towards_the_devices_throttle():
    agent = AgentFactory()
    device = agent_totp_start(actor=agent.actor, agent=agent)

    with pytest.raises(InvalidValue):
        agent_totp_confirm(actor=agent.actor, agent=agent, token="000000")

    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_confirming_without_a_started_set_up_is_refused():
    agent = AgentFactory()

    with pytest.raises(NotFound):
        agent_totp_confirm(actor=agent.actor, agent=agent, token="123456")
