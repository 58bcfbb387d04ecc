"""Pushover emergency priority closes the loop: a page goes out at priority 2 with
retry/expire and returns a receipt; the engine polls the receipt and, once the paged
person acknowledged it in the Pushover app, acknowledges the page and the incident as
that person, exactly once.

The stand-in speaks Pushover's documented API on 127.0.0.1, port 0:
POST /1/messages.json (form: token, user, message, priority, retry, expire…) answered
{"status": 1, "request": …, "receipt": …}; GET /1/receipts/{receipt}.json?token=… answered
{"status": 1, "acknowledged": 0|1, "acknowledged_at", "acknowledged_by", "expired", …};
POST /1/receipts/{receipt}/cancel.json; errors as {"status": 0, "errors": […]} with 4xx.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from incidents.choices import TimelineKind
from incidents.models import Incident
from incidents.oncall.models import Page
from incidents.oncall.services import acknowledge_by_reply
from incidents.services import acknowledge_incident, declare_incident
from portal.audit.choices import AuditAction
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.channels import update_channel
from portal.notifications.follow_up import poll_due as poll_receipts
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from portal.project.engine import Engine, delivery_cycle
from tests.standin_timing import STANDIN_POLL_SECONDS

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
USER_KEY = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
APP_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"


class PushoverStandIn(BaseHTTPRequestHandler):
    messages: list[dict[str, str]] = []
    receipts: dict[str, dict[str, Any]] = {}
    cancelled: list[str] = []
    polls: list[str] = []

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps({"request": str(uuid.uuid4()), **body}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        path = urlsplit(self.path).path
        form = self._form()
        if form.get("token") != APP_TOKEN:
            self._reply(
                400, {"status": 0, "token": "invalid", "errors": ["application token is invalid"]}
            )
            return
        if path == "/1/messages.json":
            if form.get("user") != USER_KEY or not form.get("message"):
                self._reply(400, {"status": 0, "errors": ["user identifier is invalid"]})
                return
            if form.get("priority") == "2":
                retry, expire = int(form.get("retry", 0)), int(form.get("expire", 0))
                if retry < 30 or not 0 < expire <= 10800:
                    self._reply(400, {"status": 0, "errors": ["retry/expire are invalid"]})
                    return
                receipt = uuid.uuid4().hex[:30]
                PushoverStandIn.receipts[receipt] = {
                    "acknowledged": 0,
                    "acknowledged_at": 0,
                    "acknowledged_by": "",
                    "acknowledged_by_device": "",
                    "expired": 0,
                    "called_back": 0,
                }
                PushoverStandIn.messages.append(form)
                self._reply(200, {"status": 1, "receipt": receipt})
                return
            PushoverStandIn.messages.append(form)
            self._reply(200, {"status": 1})
            return
        if path.startswith("/1/receipts/") and path.endswith("/cancel.json"):
            receipt = path.split("/")[3]
            PushoverStandIn.cancelled.append(receipt)
            self._reply(200, {"status": 1})
            return
        self._reply(404, {"status": 0, "errors": ["not found"]})

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        token = parse_qs(parts.query).get("token", [""])[0]
        receipt = parts.path.removeprefix("/1/receipts/").removesuffix(".json")
        if token != APP_TOKEN or receipt not in PushoverStandIn.receipts:
            self._reply(
                400, {"status": 0, "errors": ["receipt not found; may be invalid or expired"]}
            )
            return
        PushoverStandIn.polls.append(receipt)
        self._reply(200, {"status": 1, **PushoverStandIn.receipts[receipt]})

    def log_message(self, *args: Any) -> None:
        """Say nothing: a request line per call would bury the test's own output."""


@pytest.fixture
def pushover(settings: Any) -> Any:
    PushoverStandIn.messages, PushoverStandIn.receipts = [], {}
    PushoverStandIn.cancelled, PushoverStandIn.polls = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PushoverStandIn)
    thread = threading.Thread(
        target=server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
    )
    thread.start()
    settings.PUSHOVER_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.PUSHOVER_RECEIPT_POLL_SECONDS = 10
    yield PushoverStandIn
    server.shutdown()


