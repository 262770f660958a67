"""Subcommands of `ticketry mail`: one module each, with `configure(parser)` and
`run(options, out) -> int` (the exit status)."""

from importlib import import_module

from django.utils.translation import gettext_lazy as _

SUBCOMMANDS = {
    "read": _("Read one message from standard input (for an MTA pipe)."),
    "parse": _("Parse a message file and print the result, without touching the database."),
    "reprocess": _("Process quarantined or waiting messages again."),
    "fetch": _("Fetch mail from the mail accounts now."),
    "lmtp": _("Run the LMTP receiver for direct delivery from Postfix or Exim."),
    "send": _("Send the due messages of the outbound queue now."),
}


def module(name: str):
    return import_module(f"{__name__}.{name}")
