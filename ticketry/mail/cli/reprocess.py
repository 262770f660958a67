"""`ticketry mail reprocess`: process quarantined (or given) messages again."""

from __future__ import annotations

import json
from argparse import ArgumentParser

from django.utils.translation import gettext as _

from ..inbound import process_pending, reprocess


def configure(parser: ArgumentParser) -> None:
    parser.add_argument(
        "ids", nargs="*", type=int, help=_("Inbound message IDs (default: all quarantined).")
    )
    parser.add_argument(
        "--pending",
        action="store_true",
        help=_("Process messages stored but not processed yet instead."),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the results as JSON."))


def run(options: dict, out) -> int:
    deliveries = process_pending(limit=10_000) if options["pending"] else reprocess(options["ids"])
    for delivery in deliveries:
        if options.get("json"):
            out.write(json.dumps(delivery.to_json(), ensure_ascii=False))
        else:
            out.write(f"#{delivery.inbound_id}: {delivery.describe()}")
    if not deliveries and not options.get("json"):
        out.write(_("Nothing to process."))
    return 0
