"""django-q2 tasks of the post-mortem app. Sweeps: safe to run twice (dedupe keys)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.kernel.actors import Actor
from postmortems import reminders

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "postmortems-action-item-reminders",
        "func": "postmortems.tasks.remind_action_items",
        "schedule_type": "C",
        "cron": "0 8 * * *",
    },
    {
        "name": "postmortems-weekly-patterns",
        "func": "postmortems.tasks.escalate_patterns",
        "schedule_type": "C",
        "cron": "0 8 * * 1",
    },
]


def remind_action_items() -> int:
    """Daily: remind owners before and after their action items' due dates."""
    return reminders.send_action_item_reminders(
        actor=Actor.system("action-item reminders"), today=timezone.now().date()
    )


def escalate_patterns() -> int:
    """Weekly (Monday): post-mortems whose action items never ship, repeat root causes."""
    return reminders.escalate_patterns(
        actor=Actor.system("pattern report"), today=timezone.now().date()
    )
