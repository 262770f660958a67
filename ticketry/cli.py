"""The `ticketry` console command: Django's management commands plus Ticketry's own."""

import gc
import os
import sys
from typing import NoReturn


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketry.settings")
    argv = sys.argv[:]
    argv[0] = "ticketry"
    if argv[1:3] == ["mail", "read"]:
        _mail_read(argv[3:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def _mail_read(args: list[str]) -> NoReturn:
    """An MTA starts `ticketry mail read` once per message, so its start-up is the cost of a
    delivery: set Django up with the cyclic garbage collector paused (it would sweep the
    freshly loaded modules several times, a tenth of the start-up) and skip building every
    management command's parser."""
    gc.disable()
    import django

    django.setup()
    gc.freeze()
    gc.enable()
    from ticketry.mail.cli.read import pipe

    pipe(args)


if __name__ == "__main__":
    main()
