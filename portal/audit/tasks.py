"""Recurring audit work (django-q2): the periodic seal.

The weekly security audit is scheduled by the incidents app
(`incidents.tasks.run_security_audit`): the audit finds anomalies, the incidents app
decides whether they make an incident.
"""

from __future__ import annotations

from typing import Any

SCHEDULES: list[dict[str, Any]] = [
    {
        # Entries are sealed right after their transaction commits; this picks up any
        # that a crash between commit and seal left waiting.
        "name": "audit-seal",
        "func": "portal.audit.sealing.seal_pending_task",
        "schedule_type": "I",
        "minutes": 1,
    },
]
