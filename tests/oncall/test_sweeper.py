"""The sweeper: each missed deadline recorded and notified once, even with two sweepers
or after a sweeper died mid-batch; a constant number of queries."""

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

from incidents.choices import DeadlineKind, TimelineKind
from incidents.models import Deadline, Incident, PolicyVersion, TimelineEntry
from incidents.oncall import sweeper
from incidents.services import assign_role, cancel_incident, declare_incident
from portal.actors import Actor
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
        sweeper.sweep()
        assert misses() == []
        # When the sweeper runs after the ack target, twice
        clock.shift(datetime.timedelta(minutes=2))
        sweeper.sweep()
        sweeper.sweep()
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
        sweeper.sweep()
    assert due is not None
    reminder = OutboxMessage.objects.get(kind="deadline_missed", data__deadline=due.pk)
    assert reminder.recipient == "responder@example.com"
    assert "silence is worse than bad news" in reminder.body


@pytest.mark.django_db
def test_a_sweeper_that_dies_mid_batch_leaves_the_work_for_the_next_one(
    declare: Callable[..., Incident],
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        declare("SEV-1", "One")
        declare("SEV-1", "Two")
        clock.shift(datetime.timedelta(minutes=16))
        # Given a worker that crashes after claiming the deadlines, before committing
        with (
            mock.patch.object(sweeper, "enqueue_many", side_effect=RuntimeError("worker killed")),
            pytest.raises(RuntimeError),
        ):
            sweeper.record_missed_deadlines()
        # Then nothing was recorded (the claim rolled back with the batch)
        assert misses() == []
        assert not Deadline.objects.filter(missed_recorded_at__isnull=False).exists()
        # And the next sweep records each miss exactly once
        sweeper.sweep()
        sweeper.sweep()
    assert len(misses()) == 2
    assert OutboxMessage.objects.filter(kind="deadline_missed").count() == 2


def _sweep_queries(now: datetime.datetime) -> list[str]:
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(now, tick=False), CaptureQueriesContext(connection) as ctx:
        sweeper.sweep()
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_sweep_is_a_constant_number_of_queries(
    declare: Callable[..., Incident], system: Actor
) -> None:
    # Given one overdue SEV-1, swept 16 minutes in
    with time_machine.travel(T0, tick=False):
        first = declare("SEV-1", "First")
    small = _sweep_queries(T0 + datetime.timedelta(minutes=16))
    with time_machine.travel(T0 + datetime.timedelta(minutes=17), tick=False):
        cancel_incident(incident=first, actor=system, reason="drill")
    # When ten SEV-1s are overdue in the same way
    t1 = T0 + datetime.timedelta(hours=1)
    with time_machine.travel(t1, tick=False):
        for i in range(10):
            declare("SEV-1", f"More {i}")
    large = _sweep_queries(t1 + datetime.timedelta(minutes=16))
    # Then ten times the work costs the same number of queries
    assert len(misses()) == 11
    assert len(small) == len(large), "\n".join(large)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_notify_once(
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
            results.append(sweeper.sweep(now=T0 + datetime.timedelta(minutes=16)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["missed_deadlines"] for r in results) == due  # type: ignore[index]
    assert len(misses()) == due
    assert OutboxMessage.objects.filter(kind="deadline_missed").count() == due


@pytest.mark.django_db
def test_one_sweep_advances_every_due_escalation_even_when_they_page_nobody(
    declare: Callable[..., Incident], settings: Settings
) -> None:
    # Issue 11: with 5 due escalations that page nobody and a batch size of 2, one
    # sweep advanced 2 and stopped (the loop compared pages written with the batch size).
    from django.contrib.auth.models import Group

    from incidents.oncall.models import (
        Escalation,
        EscalationPolicy,
        EscalationStep,
        SeverityEscalation,
    )

    settings.SWEEP_BATCH_SIZE = 2
    nobody = EscalationPolicy.objects.create(name="Nobody", repeat=0)
    EscalationStep.objects.create(
        policy=nobody,
        order=1,
        delay_minutes=5,
        target_kind="group",
        group=Group.objects.create(name="Empty"),
    )
    SeverityEscalation.objects.filter(level_code="SEV-1").update(policy=nobody)
    with time_machine.travel(T0, tick=False):
        for i in range(5):
            declare("SEV-1", f"Outage {i}")
    # No superuser exists: the fallback is empty too, so these steps page nobody.
    result = sweeper.sweep(now=T0 + datetime.timedelta(minutes=5))
    assert result["pages"] == 0
    assert sorted(Escalation.objects.values_list("next_index", flat=True)) == [1] * 5
    assert set(Escalation.objects.values_list("status", flat=True)) == {"exhausted"}
    # And each incident says nobody was paged, loudly
    assert TimelineEntry.objects.filter(message__contains="NOBODY WAS PAGED").count() == 5
