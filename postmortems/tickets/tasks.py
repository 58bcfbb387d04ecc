"""django-q2 tasks of the tickets app. `SCHEDULES` is installed by `setup_schedules`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from postmortems.tickets.choices import TicketStatus
from postmortems.tickets.models import ActionItemTicket
from postmortems.tickets.services import create_ticket, sync_ticket_states
from postmortems.tickets.trackers import TrackerError

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "tickets-sweep",
        "func": "postmortems.tickets.tasks.sweep",
        "schedule_type": "I",
        "minutes": 5,
    },
]


def create_tickets(postmortem_id: int) -> dict[str, int]:
    """Create the post-mortem's pending tickets (one per action item)."""
    counts: dict[str, int] = {}
    ids = ActionItemTicket.objects.filter(
        action_item__postmortem_id=postmortem_id, status=TicketStatus.PENDING
    ).values_list("pk", flat=True)
    for pk in list(ids.order_by("pk")):
        result = create_ticket(pk)
        counts[result] = counts.get(result, 0) + 1
    return counts


def sweep() -> dict[str, Any]:
    """Every 5 minutes: retry due tickets; statuses follow the tracker's."""
    due = ActionItemTicket.objects.filter(
        status=TicketStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    created = [create_ticket(pk) for pk in list(due.order_by("pk")[:200])]
    try:
        synced: dict[str, int] | str = sync_ticket_states()
    except TrackerError as exc:
        synced = f"sync failed: {exc}"
    return {"created": created.count("created"), "synced": synced}
