"""`manage.py engine [--interval SECONDS] [--once]`: the paging engine (see
`portal.project.engine`). `make run` / `runportal` start it; in production run one
or more under a process supervisor (systemd, a container), next to the web server
and `qcluster`."""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.kernel.command_line import PortalCommand
from portal.project.engine import Engine, interval, run_cycle


class Command(PortalCommand):
    help = "Run the engine: due escalation steps, missed deadlines, outbox sends."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between cycles (default ENGINE_INTERVAL_SECONDS, 1).",
        )
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["interval"] if options["interval"] is not None else interval()
        if not 0.05 <= every <= 5:
            raise CommandError("interval: give 0.05 to 5 seconds (due work waits one interval).")
        if options["once"]:
            self.stdout.write(str(run_cycle()))
            return
        engine = Engine(every=every).start()
        self.stdout.write(f"Paging engine running, a cycle every {every:g} s. Ctrl-C stops it.")

        def on_signal(*_: Any) -> None:
            engine.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not engine.stopping.wait(1.0):
            if dead := engine.dead_loops():
                # Exit non-zero: a supervisor restarts a whole engine; half of one would
                # look alive while nothing opens alerts or pages (issue 24).
                engine.stop(timeout=5)
                self.stderr.write(f"engine: the {', '.join(dead)} loop died; exiting")
                sys.exit(1)
        engine.stop()
        self.stdout.write(f"Paging engine stopped after {engine.cycles} cycles.")