@pytest.fixture
def paged(
    load_policy: Any,
    founder: Any,
    system: Any,
    pushover: Any,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    """A founder-24x7 SEV-1 paged to #alerts, switched to Pushover, delivered at T0."""
    load_policy("founder-24x7")
    update_channel(
        name="#alerts",
        kind="pushover",
        target=f"pover://{USER_KEY}@{APP_TOKEN}",
        enabled=True,
        actor=system,
    )
    with time_machine.travel(T0, tick=False):
        # committed: the first escalation step pages right after the declaration commits
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
        page = Page.objects.select_related("message", "user").get()
        assert page.message is not None
        assert deliver_outbox_message(page.message.pk) == "sent"
    page.refresh_from_db()
    assert page.message is not None
    page.message.refresh_from_db()
    return incident, page


def later(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.mark.django_db
def test_a_page_to_pushover_goes_at_emergency_priority_and_keeps_the_receipt(
    paged: Any, pushover: Any
) -> None:
    incident, page = paged
    [sent] = pushover.messages
    assert sent["priority"] == "2"
    assert int(sent["retry"]) >= 30
    assert 0 < int(sent["expire"]) <= 10800
    assert sent["user"] == USER_KEY
    assert sent["title"].startswith("PAGE SEV-1")
    assert "/oncall/ack/" in sent["url"]
    assert sent["url_title"] == "Acknowledge"
    # The receipt is kept on the page's outbox message, to be polled.
    [receipt] = pushover.receipts
    assert page.message.provider_ref == receipt
    assert page.message.follow_up_at == later(10)


@pytest.mark.django_db
def test_an_acknowledged_receipt_acknowledges_the_page_and_incident_as_the_paged_user_once(
    paged: Any, pushover: Any
) -> None:
    incident, page = paged
    [receipt] = pushover.receipts
    with time_machine.travel(later(5), tick=False):
        assert poll_receipts() == {}  # not due yet: Pushover asks for >= 5 s between polls
    with time_machine.travel(later(11), tick=False):
        assert poll_receipts() == {"pending": 1}
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    # The founder taps "Acknowledge" in the Pushover app.
    pushover.receipts[receipt].update(
        acknowledged=1, acknowledged_at=int(later(15).timestamp()), acknowledged_by=USER_KEY
    )
    with time_machine.travel(later(22), tick=False):
        done = delivery_cycle()
        # The founder's own e-mail page (they have no contact method yet) goes out too.
        assert done == {"sent": 1, "follow_up_acknowledged": 1}
        # Later cycles, and a second engine handling the same receipt, do nothing more.
        assert delivery_cycle() == {}
        assert acknowledge_by_reply(message_id=page.message.pk, via="Pushover") is None
    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at == later(22)
    assert page.acknowledged_at == later(22)
    [acked] = incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED)
    assert acked.message == f"Acknowledged by {page.user.get_username()}: I am on it."
    assert acked.actor_id == page.user.pk
    [note] = incident.timeline.filter(data__via="Pushover")
    assert note.message == f"{page.user.get_username()} acknowledged their page in Pushover."
    assert OutboxMessage.objects.get(pk=page.message.pk).follow_up_at is None
    assert len(pushover.polls) == 2
    # Audited with the paged person as the actor: the incident, the page, the receipt.
    by_type = dict(
        AuditEntry.objects.filter(at=later(22), action=AuditAction.UPDATE).values_list(
            "object_type", "actor_user_id"
        )
    )
    assert by_type["incidents.incident"] == page.user.pk
    assert by_type["oncall.page"] == page.user.pk
    # Closing the provider follow-up is the system's bookkeeping, not the person's act.
    assert by_type["notifications.outboxmessage"] is None


@pytest.mark.django_db
def test_a_page_acknowledged_elsewhere_cancels_the_pushover_retries(
    paged: Any, pushover: Any, system: Actor
) -> None:
    incident, page = paged
    [receipt] = pushover.receipts
    with time_machine.travel(later(8), tick=False):
        acknowledge_incident(incident=incident, actor=Actor.for_user(page.user))
    with time_machine.travel(later(11), tick=False):
        assert poll_receipts() == {"cancelled": 1}
        assert poll_receipts() == {}
    assert pushover.cancelled == [receipt]
    assert OutboxMessage.objects.get(pk=page.message.pk).follow_up_at is None


@pytest.mark.django_db
def test_an_expired_receipt_stops_polling_without_acknowledging(paged: Any, pushover: Any) -> None:
    incident, page = paged
    [receipt] = pushover.receipts
    pushover.receipts[receipt]["expired"] = 1
    with time_machine.travel(later(11), tick=False):
        assert poll_receipts() == {"expired": 1}
        assert poll_receipts() == {}
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


@pytest.mark.django_db
def test_pushover_refusing_the_page_is_a_failed_attempt_retried(
    paged: Any,
    pushover: Any,
    system: Actor,
    founder: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # A target with the wrong app token: Pushover answers 400 {"status": 0, "errors": […]}.
    update_channel(name="#alerts", target=f"pover://{USER_KEY}@wrongtoken", actor=system)
    with time_machine.travel(later(60), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            incident = declare_incident(actor=system, title="Again", severity="SEV-2")
        page = Page.objects.select_related("message").get(incident=incident)
        assert page.message is not None
        assert deliver_outbox_message(page.message.pk) == "pending"
    assert page.message is not None
    message = OutboxMessage.objects.get(pk=page.message.pk)
    assert "application token is invalid" in message.last_error
    assert message.provider_ref == ""
    assert message.follow_up_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_running_engines_acknowledge_a_pushover_receipt_once(
    paged: Any, pushover: Any, settings: Settings
) -> None:
    """The real engines (two, each with its delivery loop polling receipts) against the
    stand-in: the acknowledgement in Pushover reaches the incident once, within seconds."""
    incident, page = paged
    settings.PUSHOVER_RECEIPT_POLL_SECONDS = 1
    [receipt] = pushover.receipts
    engines = [Engine(every=0.5).start(), Engine(every=0.5).start()]
    try:
        time.sleep(1.5)
        assert not Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=False).exists()
        tapped = time.monotonic()
        pushover.receipts[receipt].update(
            acknowledged=1, acknowledged_at=int(time.time()), acknowledged_by=USER_KEY
        )
        while time.monotonic() - tapped < 10:
            if Incident.objects.filter(pk=incident.pk, acknowledged_at__isnull=False).exists():
                break
            time.sleep(0.1)
        lag = time.monotonic() - tapped
        time.sleep(2)  # both engines keep cycling: nothing more may happen
    finally:
        for engine in engines:
            engine.stop()
    assert sum(e.errors for e in engines) == 0
    assert lag < 3, lag
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED).count() == 1
    assert incident.timeline.filter(data__via="Pushover").count() == 1
    assert OutboxMessage.objects.get(pk=page.message.pk).follow_up_at is None
