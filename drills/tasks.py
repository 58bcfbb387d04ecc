"""django-q2 tasks of the drills app. Schedules are upserted by `manage.py setup_schedules`."""

from __future__ import annotations

from drills.scheduling import run_drill_schedule
from portal.kernel.actors import Actor

SCHEDULES = [
    {
        "name": "drills-daily-schedule",
        "func": "drills.tasks.drill_schedule_task",
        "schedule_type": "D",
    },
]


def drill_schedule_task() -> str:
    """Daily: keep the next drill planned, remind its facilitator, flag quarters without a drill.

    Idempotent (see `drills.scheduling`): a second run the same day changes nothing.
    """
    run = run_drill_schedule(actor=Actor.system("drill scheduler"))
    planned = f"{run.next_drill.planned_on:%Y-%m-%d}" if run.next_drill else "none"
    return f"next drill {planned}; reminders {run.reminders_sent}; gaps {len(run.gaps_flagged)}"
