"""`ticketry mail lmtp`: receive mail from Postfix or Exim by LMTP until stopped.

Listen on the loopback interface (the default) or a private network only. Its mail is
untrusted unless `--trusted` is given: then its X-OTRS headers are honoured, so only a mail
server that removes them from mail it receives from outside should deliver to it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from argparse import ArgumentParser

from django.utils.translation import gettext as _

from ..fetching.lmtp import DEFAULT_MAX_SIZE, LmtpServer
from .trust import add_trust_options

MEGABYTE = 1024 * 1024


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) <= 65535:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a port number (1 to 65535).") % {"value": value}
        )
    return int(value)


def _megabytes(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(_("Give a whole number of megabytes, 1 or more."))
    return int(value)


def configure(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help=_("Address to listen on (default: %(default)s).")
    )
    parser.add_argument(
        "--port", type=_port, default=2003, help=_("Port to listen on (default: %(default)s).")
    )
    parser.add_argument(
        "--max-size",
        type=_megabytes,
        default=DEFAULT_MAX_SIZE // MEGABYTE,
        metavar="MB",
        help=_("Refuse messages bigger than this (default: %(default)s MB)."),
    )
    add_trust_options(parser, default=False, why=_("any sender can write X-OTRS headers"))


def run(options: dict, out) -> int:
    if options.get("verbosity", 1) < 2:
        # aiosmtpd reports every connection; the MTA's log has those already.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
    host, port = options["host"], options["port"]
    server = LmtpServer(
        host, port, max_size=options["max_size"] * MEGABYTE, trusted=options.get("trusted", False)
    )
    try:
        server.start()
    except OSError as error:
        message = _("Cannot listen on %(host)s port %(port)s: %(error)s") % {
            "host": host,
            "port": port,
            "error": error.strerror or error,
        }
        sys.stderr.write(message + "\n")
        return 1
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_args: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        out.write(
            _("Receiving mail by LMTP on %(host)s port %(port)s. Press Ctrl-C to stop.")
            % {"host": host, "port": port}
        )
        out.flush()
        stopping.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        out.write(_("Stopping …"))
        server.stop()
    return 0
