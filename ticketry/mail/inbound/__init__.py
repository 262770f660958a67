"""Inbound mail: store raw, then parse and run the PostMaster."""

from .delivery import Delivery
from .process import process, process_pending, quarantine, receive, reprocess
from .store import store_raw

__all__ = [
    "Delivery",
    "process",
    "process_pending",
    "quarantine",
    "receive",
    "reprocess",
    "store_raw",
]
