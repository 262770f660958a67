"""Every way into a session asks for the second factor of an agent who turned it on."""

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import AgentFactory
from tests.agent.test_login_totp import token

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
HTMX = {"HX-Request": "true", "HX-Current-URL": "/agent/"}


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def superuser(db):
    return AgentFactory(login="sue", is_superuser=True)


@pytest.fixture
def device(superuser) -> TOTPDevice:
    return TOTPDevice.objects.create(user=superuser, name="Ticketry", confirmed=True)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_agent_login_without_the_token_opens_nothing(client, device):
    response = client.post(reverse("agent:login"), {"username": "sue", "password": PASSWORD})

    assert response.status_code == 200
    assert not signed_in(client)
    assert client.get(reverse("agent:dashboard")).status_code == 302
    assert client.get(ADMIN).status_code == 302


def test_agent_login_with_the_token_opens_the_agent_pages_and_the_admin(client, device):
    response = client.post(
        reverse("agent:login"),
        {"username": "sue", "password": PASSWORD, "otp_token": token(device)},
    )

    assert response["Location"] == reverse("agent:dashboard")
    assert client.get(reverse("agent:dashboard")).status_code == 200
    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("agent:dashboard"), headers=HTMX).status_code == 200


@pytest.mark.parametrize("with_token", [False, True])
def test_the_admin_login_signs_nobody_in_and_leads_to_the_agent_login(client, device, with_token):
    data = {"username": "sue", "password": PASSWORD}
    if with_token:
        data["otp_token"] = token(device)

    posted = client.post(f"{ADMIN_LOGIN}?next=/admin/core/", data)

    assert posted.status_code == 302
    assert posted["Location"] == "/agent/login/?next=/admin/core/"
    assert not signed_in(client)
    assert client.get(ADMIN).status_code == 302
    assert client.get(reverse("agent:dashboard")).status_code == 302


def test_the_admin_login_page_is_the_agent_login(client):
    response = client.get(ADMIN_LOGIN, follow=True)

    assert response.redirect_chain == [("/agent/login/?next=/admin/", 302)]
    assert 'name="otp_token"' in response.content.decode()


def test_a_session_without_the_token_is_ended_at_the_agent_pages(client, device):
    # What a password-only login (such as Django's own admin login form) leaves behind.
    client.force_login(device.user)

    response = client.get(reverse("agent:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agent:login"))
    assert not signed_in(client)


def test_a_session_without_the_token_is_ended_at_the_admin(client, device):
    client.force_login(device.user)

    response = client.get("/admin/core/sysconfigvalue/")

    assert response.status_code == 302
    assert not signed_in(client)


def test_a_session_without_the_token_is_ended_for_htmx_requests(client, device):
    client.force_login(device.user)

    response = client.get(reverse("agent:dashboard"), headers=HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("agent:login"))
    assert not signed_in(client)


def test_a_session_verified_by_a_device_of_someone_else_is_ended(client, device, agent):
    other = TOTPDevice.objects.create(user=agent, name="Ticketry", confirmed=True)
    client.force_login(device.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other.persistent_id
    session.save()

    assert client.get(reverse("agent:dashboard")).status_code == 302
    assert not signed_in(client)


def test_agents_without_two_factor_login_keep_their_sessions(client, superuser):
    client.force_login(superuser)

    assert client.get(reverse("agent:dashboard")).status_code == 200
    assert client.get(ADMIN).status_code == 200


def test_an_agent_who_is_no_administrator_is_refused_by_the_admin(agent_client):
    response = agent_client.get(ADMIN, follow=True)

    assert response.status_code == 403
    assert "You do not have permission to do this." in response.content.decode()
    assert signed_in(agent_client)
