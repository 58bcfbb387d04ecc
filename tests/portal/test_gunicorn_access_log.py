"""Issue 14, "Keys in logs": the project's gunicorn configuration logs keyed paths
with the key redacted. Runs the real gunicorn on 127.0.0.1 with an ephemeral port.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from portal.project.access_log import redact_path

ROOT = Path(__file__).resolve().parents[2]
KEY = "0123456789abcdef0123456789abcdef"


def test_redact_path_covers_every_secret_url() -> None:
    from incidents.integrations.sources import keyed_url_prefixes

    # Every alert source whose key may travel in the URL, from their registry (issue 22).
    keyed = [f"{prefix}{KEY}/?x=1" for prefix in keyed_url_prefixes()]
    assert len(keyed) >= 6
    for path in (
        *keyed,
        f"/oncall/ical/{KEY}.ics",
        f"/oncall/ack/{KEY}/",
        f"/status/subscribe/confirm/{KEY}/",
        f"/status/unsubscribe/{KEY}/",
    ):
        assert KEY not in redact_path(path), path
        assert "[redacted]" in redact_path(path)
    assert redact_path("/api/v1/incidents/") == "/api/v1/incidents/"


def _wait_for(path: Path, pattern: str, seconds: float = 60) -> re.Match[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and (found := re.search(pattern, path.read_text())):
            return found
        time.sleep(0.2)
    raise AssertionError(f"{pattern!r} not in {path}: {path.read_text() if path.exists() else ''}")


def test_gunicorn_access_log_line_of_keyed_request_holds_no_key(tmp_path: Path) -> None:
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    server = subprocess.Popen(  # noqa: S603 - fixed argv, our own config
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "portal" / "gunicorn.conf.py"),
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--access-logfile",
            str(access),
            "--error-logfile",
            str(errors),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        port = _wait_for(errors, r"Listening at: http://127\.0\.0\.1:(\d+)").group(1)
        for path in (f"/integrations/heartbeat/{KEY}/", f"/integrations/alertmanager/{KEY}/"):
            request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
                f"http://127.0.0.1:{port}{path}",
                headers={"Authorization": f"Bearer {KEY}", "Referer": f"http://x{path}"},
            )
            # The answer does not matter here, only its log line.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=30)  # noqa: S310
        line = _wait_for(access, r'.*"GET /integrations/alertmanager/\S* HTTP/1\.1".*').group(0)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = access.read_text()
    assert "/integrations/heartbeat/[redacted]/" in log
    assert "/integrations/alertmanager/[redacted]/" in line
    assert KEY not in log
    assert KEY not in errors.read_text()
