"""`ticketry search_reindex`: rewrite the full-text search documents of all tickets."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ticketry.tickets.search import reindex_all


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Rewrite the full-text search documents of all tickets and articles.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help=_("Tickets per transaction (default: %(default)s)."),
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(_("The batch size must be at least 1."))
        written = reindex_all(batch_size=batch_size)
        message = ngettext(
            "Indexed %(count)d search document.", "Indexed %(count)d search documents.", written
        )
        self.stdout.write(message % {"count": written})
