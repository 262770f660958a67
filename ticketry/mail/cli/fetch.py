"""`ticketry mail fetch [--account ID]`: fetch the mail accounts now and say what came in.

The exit status is 1 when an account could not be fetched or a message could not be stored.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser

from django.utils.translation import gettext as _

from ..fetching.accounts import fetch_accounts


def configure(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--account",
        type=int,
        action="append",
        metavar="ID",
        help=_("Fetch only this mail account (may be given more than once)."),
    )
    parser.add_argument("--json", action="store_true", help=_("Print the results as JSON."))


def run(options: dict, out) -> int:
    reports = fetch_accounts(options.get("account"))
    for report in reports:
        if options.get("json"):
            out.write(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            for line in report.describe():
                out.write(line)
    if not reports and not options.get("json"):
        out.write(_("There are no valid mail accounts."))
    return 1 if any(report.failed for report in reports) else 0
