"""Forwarded headers (X-Forwarded-Proto, X-Forwarded-For) count only when a trusted proxy
(TICKETRY_TRUSTED_PROXIES) sent them; from anyone else they are dropped before Django sees
them, so no client can claim HTTPS or another address (the login throttle counts by it)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
)


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """Addresses or networks (`10.0.0.1`, `10.0.0.0/8`, `::1`); a ValueError names a bad one."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]


def _is_in(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str, proxies: list[Network]) -> str:
    """The client behind a chain of trusted proxies: the last address of X-Forwarded-For that
    is not a trusted proxy itself (earlier ones were written by the client and prove nothing)."""
    address = peer
    for hop in reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()]):
        if not _is_in(address, proxies):
            break
        address = hop
    return address


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if self.proxies and _is_in(peer, self.proxies):
            meta["REMOTE_ADDR"] = client_address(
                peer, meta.get("HTTP_X_FORWARDED_FOR", ""), self.proxies
            )
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
