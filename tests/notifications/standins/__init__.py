"""Local stand-ins for the phone carriers (Twilio, Telnyx), built from their references."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from tests.standin_timing import STANDIN_POLL_SECONDS


class RunningStandIn:
    """A carrier stand-in served on 127.0.0.1 (port 0) in a thread; `handler` keeps what
    it received and the status it is told to fail with as class attributes."""

    handler: ClassVar[type[BaseHTTPRequestHandler]]

    def __init__(self) -> None:
        self.handler.received, self.handler.fail_with = [], 0  # type: ignore[attr-defined]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def received(self) -> list[Any]:
        return self.handler.received  # type: ignore[attr-defined]

    def fail(self, status: int = 500) -> None:
        self.handler.fail_with = status  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
