"""django-q2 tasks of the incidents core. `SCHEDULES` is installed by `setup_schedules`."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from incidents.missed_deadlines import record_due_misses
from incidents.security_audit import record_security_audit
from portal.audit.anomalies import audit_week
from portal.audit.context import acting_as
from portal.kernel.actors import Actor

SCHEDULES: list[dict[str, Any]] = [
    {
        # The paging engine records misses within seconds; this is the minute pass for a
        # deployment that runs only `qcluster` (claims make the two exactly once).
        "name": "incidents-missed-deadlines",
        "func": "incidents.tasks.record_missed_deadlines",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Name kept from when portal.audit scheduled it, so deploys update it in place.
        "name": "audit-weekly-security-audit",
        "func": "incidents.tasks.run_security_audit",
        "schedule_type": "C",
        "cron": "0 6 * * 1",  # Mondays 06:00 UTC: the week that just ended
    },
]


def record_missed_deadlines() -> int:
    """Every minute: newly missed deadlines, each on the timeline and notified once."""
    return record_due_misses()


def run_security_audit(week_start: str | None = None) -> int:
    """Audit one week (default: the last complete one; any day names its week); safe to
    run twice. Returns the number of new findings."""
    day = datetime.date.fromisoformat(week_start) if week_start else None
    week = audit_week(day, today=timezone.now().date())
    actor = Actor.system("security-audit")
    with acting_as(actor):
        return len(record_security_audit(week_start=week, actor=actor))
