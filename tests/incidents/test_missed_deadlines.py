"""Missed deadlines (the incidents core): each recorded and notified once, even with two
passes at once or after a pass died mid-batch; a constant number of queries."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from pytest_django import Settings

from incidents import missed_deadlines, tasks
from incidents.choices import DeadlineKind, TimelineKind
from incidents.models import Deadline, Incident, PolicyVersion, TimelineEntry
from incidents.services import assign_role, cancel_incident, declare_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage

T0 = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)


def misses() -> list[str]:
    return list(
        TimelineEntry.objects.filter(kind=TimelineKind.DEADLINE_MISSED)
        .order_by("id")
        .values_list("message", flat=True)
    )


@pytest.mark.django_db
def test_missed_ack_deadline_is_recorded_and_notified_once(
    declare: Callable[..., Incident],
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        # Given a SEV-1 (ack within 15 min) nobody acknowledges
        incident = declare("SEV-1", "Checkout down")
        clock.shift(datetime.timedelta(minutes=14))
        tasks.record_missed_deadlines()
        assert misses() == []
        # When the minute task runs after the ack target, twice
        clock.shift(datetime.timedelta(minutes=2))
        tasks.record_missed_deadlines()
        tasks.record_missed_deadlines()
    # Then the miss is on the timeline once, with its due time, and notified once
    assert misses() == ["Acknowledge deadline missed (due 2026-03-02 13:15Z, target 15 min)."]
    deadline = incident.deadlines.get(kind=DeadlineKind.ACKNOWLEDGE, superseded_at__isnull=True)
    assert deadline.missed_recorded_at == T0 + datetime.timedelta(minutes=16)
    notes = OutboxMessage.objects.filter(kind="deadline_missed")
    assert notes.count() == 1
    assert notes.get().subject == f"{incident.ref}: Acknowledge deadline missed"


@pytest.mark.django_db
def test_missed_status_update_reminds_the_commander(
    load_policy: Callable[..., PolicyVersion], responder: User, system: Actor
) -> None:
    load_policy("follow-the-sun")  # status updates every 15 min
    with time_machine.travel(T0, tick=False) as clock:
        incident = declare_incident(actor=system, title="Checkout down", severity="SEV-1")
        assign_role(incident=incident, actor=system, role="commander", user=responder)
        due = Deadline.objects.filter(
            incident=incident, kind=DeadlineKind.STATUS_UPDATE, superseded_at__isnull=True
        ).first()
        assert due is not None
        assert due.due_at is not None
        clock.move_to(due.due_at + datetime.timedelta(minutes=1))
        tasks.record_missed_deadlines()
    assert due is not None
    reminder = OutboxMessage.objects.get(kind="deadline_missed", data__deadline=due.pk)
    assert reminder.recipient == "responder@example.com"
    assert "silence is worse than bad news" in reminder.body


@pytest.mark.django_db
def test_a_pass_that_dies_mid_batch_leaves_the_work_for_the_next_one(
    declare: Callable[..., Incident],
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        declare("SEV-1", "One")
        declare("SEV-1", "Two")
        clock.shift(datetime.timedelta(minutes=16))
        # Given a worker that crashes after claiming the deadlines, before committing
        with (
            mock.patch.object(
                missed_deadlines, "enqueue_many", side_effect=RuntimeError("worker killed")
            ),
            pytest.raises(RuntimeError),
        ):
            missed_deadlines.record_missed_deadlines()
        # Then nothing was recorded (the claim rolled back with the batch)
        assert misses() == []
        assert not Deadline.objects.filter(missed_recorded_at__isnull=False).exists()
        # And the next pass records each miss exactly once
        tasks.record_missed_deadlines()
        tasks.record_missed_deadlines()
    assert len(misses()) == 2
    assert OutboxMessage.objects.filter(kind="deadline_missed").count() == 2


def _pass_queries(now: datetime.datetime) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(now, tick=False), CaptureQueriesContext(connection) as ctx:
        tasks.record_missed_deadlines()
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_a_pass_is_a_constant_number_of_queries(
    declare: Callable[..., Incident], system: Actor
) -> None:
    # Given one overdue SEV-1, 16 minutes in
    with time_machine.travel(T0, tick=False):
        first = declare("SEV-1", "First")
    small = _pass_queries(T0 + datetime.timedelta(minutes=16))
    with time_machine.travel(T0 + datetime.timedelta(minutes=17), tick=False):
        cancel_incident(incident=first, actor=system, reason="drill")
    # When ten SEV-1s are overdue in the same way
    t1 = T0 + datetime.timedelta(hours=1)
    with time_machine.travel(t1, tick=False):
        for i in range(10):
            declare("SEV-1", f"More {i}")
    large = _pass_queries(t1 + datetime.timedelta(minutes=16))
    # Then ten times the work costs the same number of queries
    assert len(misses()) == 11
    assert len(small) == len(large), "\n".join(large)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_passes_notify_once(
    declare: Callable[..., Incident], settings: Settings
) -> None:
    settings.SWEEP_BATCH_SIZE = 5
    with time_machine.travel(T0, tick=False):
        for i in range(12):
            declare("SEV-1", f"Outage {i}")
    due = Deadline.objects.filter(
        due_at__lt=T0 + datetime.timedelta(minutes=16),
        met_at__isnull=True,
        superseded_at__isnull=True,
    ).count()
    assert due >= 12
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(missed_deadlines.record_due_misses(T0 + datetime.timedelta(minutes=16)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == due  # type: ignore[arg-type]
    assert len(misses()) == due
    assert OutboxMessage.objects.filter(kind="deadline_missed").count() == due


def test_the_minute_task_is_scheduled_by_the_incidents_core() -> None:
    [schedule] = [s for s in tasks.SCHEDULES if s["name"] == "incidents-missed-deadlines"]
    assert schedule["func"] == "incidents.tasks.record_missed_deadlines"
    assert (schedule["schedule_type"], schedule["minutes"]) == ("I", 1)
