"""Two schedulers at once (PostgreSQL, real threads): one planned drill, one reminder, each gap once."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection

from drills.models import Drill, DrillGap
from drills.scheduling import run_drill_schedule
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_schedule_at_once(django_user_model: Any) -> None:
    # Given a completed-drill history: one old planned drill with a facilitator, due for its reminder
    facilitator = django_user_model.objects.create_user("fac", "fac@example.com", "pw")
    Drill.objects.create(planned_on=datetime.date(2026, 5, 18), facilitator=facilitator)
    today = datetime.date(2026, 5, 12)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            run_drill_schedule(actor=Actor.system("worker"), today=today)
            run_drill_schedule(actor=Actor.system("worker"), today=datetime.date(2026, 11, 23))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # When four workers run the daily pass at the same moment
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then nothing failed, one drill is planned, one reminder and one notice per gap were written
    assert errors == []
    assert Drill.objects.filter(status="planned").count() == 1
    assert OutboxMessage.objects.filter(kind="drill_reminder").count() == 1
    assert sorted(g.quarter_label for g in DrillGap.objects.all()) == ["2026-Q2", "2026-Q3"]
    assert OutboxMessage.objects.filter(kind="drill_gap").count() == 2
