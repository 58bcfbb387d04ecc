"""The quarterly rhythm: next drill planned, facilitator reminded once, quarters without a drill flagged once."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from drills import services
from drills.choices import DrillStatus
from drills.models import Drill, DrillGap
from drills.scheduling import ensure_next_drill, flag_drill_gaps, send_drill_reminders
from drills.tasks import SCHEDULES, drill_schedule_task
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage


def test_schedule_is_declared_daily() -> None:
    assert SCHEDULES == [
        {
            "name": "drills-daily-schedule",
            "func": "drills.tasks.drill_schedule_task",
            "schedule_type": "D",
        }
    ]


def test_a_planned_drill_is_kept_as_the_next_one(planned: Drill, system: Actor) -> None:
    assert ensure_next_drill(actor=system, today=datetime.date(2026, 5, 1)) == planned
    assert Drill.objects.count() == 1


def test_next_drill_is_planned_one_quarter_after_the_last_held(
    planned: Drill, founder_actor: Actor
) -> None:
    # Given the 2026-05-18 drill was held late, on 2026-05-20, and completed
    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, tzinfo=datetime.UTC), tick=False):
        drill = services.start_drill(drill=planned, actor=founder_actor)
        services.complete_drill(drill=drill, actor=founder_actor)
    # When the scheduler runs (twice)
    first = ensure_next_drill(actor=founder_actor, today=datetime.date(2026, 5, 21))
    again = ensure_next_drill(actor=founder_actor, today=datetime.date(2026, 5, 22))
    # Then one drill is planned a quarter later, in staging, with the same facilitator
    assert first == again
    assert first is not None
    assert (first.planned_on, first.status, first.environment, first.facilitator) == (
        datetime.date(2026, 8, 20),
        DrillStatus.PLANNED,
        "staging",
        planned.facilitator,
    )


def test_first_drill_ever_is_planned_a_quarter_from_today(db: Any, system: Actor) -> None:
    drill = ensure_next_drill(actor=system, today=datetime.date(2026, 11, 30))
    assert drill is not None
    assert drill.planned_on == datetime.date(2027, 2, 28)


def test_facilitator_is_reminded_once_seven_days_before(planned: Drill, system: Actor) -> None:
    # Eight days before: nothing yet
    assert send_drill_reminders(actor=system, today=datetime.date(2026, 5, 10)) == 0
    # Seven days before: one internal notification to the facilitator, without the scenario
    assert send_drill_reminders(actor=system, today=datetime.date(2026, 5, 11)) == 1
    assert send_drill_reminders(actor=system, today=datetime.date(2026, 5, 12)) == 0
    messages = OutboxMessage.objects.filter(kind="drill_reminder")
    assert messages.count() == 1
    message = messages.get()
    assert message.recipient_user == planned.facilitator
    assert message.audience == "internal"
    assert "2026-05-18" in message.subject
    assert message.dedupe_key == f"drill-reminder:{planned.pk}:2026-05-18"


def test_reminder_days_is_configurable(planned: Drill, system: Actor, settings: Any) -> None:
    settings.DRILL_REMINDER_DAYS = 2
    assert send_drill_reminders(actor=system, today=datetime.date(2026, 5, 15)) == 0
    assert send_drill_reminders(actor=system, today=datetime.date(2026, 5, 16)) == 1


def test_a_quarter_without_a_drill_is_flagged_once(planned: Drill, system: Actor) -> None:
    # Given the 2026-05-18 drill never happened, and it is now 2026-11-23
    today = datetime.date(2026, 11, 23)
    # When the scheduler flags gaps twice
    flagged = flag_drill_gaps(actor=system, today=today)
    again = flag_drill_gaps(actor=system, today=today)
    # Then Q2 and Q3 2026 are flagged (Q4 is not over), once each, with one notification each
    assert [g.quarter_label for g in flagged] == ["2026-Q2", "2026-Q3"]
    assert again == []
    assert DrillGap.objects.count() == 2
    assert OutboxMessage.objects.filter(kind="drill_gap").count() == 2
    assert OutboxMessage.objects.filter(dedupe_key="drill-gap:2026-Q2").count() == 1


def test_a_quarter_with_a_held_drill_is_not_flagged(planned: Drill, founder_actor: Actor) -> None:
    with time_machine.travel(datetime.datetime(2026, 5, 18, 9, tzinfo=datetime.UTC), tick=False):
        services.start_drill(drill=planned, actor=founder_actor)
    flagged = flag_drill_gaps(actor=founder_actor, today=datetime.date(2026, 11, 23))
    assert [g.quarter_label for g in flagged] == ["2026-Q3"]


def test_task_runs_the_daily_pass_and_is_idempotent(planned: Drill) -> None:
    with time_machine.travel(datetime.datetime(2026, 5, 12, 6, tzinfo=datetime.UTC), tick=False):
        assert drill_schedule_task() == "next drill 2026-05-18; reminders 1; gaps 0"
        assert drill_schedule_task() == "next drill 2026-05-18; reminders 0; gaps 0"
    assert Drill.objects.count() == 1
