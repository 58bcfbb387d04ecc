"""django-q2 doors of the outbox: each task calls the state machine in `outbox.py`.

`SCHEDULES` is installed by `manage.py setup_schedules`. The paging engine delivers
due messages within seconds; the minute pass is the retry loop for a deployment that
runs only `qcluster`, and picks up sends whose worker died (claims make them once).
"""

from __future__ import annotations

from typing import Any

from portal.notifications import outbox

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "notifications-deliver-due",
        "func": "portal.notifications.tasks.deliver_due_messages",
        "schedule_type": "I",
        "minutes": 1,
    },
]


def deliver_outbox_message(message_id: int) -> str:
    """Send one message if it is still pending and due (safe to run twice)."""
    return outbox.deliver_outbox_message(message_id)


def deliver_outbox_messages(message_ids: list[int]) -> dict[str, int]:
    """Send a batch of messages (one task per batch instead of one per message)."""
    return outbox.deliver_outbox_messages(message_ids)


def deliver_due_messages() -> int:
    """Every minute: stuck sends released, due messages and retries handed to a worker."""
    return outbox.deliver_due_messages()
