"""Outgoing mail: composition, the database queue and its transports."""

from .compose import parse_addresses
from .queue import SendOutcome, SendReport, send_due
from .reply import ReplyDraft, compose_reply
from .resend import resend
from .send import send_email_article
from .status import TransmissionStatus, transmission_status
from .tags import replace_tags

__all__ = [
    "ReplyDraft",
    "SendOutcome",
    "SendReport",
    "TransmissionStatus",
    "compose_reply",
    "parse_addresses",
    "replace_tags",
    "resend",
    "send_due",
    "send_email_article",
    "transmission_status",
]
