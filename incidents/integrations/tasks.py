"""django-q2 tasks of the integrations app. `SCHEDULES` is installed by `setup_schedules`."""

from __future__ import annotations

from typing import Any

from incidents.integrations import heartbeats, ingestion, opening

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "integrations-heartbeats",
        "func": "incidents.integrations.tasks.sweep_heartbeats",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "integrations-open-unopened",
        "func": "incidents.integrations.tasks.open_unopened_alerts",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "integrations-prune-deliveries",
        "func": "incidents.integrations.tasks.prune_deliveries",
        "schedule_type": "D",
    },
]


def sweep_heartbeats() -> int:
    """Every minute: open an incident for each heartbeat silent past its period + grace."""
    return heartbeats.sweep_heartbeats()


def open_unopened_alerts() -> int:
    """Every minute: open the incident of alerts whose opener died (`opening`)."""
    return opening.open_unopened_alerts()


def prune_deliveries() -> int:
    """Daily: forget Sentry Request-IDs older than a week (resends come within minutes)."""
    return ingestion.prune_deliveries()
