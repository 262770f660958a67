"""Inbound mail: store raw, then parse and run the PostMaster."""

from .delivery import Delivery
from .process import (
    claim_waiting,
    process,
    process_claimed,
    process_pending,
    quarantine,
    receive,
    reprocess,
)
from .store import store_raw

__all__ = [
    "Delivery",
    "claim_waiting",
    "process",
    "process_claimed",
    "process_pending",
    "quarantine",
    "receive",
    "reprocess",
    "store_raw",
]
