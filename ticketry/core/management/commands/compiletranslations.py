from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ticketry.core.translations import compile_catalogs


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Compile Ticketry's translation catalogs.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help=_("Compile even if up to date."))

    def handle(self, *args, force: bool = False, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for path in compile_catalogs(locale_dir, force=force):
                self.stdout.write(_("Compiled %(path)s") % {"path": path})
