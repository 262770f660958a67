"""`ticketry mail send`: send the due messages of the outbound queue now.

The exit status is 0 when every message tried was sent, 1 when some wait for another
attempt or failed for good.
"""

from __future__ import annotations

from argparse import ArgumentParser

from django.utils import formats
from django.utils.translation import gettext as _

from ticketry.core import clock

from ..models import OutboundStatus
from ..outbound import SendOutcome, send_due


def configure(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=int, default=100, help=_("Send at most this many messages.")
    )


def run(options: dict, out) -> int:
    limit = options.get("limit")
    report = send_due(limit=100 if limit is None else limit)
    for outcome in report.outcomes:
        out.write(describe(outcome) + "\n")
    if not report.outcomes:
        out.write(_("No messages are due.") + "\n")
        return 0
    summary = _("Sent: %(sent)d, to retry: %(retrying)d, failed: %(failed)d.") % {
        "sent": len(report.sent),
        "retrying": len(report.retrying),
        "failed": len(report.failed),
    }
    out.write(summary + "\n")
    return 0 if len(report.sent) == len(report.outcomes) else 1


def describe(outcome: SendOutcome) -> str:
    values = {
        "id": outcome.outbound_id,
        "recipients": ", ".join(outcome.recipients),
        "error": outcome.error,
    }
    if outcome.status == OutboundStatus.SENT:
        line = _("Sent mail %(id)s to %(recipients)s.") % values
        return f"{line} {outcome.error}" if outcome.error else line
    if outcome.status == OutboundStatus.FAILED:
        return _("Gave up on mail %(id)s to %(recipients)s: %(error)s") % values
    values["when"] = formats.date_format(
        clock.localtime(outcome.next_attempt_at), "DATETIME_FORMAT"
    )
    return _("Mail %(id)s to %(recipients)s will be tried again at %(when)s: %(error)s") % values
