"""django-q2 tasks of the on-call app. `SCHEDULES` is installed by `setup_schedules`.

The paging engine (`manage.py engine`) handles due work within seconds; the minute
sweep stays as a safety net for a deployment that runs only `qcluster` (claims make
the two exactly once together)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from incidents.oncall.coverage import coverage_report
from incidents.oncall.sweeper import sweep as _sweep
from portal.notifications.services import enqueue_notification

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "oncall-sweep",
        "func": "incidents.oncall.tasks.sweep",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "oncall-coverage-weekly",
        "func": "incidents.oncall.tasks.coverage_notice",
        "schedule_type": "W",
    },
]


def sweep() -> dict[str, Any]:
    """Every minute: due escalation steps and providers' follow-ups (replies to pages)."""
    return _sweep()


def coverage_notice(days: int = 14) -> int:
    """Weekly: the coverage gaps of the next `days` days, to the channels routed for
    every level (`*`), else the worker log. Returns the number of gaps."""
    now = timezone.now()
    text, gaps = coverage_report(now, days)
    year, week, _ = now.isocalendar()
    enqueue_notification(
        kind="oncall_coverage",
        subject=(
            f"On-call coverage: {len(gaps)} gap(s) in the next {days} days"
            if gaps
            else f"On-call coverage: no gap in the next {days} days"
        ),
        body=text,
        dedupe_key=f"oncall-coverage:{year}-W{week:02d}",
    )
    return len(gaps)
