"""Recurring audit work (django-q2): the periodic seal and the weekly security audit."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from portal.actors import Actor
from portal.audit.context import acting_as

SCHEDULES: list[dict[str, Any]] = [
    {
        # Entries are sealed right after their transaction commits; this picks up any
        # that a crash between commit and seal left waiting.
        "name": "audit-seal",
        "func": "portal.audit.sealing.seal_pending_task",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "audit-weekly-security-audit",
        "func": "portal.audit.tasks.run_security_audit",
        "schedule_type": "C",
        "cron": "0 6 * * 1",  # Mondays 06:00 UTC: the week that just ended
    },
]


def last_complete_week(today: datetime.date) -> datetime.date:
    """Monday of the last full Monday–Sunday week before `today`."""
    return today - datetime.timedelta(days=today.weekday() + 7)


def run_security_audit(week_start: str | None = None) -> int:
    """Audit one week (default: the last complete one); safe to run twice. Returns new findings."""
    from portal.audit.services import record_security_audit

    week = (
        datetime.date.fromisoformat(week_start)
        if week_start
        else last_complete_week(timezone.now().date())
    )
    week -= datetime.timedelta(days=week.weekday())
    actor = Actor.system("security-audit")
    with acting_as(actor):
        return len(record_security_audit(week_start=week, actor=actor))
