"""The outbox: idempotent enqueue, routing by severity, drills sandboxed, retries with
backoff through apprise, stuck sends recovered, the admin's Retry now."""

from __future__ import annotations

import datetime
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, Settings

from incidents.models import Incident, PolicyVersion
from portal.kernel.actors import Actor
from portal.notifications import outbox, tasks
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import NotificationChannel, NotificationRoute, OutboxMessage
from portal.notifications.services import enqueue_notification
from tests.standin_timing import STANDIN_POLL_SECONDS

T0 = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)


class FlakyHook(http.server.BaseHTTPRequestHandler):
    """Answers 500 to the first `failures` POSTs, then 200; remembers every body."""

    failures = 3
    received: list[dict[str, Any]] = []
    statuses: list[int] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = 500 if len(self.statuses) < self.failures else 200
        self.statuses.append(status)
        if status == 200:
            self.received.append(body)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Keep the test output quiet: the statuses are asserted instead."""


@pytest.fixture
def flaky_hook() -> Iterator[str]:
    FlakyHook.received, FlakyHook.statuses = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyHook)
    thread = threading.Thread(
        target=server.serve_forever, args=(STANDIN_POLL_SECONDS,), daemon=True
    )
    thread.start()
    yield f"json://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.mark.django_db
def test_channel_failing_three_times_then_ok_delivers_exactly_one_message(flaky_hook: str) -> None:
    # Given a generic JSON webhook channel whose endpoint answers 500, 500, 500, then 200
    channel = NotificationChannel.objects.create(name="hook", kind="webhook", target=flaky_hook)
    with time_machine.travel(T0, tick=True) as clock:
        [message] = enqueue_notification(
            kind="test", subject="DB down", body="SEV-1 declared", dedupe_key="t-1", channel=channel
        )
        # When the worker tries, and the sweeper retries whenever a message is due
        for _ in range(8):
            for message_id in outbox.due_message_ids():
                tasks.deliver_outbox_message(message_id)
            clock.shift(datetime.timedelta(minutes=5))
    # Then four attempts reached the endpoint and exactly one message was delivered
    assert FlakyHook.statuses == [500, 500, 500, 200]
    assert len(FlakyHook.received) == 1
    assert FlakyHook.received[0]["title"] == "DB down"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 4
    assert message.last_error == ""


@pytest.mark.django_db
def test_failures_back_off_and_stay_visible(flaky_hook: str) -> None:
    channel = NotificationChannel.objects.create(name="hook", kind="webhook", target=flaky_hook)
    with time_machine.travel(T0, tick=False):
        [message] = enqueue_notification(
            kind="test", subject="s", body="b", dedupe_key="k", channel=channel
        )
        assert tasks.deliver_outbox_message(message.pk) == "pending"
        message.refresh_from_db()
        # Retried 30 s later, with the reason visible
        assert message.next_attempt_at == T0 + datetime.timedelta(seconds=30)
        assert "provider refused" in message.last_error
        # Not due yet: a second worker run does nothing
        assert tasks.deliver_outbox_message(message.pk) == "skipped"
    assert outbox.backoff(2) == datetime.timedelta(minutes=1)
    assert outbox.backoff(20) == datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_gives_up_after_max_attempts_and_admin_retry_now_requeues(
    admin_client: Client, settings: Settings
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 1
    channel = NotificationChannel.objects.create(
        name="broken", kind="webhook", target="not a url at all"
    )
    [message] = enqueue_notification(
        kind="test", subject="s", body="b", dedupe_key="k", channel=channel
    )
    assert tasks.deliver_outbox_message(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "not a URL apprise understands" in message.last_error
    # The admin lists failures and can retry them
    url = reverse("admin:notifications_outboxmessage_changelist")
    page = admin_client.get(url, {"status__exact": "failed"})
    assert b"not a URL apprise understands" in page.content
    admin_client.post(url, {"action": "retry_now", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING


@pytest.mark.django_db
def test_enqueue_is_idempotent_per_dedupe_key() -> None:
    channel = NotificationChannel.objects.create(name="console", kind="console")
    first = enqueue_notification(
        kind="k", subject="s", body="b", dedupe_key="same", channel=channel
    )
    again = enqueue_notification(
        kind="k", subject="s", body="b", dedupe_key="same", channel=channel
    )
    assert len(first) == 1
    assert again == []
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_routing_by_severity_like_s_levels(
    load_policy: Callable[..., PolicyVersion], system: Actor
) -> None:
    # Given the s-levels preset: S1/S2 -> #errors, S3 -> #warnings
    load_policy("s-levels")
    NotificationChannel.objects.update(enabled=True)
    from incidents.services import declare_incident

    s2 = declare_incident(actor=system, title="Auth broken", severity="S2")
    s3 = declare_incident(actor=system, title="Export fails", severity="S3")
    s4 = declare_incident(actor=system, title="Glitch", severity="S4")
    for incident in (s2, s3, s4):
        enqueue_notification(
            kind="declared",
            subject=incident.title,
            body="b",
            dedupe_key=f"declared:{incident.pk}",
            incident=incident,
        )
    routed = dict(
        OutboxMessage.objects.filter(kind="declared").values_list("subject", "channel__name")
    )
    # Then the S4 (no rule) still shows up in the worker log instead of vanishing
    assert routed == {"Auth broken": "#errors", "Export fails": "#warnings", "Glitch": None}
    assert OutboxMessage.objects.get(subject="Glitch").destination == "console"
    # Three alert rules, plus S1/S2 internal updates to #ops ("internal:S1", "internal:S2")
    assert NotificationRoute.objects.exclude(level_code__startswith="internal:").count() == 3
    assert NotificationRoute.objects.filter(level_code__startswith="internal:").count() == 2


@pytest.mark.django_db
def test_customer_email_of_a_drill_is_sandboxed_never_sent(
    declare: Callable[..., Incident],
) -> None:
    drill = declare("SEV-2", "Game day", is_drill=True)
    real = declare("SEV-2", "Real one")
    [sandboxed] = enqueue_notification(
        kind="customer_email",
        subject="We had an issue",
        body="b",
        dedupe_key="c-1",
        incident=drill,
        recipient_email="c@example.com",
        audience="customer",
    )
    [sent] = enqueue_notification(
        kind="customer_email",
        subject="We had an issue",
        body="b",
        dedupe_key="c-2",
        incident=real,
        recipient_email="c@example.com",
        audience="customer",
    )
    assert sandboxed.status == OutboxStatus.SANDBOXED
    assert tasks.deliver_outbox_message(sandboxed.pk) == "skipped"
    assert tasks.deliver_outbox_message(sent.pk) == "sent"
    assert [m.to for m in mail.outbox] == [["c@example.com"]]


@pytest.mark.django_db
def test_a_send_interrupted_by_a_killed_worker_is_retried_after_its_timeout_in_seconds(
    settings: Settings,
) -> None:
    # Issue 11: a worker killed with kill -9 mid-delivery left its message "sending"
    # for 10 minutes. The send timeout is in seconds (NOTIFY_SENDING_TIMEOUT_SECONDS).
    settings.NOTIFY_SENDING_TIMEOUT_SECONDS = 30
    channel = NotificationChannel.objects.create(name="console", kind="console")
    with time_machine.travel(T0, tick=False) as clock:
        [message] = enqueue_notification(
            kind="k", subject="s", body="b", dedupe_key="k", channel=channel
        )
        # Given a worker that claimed the message and died
        OutboxMessage.objects.filter(pk=message.pk).update(
            status="sending", sending_since=T0, attempts=1
        )
        clock.shift(datetime.timedelta(seconds=29))
        assert outbox.release_stuck_messages() == 0  # not yet: it may still be sending
        clock.shift(datetime.timedelta(seconds=2))
        assert outbox.release_stuck_messages() == 1
        assert tasks.deliver_outbox_message(message.pk) == "sent"


@pytest.mark.django_db
def test_the_minute_pass_releases_stuck_sends_and_hands_due_messages_to_a_worker(
    settings: Settings,
) -> None:
    # Outbox retries are the notifications app's own job (issue 12), on its own schedule.
    [schedule] = tasks.SCHEDULES
    assert (schedule["name"], schedule["func"]) == (
        "notifications-deliver-due",
        "portal.notifications.tasks.deliver_due_messages",
    )
    settings.NOTIFY_SENDING_TIMEOUT_SECONDS = 30
    channel = NotificationChannel.objects.create(name="console", kind="console")
    with time_machine.travel(T0, tick=False) as clock:
        [stuck, due] = [
            enqueue_notification(
                kind="k", subject="s", body="b", dedupe_key=f"k{i}", channel=channel
            )[0]
            for i in range(2)
        ]
        # Given one message whose worker died mid-send, and one due message
        OutboxMessage.objects.filter(pk=stuck.pk).update(
            status="sending", sending_since=T0, attempts=1
        )
        clock.shift(datetime.timedelta(minutes=1))
        # When the minute task runs
        with mock.patch.object(outbox, "async_task") as enqueue:
            assert tasks.deliver_due_messages() == 2
    # Then both go to one worker batch, the longest due first
    enqueue.assert_called_once_with(outbox.DELIVER_MANY_TASK, [due.pk, stuck.pk])


@pytest.mark.django_db
def test_bad_input_names_the_field() -> None:
    from portal.kernel.errors import DomainError

    with pytest.raises(DomainError) as exc:
        enqueue_notification(
            kind="k", subject="s", body="b", dedupe_key="", recipient_email="a@example.com"
        )
    assert exc.value.field == "dedupe_key"
    with pytest.raises(DomainError) as exc:
        enqueue_notification(kind="k", subject="s", body="b", dedupe_key="x", audience="customer")
    assert exc.value.field == "recipient_email"


@pytest.mark.django_db
def test_outbox_changelist_is_a_constant_number_of_queries(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    channel = NotificationChannel.objects.create(name="console", kind="console")

    def fill(n: int, start: int) -> None:
        for i in range(start, start + n):
            enqueue_notification(
                kind="k", subject=f"s{i}", body="b", dedupe_key=f"k{i}", channel=channel
            )

    url = reverse("admin:notifications_outboxmessage_changelist")
    fill(2, 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert admin_client.get(url).status_code == 200
    fill(30, 2)
    with CaptureQueriesContext(connection) as large:
        assert admin_client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_teams_channels_on_retired_connectors_are_migrated_to_wait_for_workflows(
    system: Actor,
) -> None:
    import importlib

    from django.apps import apps

    from portal.kernel.errors import DomainError
    from portal.notifications.channels import update_channel

    migration = importlib.import_module(
        "portal.notifications.migrations.0005_disable_retired_teams_connectors"
    )
    old = NotificationChannel.objects.create(
        name="Teams", kind="msteams", target="msteams://a/b/c/d", description="ops room"
    )
    new = NotificationChannel.objects.create(
        name="Teams 2", kind="msteams", target="workflows://host:443/wf/sig"
    )
    migration.disable_retired_connectors(apps, None)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.enabled is False
    assert old.description.startswith("[msteams:// retired by Microsoft")
    assert new.enabled is True
    migration.restore_descriptions(apps, None)
    old.refresh_from_db()
    assert old.description == "ops room"
    # And a retired connector URL cannot be set again
    with pytest.raises(DomainError) as exc:
        update_channel(name="Teams", target="msteams://x/y/z", actor=system)
    assert exc.value.field == "target"
    update_channel(name="Teams", target="workflows://host:443/wf/sig", enabled=True, actor=system)
