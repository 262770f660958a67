"""Which queue a new ticket from mail goes to (OTRS PostMaster DestQueue)."""

from __future__ import annotations

from ticketry.core import sysconfig
from ticketry.core.errors import NotFound
from ticketry.core.validity import Validity
from ticketry.tickets.services.lookups import resolve_queue

from ..addresses import address_of, split_addresses
from ..postmaster_config import system_addresses
from .params import MailParams

RECIPIENT_HEADERS = ("Resent-To", "Envelope-To", "To", "Cc", "Delivered-To", "X-Original-To")


def recipient_addresses(params: MailParams, envelope_recipient: str = "") -> list[str]:
    """Every recipient address in OTRS's order, the envelope recipient (LMTP) first."""
    addresses = [envelope_recipient] if envelope_recipient else []
    for header in RECIPIENT_HEADERS:
        addresses += [address_of(item) for item in split_addresses(params.get(header))]
    return [address.lower() for address in addresses if address]


def destination_queue(
    params: MailParams, *, fixed_queue_id: int | None, envelope_recipient: str = ""
) -> int | str:
    """A trusted X-OTRS-Queue (if it names a queue) wins; then the account's fixed queue;
    then the first recipient that is a system address; then the default queue setting."""
    named = params.get("X-OTRS-Queue").strip()
    if named and _queue_exists(named):
        return named
    if fixed_queue_id:
        return fixed_queue_id
    known = system_addresses()
    for address in recipient_addresses(params, envelope_recipient):
        if address in known:
            return known[address]
    default = sysconfig.get("PostmasterDefaultQueue")
    return default if _queue_exists(default) else 1


def _queue_exists(name: str) -> bool:
    try:
        return resolve_queue(name).valid == Validity.VALID
    except NotFound:
        return False
