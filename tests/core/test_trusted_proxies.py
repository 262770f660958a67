"""X-Forwarded-Proto and X-Forwarded-For count only from the proxies TICKETRY_TRUSTED_PROXIES
names; from anyone else they are dropped."""

import pytest
from axes.models import AccessAttempt
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.factories import AgentFactory
from tests.core.fresh_settings import setting_in_new_process
from tests.core.test_settings import _run
from ticketry.core.proxies import TrustedProxyMiddleware, client_address, parse_networks

PROXIES = ["10.0.0.5", "192.168.0.0/24", "::1"]
FORWARDED = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    "HTTP_X_FORWARDED_HOST": "evil.example",
    "HTTP_FORWARDED": "for=198.51.100.7;proto=https",
}


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = PROXIES
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def through_middleware(peer: str, **headers: str):
    seen = {}

    def view(request):
        seen.update(secure=request.is_secure(), address=request.META["REMOTE_ADDR"])
        seen.update(headers={name for name in FORWARDED if name in request.META})
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    TrustedProxyMiddleware(view)(request)
    return seen


@pytest.mark.parametrize("peer", ["10.0.0.5", "192.168.0.77", "::1"])
def test_a_trusted_proxy_tells_the_scheme_and_the_client(behind_proxy, peer):
    seen = through_middleware(peer, **FORWARDED)

    assert seen["secure"] is True
    assert seen["address"] == "198.51.100.7"


@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.6", "192.168.1.1"])
def test_anyone_else_cannot_claim_https_or_another_address(behind_proxy, peer):
    seen = through_middleware(peer, **FORWARDED)

    assert seen == {"secure": False, "address": peer, "headers": set()}


def test_without_trusted_proxies_forwarded_headers_are_always_dropped(settings):
    settings.TRUSTED_PROXIES = []

    seen = through_middleware("127.0.0.1", **FORWARDED)

    assert seen == {"secure": False, "address": "127.0.0.1", "headers": set()}


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("198.51.100.7", "198.51.100.7"),
        # A client's own X-Forwarded-For is kept by the proxy in front; only what the
        # trusted proxies appended counts.
        ("1.2.3.4, 198.51.100.7", "198.51.100.7"),
        ("1.2.3.4, 198.51.100.7, 192.168.0.9", "198.51.100.7"),
        ("", "10.0.0.5"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_the_client_is_the_last_address_before_the_trusted_proxies(forwarded_for, client):
    assert client_address("10.0.0.5", forwarded_for, parse_networks(PROXIES)) == client


@pytest.mark.django_db
def test_the_login_throttle_counts_the_client_behind_the_proxy(behind_proxy, client):
    AgentFactory(login="alice")
    login = reverse("agent:login")
    wrong = {"username": "alice", "password": "wrong"}

    client.post(login, wrong, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    client.post(login, wrong, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.8")

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"198.51.100.7", "203.0.113.9"}


def test_production_trusts_the_proxy_header_only_when_a_proxy_is_named(tmp_path):
    alone = setting_in_new_process("SECURE_PROXY_SSL_HEADER", tmp_path, TICKETRY_PRODUCTION="1")
    named = setting_in_new_process(
        "SECURE_PROXY_SSL_HEADER",
        tmp_path,
        TICKETRY_PRODUCTION="1",
        TICKETRY_TRUSTED_PROXIES="10.0.0.5, 192.168.0.0/24",
    )

    assert alone.stdout.strip() == "None", alone.stderr
    assert named.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", named.stderr


def test_a_wrong_proxy_address_stops_the_start(tmp_path):
    result = _run(["check"], TICKETRY_DATA_DIR=str(tmp_path), TICKETRY_TRUSTED_PROXIES="proxy.lan")

    assert result.returncode != 0
    assert "TICKETRY_TRUSTED_PROXIES" in result.stderr
