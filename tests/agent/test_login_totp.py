import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

SETUP = "/agent/preferences/totp/"


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    # The device's own back-off would refuse the right token right after a wrong one.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def token(device: TOTPDevice, steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def device(agent) -> TOTPDevice:
    return TOTPDevice.objects.create(user=agent, name="Ticketry", confirmed=True)


@pytest.fixture
def verified_client(agent_client, device):
    """Alice's session, verified by her device as the login does it."""
    session = agent_client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return agent_client


def log_in(client, **data):
    return client.post(reverse("agent:login"), {"username": "alice", **data})


def test_url_name():
    assert reverse("agent:totp_setup") == SETUP


def test_set_up_shows_a_qr_code_and_the_secret_then_confirms(agent_client, agent):
    start = agent_client.get(SETUP)
    assert 'value="start"' in start.content.decode()
    assert not TOTPDevice.objects.exists()

    assert agent_client.post(SETUP, {"action": "start"})["Location"] == SETUP
    page = agent_client.get(SETUP)

    pending = TOTPDevice.objects.get(user=agent)
    assert not pending.confirmed
    content = page.content.decode()
    assert "<svg" in content
    assert page.context["secret"] in content
    assert len(page.context["secret"]) == 32
    assert "no-store" in page["Cache-Control"]

    wrong = agent_client.post(SETUP, {"action": "confirm", "token": "000000"})
    assert "The token does not match." in wrong.content.decode()
    pending.refresh_from_db()
    assert not pending.confirmed

    confirmed = agent_client.post(SETUP, {"action": "confirm", "token": token(pending)})
    assert confirmed["Location"] == reverse("agent:preferences")
    pending.refresh_from_db()
    assert pending.confirmed
    assert agent_client.session[DEVICE_ID_SESSION_KEY] == pending.persistent_id
    preferences = agent_client.get(reverse("agent:preferences")).content.decode()
    assert "Two-factor login is on." in preferences


def test_remove_needs_the_password(verified_client, device):
    page = verified_client.get(SETUP)
    assert 'value="remove"' in page.content.decode()

    wrong = verified_client.post(SETUP, {"action": "remove", "password": "wrong"})
    assert "Your password was entered incorrectly." in wrong.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    removed = verified_client.post(SETUP, {"action": "remove", "password": "secret-pass-123"})
    assert removed["Location"] == reverse("agent:preferences")
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_starting_again_while_on_is_refused(verified_client, device):
    response = verified_client.post(SETUP, {"action": "start"}, follow=True)

    assert response.redirect_chain == [(SETUP, 302)]
    assert "Two-factor authentication is already on." in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed


def test_login_form_has_a_token_field(client):
    content = client.get(reverse("agent:login")).content.decode()

    assert 'name="otp_token"' in content
    assert 'autocomplete="one-time-code"' in content


def test_login_without_a_device_needs_no_token(client, agent):
    response = log_in(client, password="secret-pass-123")

    assert response["Location"] == reverse("agent:dashboard")


def test_login_with_a_device_requires_the_token(client, device):
    missing = log_in(client, password="secret-pass-123")
    wrong = log_in(client, password="secret-pass-123", otp_token="000000")

    for response in (missing, wrong):
        assert response.status_code == 200
        assert "Please enter a correct" in response.content.decode()
    assert client.get(reverse("agent:dashboard")).status_code == 302

    right = log_in(client, password="secret-pass-123", otp_token=token(device))

    assert right["Location"] == reverse("agent:dashboard")
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("agent:dashboard")).status_code == 200


def test_wrong_password_with_the_right_token_fails(client, device):
    response = log_in(client, password="wrong", otp_token=token(device))

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.last_t == -1


def test_wrong_token_counts_as_a_failed_login(client, device, settings):
    log_in(client, password="secret-pass-123", otp_token="000000")

    assert AccessAttempt.objects.get(username="alice").failures_since_start == 1

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, password="secret-pass-123", otp_token="000000")
    locked = log_in(client, password="secret-pass-123", otp_token=token(device))

    assert locked.status_code == 429
    assert client.get(reverse("agent:dashboard")).status_code == 302


def test_a_token_works_only_once(client, device):
    used = token(device)
    assert log_in(client, password="secret-pass-123", otp_token=used).status_code == 302
    client.post(reverse("agent:logout"))

    again = log_in(client, password="secret-pass-123", otp_token=used)

    assert again.status_code == 200
