"""ntfy: a page rings at priority 5 with an "Acknowledge" action; pressing it (an HTTP
POST of the signed link, no session, no CSRF token) acknowledges the incident.

The stand-in speaks ntfy's documented JSON publish API (POST / with
{"topic", "title", "message", "priority", "actions": […]}, answered with the message
event {"id", "time", "event": "message", "topic", …}) on 127.0.0.1, port 0."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from incidents.models import PolicyVersion
from incidents.oncall.models import Page
from incidents.services import declare_incident
from portal.kernel.actors import Actor
from portal.notifications.channels import update_channel
from portal.notifications.tasks import deliver_outbox_message
from tests.standin_timing import STANDIN_POLL_SECONDS

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


class NtfyStandIn(BaseHTTPRequestHandler):
    published: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not isinstance(body.get("topic"), str) or not body["topic"]:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"code":40001,"http":400,"error":"invalid request"}')
            return
        NtfyStandIn.published.append(body)
        reply = {"id": f"m{len(self.published)}", "time": 1, "event": "message", **body}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        """Say nothing: a request line per call would bury the test's own output."""


@pytest.fixture
def ntfy_server() -> Any:
    NtfyStandIn.published = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), NtfyStandIn)
    thread = threading.Thread(
        target=server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.django_db
def test_a_page_through_ntfy_rings_at_priority_5_and_its_button_acknowledges(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    system: Actor,
    ntfy_server: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Given the founder-24x7 preset with #alerts switched to an ntfy topic
    load_policy("founder-24x7")
    update_channel(
        name="#alerts", kind="ntfy", target=f"{ntfy_server}/acme-pages", enabled=True, actor=system
    )
    with time_machine.travel(T0, tick=False):
        # committed: the first escalation step pages right after the declaration commits
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
        page = Page.objects.select_related("message").get()
        # When the worker delivers the page
        assert page.message is not None
        assert deliver_outbox_message(page.message.pk) == "sent"
    # Then ntfy got it at max priority with an Acknowledge HTTP action
    [published] = NtfyStandIn.published
    assert published["topic"] == "acme-pages"
    assert published["priority"] == 5
    assert published["title"].startswith("PAGE SEV-1")
    ack = published["actions"][0]
    assert (ack["action"], ack["label"], ack["method"]) == ("http", "Acknowledge", "POST")
    # When the phone presses it (a bare POST: no session, no CSRF token)
    phone = Client(enforce_csrf_checks=True)
    with time_machine.travel(T0 + datetime.timedelta(minutes=3), tick=False):
        response = phone.post(urlsplit(ack["url"]).path)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.acknowledged_at == T0 + datetime.timedelta(minutes=3)
    assert incident.timeline.get(kind="acknowledged").actor == founder


@pytest.mark.django_db
def test_ntfy_refusal_is_a_failed_attempt_with_the_reason(
    load_policy: Callable[..., PolicyVersion],
    founder: User,
    system: Actor,
    ntfy_server: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    load_policy("founder-24x7")
    update_channel(
        name="#alerts", kind="ntfy", target=f"{ntfy_server}/", enabled=True, actor=system
    )
    with django_capture_on_commit_callbacks(execute=True):
        declare_incident(actor=system, title="Checkout down", severity="SEV-1")
    message = Page.objects.select_related("message").get().message
    assert message is not None
    assert deliver_outbox_message(message.pk) == "pending"
    message.refresh_from_db()
    assert message is not None
    assert "not an ntfy topic URL" in message.last_error
