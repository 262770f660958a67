"""Subcommands of `ticketry mail`: one module each, with `configure(parser)` and
`run(options, out) -> int` (the exit status)."""

from importlib import import_module

SUBCOMMANDS = {
    "read": "Read one message from standard input (for an MTA pipe).",
    "parse": "Parse a message file and print the result, without touching the database.",
    "reprocess": "Process quarantined or waiting messages again.",
    "fetch": "Fetch mail from the mail accounts now.",
    "lmtp": "Run the LMTP receiver for direct delivery from Postfix or Exim.",
    "send": "Send the due messages of the outbound queue now.",
}


def module(name: str):
    return import_module(f"{__name__}.{name}")
