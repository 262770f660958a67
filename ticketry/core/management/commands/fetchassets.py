from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ticketry.core.assets import ASSETS, AssetError, fetch_asset, missing_assets


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Download the pinned front-end libraries the web interface needs.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("Download even those already present.")
        )

    def handle(self, *args, force: bool = False, **options):
        for asset in ASSETS if force else missing_assets():
            try:
                path = fetch_asset(asset)
            except AssetError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(_("Fetched %(path)s") % {"path": path})
