"""Keeping the worker of `ticketry run` alive: a worker that ended on its own is started
again, after a pause that grows while it keeps ending soon after each start."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

from django.utils.translation import gettext as _

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 60.0
CHECK_EVERY_SECONDS = 0.5


class WorkerSupervisor(threading.Thread):
    """Starts the worker with `start` and watches it; `stop` ends it with `halt`."""

    def __init__(
        self,
        *,
        start: Callable[[], subprocess.Popen],
        halt: Callable[[subprocess.Popen], None],
        report: Callable[[str], object],
        first_pause: float = FIRST_PAUSE_SECONDS,
        longest_pause: float = LONGEST_PAUSE_SECONDS,
    ) -> None:
        super().__init__(name="ticketry-worker-supervisor", daemon=True)
        self._start_worker = start
        self._halt = halt
        self._report = report
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.worker = start()

    def run(self) -> None:
        pause = self.first_pause
        started = time.monotonic()
        while not self._stopping.wait(CHECK_EVERY_SECONDS):
            code = self.worker.poll()
            if code is None:
                continue
            if time.monotonic() - started > self.longest_pause:
                # It had run for a while: this is not a worker that dies at once.
                pause = self.first_pause
            self._report(
                _("The worker stopped (exit code %(code)s); starting it again in %(seconds)d s.")
                % {"code": code, "seconds": pause}
            )
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.worker = self._start_worker()
            started = time.monotonic()
            pause = min(pause * 2, self.longest_pause)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
        self.join(timeout=CHECK_EVERY_SECONDS * 4)
        self._halt(self.worker)
