"""`ticketry mail read`: one message on standard input, as an MTA pipe delivers it.

The exit status is non-zero only when the message could not be stored, so the MTA keeps it
and tries again; anything after storing (even quarantine) is a successful delivery.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from argparse import ArgumentParser
from typing import NoReturn

from django.db import connections
from django.utils.translation import gettext as _

from ticketry.tickets.models import Queue

from ..inbound import receive
from ..models import InboundSource
from . import SUBCOMMANDS
from .trust import add_trust_options

EX_TEMPFAIL = 75  # sysexits.h: the MTA retries later


def configure(parser: ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("Print the result as JSON."))
    parser.add_argument(
        "--queue", "-q", help=_("Put new tickets into this queue instead of dispatching.")
    )
    add_trust_options(parser, default=True, why=_("a local pipe is trusted, as in OTRS"))
    parser.add_argument(
        "--recipient", default="", help=_("The envelope recipient, if the MTA passes it.")
    )


def run(options: dict, out) -> int:
    raw = sys.stdin.buffer.read()
    try:
        queue = None
        if options.get("queue"):
            queue = Queue.objects.filter(name=options["queue"]).first()
            if queue is None:
                message = _("Unknown queue “%(queue)s”.") % {"queue": options["queue"]}
                sys.stderr.write(message + "\n")
                return 64
        delivery = receive(
            raw,
            source=InboundSource.PIPE,
            trusted=options.get("trusted", True),
            queue=queue,
            envelope_recipient=options.get("recipient") or "",
        )
    except Exception as error:
        # Not stored (the database may be away): the MTA must keep the message and retry.
        sys.stderr.write(_("Could not store the message: %(error)s") % {"error": error} + "\n")
        return EX_TEMPFAIL
    if options.get("json"):
        out.write(json.dumps(delivery.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(delivery.describe() + "\n")
    return 0


def pipe(args: list[str]) -> NoReturn:
    """`ticketry mail read` as an MTA runs it, without the management command around it:
    parse `args`, take the message and exit with the status."""
    parser = ArgumentParser(prog="ticketry mail read", description=str(SUBCOMMANDS["read"]))
    configure(parser)
    options = parser.parse_args(args)
    status = run(vars(options), sys.stdout)
    sys.stdout.flush()
    sys.stderr.flush()
    connections.close_all()
    logging.shutdown()
    # Tearing the interpreter down (Django's tens of thousands of objects) would take as long
    # as storing and processing the message; everything is written and closed by now.
    os._exit(status)
