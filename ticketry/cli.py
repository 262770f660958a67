"""The `ticketry` console command: Django's management commands plus Ticketry's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketry.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "ticketry"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
