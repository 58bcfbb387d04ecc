"""Issue 24, "no outbound heartbeat that a second system can alarm on": the engine pings
DEADMAN_URL while the pager is healthy, and stops when it is not. The last test runs the
real `manage.py engine` on PostgreSQL: stopped, `/api/health` is 503 naming the engine
and the pings stop; started again, 200 and the pings resume."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portal.project import heartbeats
from portal.project.dead_mans_switch import Ping, ping_if_healthy

ROOT = Path(__file__).resolve().parents[2]


class Monitor:
    """A push monitor as healthchecks.io or Uptime Kuma run one: any GET on the check's
    URL is a ping (https://healthchecks.io/docs/http_api/, "success signal"); it answers
    200 "OK", and the monitor alarms when pings stop."""

    def __init__(self) -> None:
        self.pings: list[float] = []
        self.status = 200
        monitor = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                monitor.pings.append(time.monotonic())
                self.send_response(monitor.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ping/3f6a-check"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def pings_since(self, moment: float) -> int:
        return sum(1 for at in self.pings if at >= moment)


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    m = Monitor()
    yield m
    m.server.shutdown()


@pytest.mark.django_db
def test_pings_only_while_the_pager_is_healthy(
    monitor: Monitor, settings: Any, engine_alive: Any
) -> None:
    assert ping_if_healthy() == Ping.OFF
    settings.DEADMAN_URL = monitor.url
    assert ping_if_healthy() == Ping.PINGED
    assert len(monitor.pings) == 1
    # An engine whose loops went silent: no ping (silence is the message)
    engine_alive(time.time() - 300)
    assert ping_if_healthy() == Ping.WITHHELD
    assert len(monitor.pings) == 1
    # A monitor that refuses is reported, not raised
    engine_alive()
    monitor.status = 500
    assert ping_if_healthy() == Ping.FAILED


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _health() -> Any:
    heartbeats._last_written.clear()
    return APIClient().get("/api/health")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_stopping_the_engine_makes_health_503_and_the_switch_silent(
    monitor: Monitor, settings: Any
) -> None:
    stale = 8.0  # > heartbeats.HEARTBEAT_EVERY, so a running engine is never stale
    settings.ENGINE_STALE_SECONDS = stale
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "ENGINE_STALE_SECONDS": str(stale),
        "DEADMAN_URL": monitor.url,
        "DEADMAN_EVERY_SECONDS": "0.5",
    }

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, str(ROOT / "manage.py"), "engine", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def stop(engine: subprocess.Popen[str]) -> None:
        engine.send_signal(signal.SIGTERM)
        try:
            engine.wait(timeout=20)
        except subprocess.TimeoutExpired:
            engine.kill()

    engine = start()
    try:
        # Given a running engine: health is 200 and the monitor hears from it
        assert _wait(lambda: _health().status_code == 200, 60), _health().json()
        assert _wait(lambda: len(monitor.pings) >= 2, 20)
        # When it stops
        stop(engine)
        stopped = time.monotonic()
        # Then within its threshold health is 503 naming the engine, and pings stop
        assert _wait(lambda: _health().status_code == 503, stale + 5)
        assert time.monotonic() - stopped <= stale + 5
        words = _health().json()["checks"]["engine"]["error"]
        assert words.startswith("The paging engine is down"), words
        quiet_from = time.monotonic()
        time.sleep(2)
        assert monitor.pings_since(quiet_from) == 0
        # When it starts again: 200 and the pings resume
        engine = start()
        assert _wait(lambda: _health().status_code == 200, 60), _health().json()
        resumed = time.monotonic()
        assert _wait(lambda: monitor.pings_since(resumed) >= 1, 20)
    finally:
        stop(engine)
        connection.close()
