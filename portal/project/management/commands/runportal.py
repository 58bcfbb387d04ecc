"""`manage.py runportal`: the web server, the django-q2 worker and the paging engine.

Ctrl-C (or SIGTERM) stops them all; if one dies, the others are stopped too.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import CommandParser

from portal.kernel.command_line import PortalCommand


class Command(PortalCommand):
    help = "Run the web server, the task worker and the paging engine; Ctrl-C stops them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        address = f"{options['host']}:{options['port']}"
        children = [
            subprocess.Popen([*manage, "runserver", address, "--noreload"]),  # noqa: S603
            subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
            subprocess.Popen([*manage, "engine"]),  # noqa: S603
        ]
        self.stdout.write(
            f"Portal on http://{address}/admin/ — worker and paging engine running. "
            "Ctrl-C stops them."
        )

        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

        def on_sigterm(*_: Any) -> None:
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A process stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            stop()
