import sys

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext_lazy as _

from ticketry.mail.cli import SUBCOMMANDS, module


class Command(BaseCommand):
    help = _("Email: read, parse, reprocess, fetch, receive by LMTP, send.")
    # Parsing a file must work without a database; each subcommand checks what it needs.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        for name, help_text in SUBCOMMANDS.items():
            # argparse formats the description with re, which takes no lazy strings.
            sub = subparsers.add_parser(name, help=help_text, description=str(help_text))
            module(name).configure(sub)

    def handle(self, *args, subcommand: str, **options) -> None:
        status = module(subcommand).run(options, self.stdout)
        if status:
            sys.exit(status)
