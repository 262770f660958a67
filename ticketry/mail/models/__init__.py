from .accounts import MailAccount, MailAccountType
from .filters import PostmasterFilter
from .inbound import InboundMessage, InboundOutcome, InboundSource, InboundStatus
from .outbound import AutoResponseCount, OutboundMail, OutboundStatus

__all__ = [
    "AutoResponseCount",
    "InboundMessage",
    "InboundOutcome",
    "InboundSource",
    "InboundStatus",
    "MailAccount",
    "MailAccountType",
    "OutboundMail",
    "OutboundStatus",
    "PostmasterFilter",
]
