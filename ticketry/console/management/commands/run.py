"""`ticketry run`: the embedded set-up in one command.

Brings the database up to date, collects static files, creates demo data on the first
start, then serves the web application with waitress and runs a worker beside it.
"""

import argparse
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.views import static
from waitress import create_server

from ticketry.console.demo import (
    create_demo_data,
    demo_data_exists,
    demo_logins,
    is_fresh_installation,
)
from ticketry.console.supervision import WorkerSupervisor
from ticketry.wsgi import application

WORKER_STOP_SECONDS = 30


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a port number (0 to 65535).") % {"value": value}
        )
    return int(value)


class CollectedStaticFiles(StaticFilesHandler):
    """Serves STATIC_ROOT under STATIC_URL: the embedded set-up has no separate web server."""

    def serve(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path.removeprefix(self.base_url.path)
        try:
            return static.serve(request, path, document_root=settings.STATIC_ROOT)
        except SuspiciousFileOperation as error:  # a path leading out of STATIC_ROOT
            raise Http404(_("Not found.")) from error


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Run Ticketry on this machine: update the database, then serve the web application "
            "and run a background worker."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help=_("Address to listen on (default: %(default)s)."),
        )
        parser.add_argument(
            "--port",
            type=_port,
            default=os.environ.get("TICKETRY_PORT", "8000"),
            help=_("Port to listen on (default: TICKETRY_PORT or 8000)."),
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help=_("Do not create demo agents, customers and tickets on first start."),
        )

    def handle(self, *, host: str, port: int, no_demo: bool, verbosity: int, **options) -> None:
        self.stdout.write(_("Updating the database …"))
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("collectstatic", interactive=False, verbosity=0)
        logins = [] if no_demo else self._demo_logins()

        try:
            server = create_server(CollectedStaticFiles(application), host=host, port=port)
        except OSError as error:
            raise CommandError(
                _("Cannot listen on %(host)s port %(port)s: %(error)s")
                % {"host": host, "port": port, "error": error.strerror or error}
            ) from error
        base_url = _base_url(host, server.effective_port)
        settings.BASE_URL = base_url
        worker = WorkerSupervisor(
            start=lambda: self._start_worker(verbosity, base_url),
            halt=self._stop_worker,
            report=self.stdout.write,
        )
        worker.start()
        previous_handler = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._announce(_url(host, server.effective_port), logins)
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous_handler)
            self.stdout.write(_("Stopping …"))
            server.close()
            worker.stop()

    def _demo_logins(self) -> list[tuple[str, str]]:
        if demo_data_exists():
            return demo_logins()
        if settings.PRODUCTION or not is_fresh_installation():
            return []
        self.stdout.write(_("Creating demo data …"))
        return create_demo_data()

    def _start_worker(self, verbosity: int, base_url: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "ticketry", "worker", f"--verbosity={verbosity}"]
        command.append(f"--parent-pid={os.getpid()}")
        # Its own process group: Ctrl-C reaches only us, and we stop the worker once.
        extra = {"process_group": 0} if os.name == "posix" else {}
        environment = {**os.environ, "TICKETRY_BASE_URL": base_url}
        worker = subprocess.Popen(command, env=environment, **extra)
        self.stdout.write(_("Worker started (process %(pid)s).") % {"pid": worker.pid})
        return worker

    def _stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                worker.kill()
                worker.wait()
        self.stdout.write(_("Worker stopped."))

    def _announce(self, url: str, logins: list[tuple[str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS(_("Ticketry is running at %(url)s") % {"url": url}))
        if logins:
            self.stdout.write(_("Demo logins (login / password):"))
            for login, password in logins:
                self.stdout.write(f"    {login} / {password}")
        self.stdout.write(_("Press Ctrl-C to stop."))
        self.stdout.flush()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _base_url(host: str, port: int) -> str:
    """Where links in notification mails lead: TICKETRY_BASE_URL, or this server's address
    (the name the installation is reached by when it listens on every address)."""
    if os.environ.get("TICKETRY_BASE_URL"):
        return settings.BASE_URL
    if host in ("", "0.0.0.0", "::"):
        host = settings.FQDN
    return _url(host, port).rstrip("/")


def _url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"
