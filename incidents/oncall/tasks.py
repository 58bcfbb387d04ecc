"""django-q2 tasks of the on-call app. `SCHEDULES` is installed by `setup_schedules`."""

from __future__ import annotations

from typing import Any

from incidents.oncall.sweeper import sweep as _sweep

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "oncall-sweep",
        "func": "incidents.oncall.tasks.sweep",
        "schedule_type": "I",
        "minutes": 1,
    },
]


def sweep() -> dict[str, Any]:
    """Every minute: escalation steps, missed deadlines, outbox retries."""
    return _sweep()
