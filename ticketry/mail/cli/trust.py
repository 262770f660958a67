"""`--trusted` / `--untrusted`: whether mail received by a command may set X-OTRS headers."""

from __future__ import annotations

from argparse import ArgumentParser

from django.utils.translation import gettext as _


def add_trust_options(parser: ArgumentParser, *, default: bool, why: str) -> None:
    """The two options, one of them at most; `why` explains the default in the help."""
    choice = parser.add_mutually_exclusive_group()
    trusted_help = _("Honour the X-OTRS headers of the mail received.")
    untrusted_help = _("Ignore the X-OTRS headers of the mail received.")
    default_note = " " + _("This is the default: %(why)s.") % {"why": why}
    choice.add_argument(
        "--trusted",
        dest="trusted",
        action="store_true",
        default=default,
        help=trusted_help + (default_note if default else ""),
    )
    choice.add_argument(
        "--untrusted",
        dest="trusted",
        action="store_false",
        help=untrusted_help + ("" if default else default_note),
    )
