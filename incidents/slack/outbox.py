"""Writing Slack calls to the outbox, in the caller's transaction.

Nothing here talks to Slack: the worker (`tasks.deliver_calls`) does, after the
commit. A duplicate (same `dedupe_key`) writes nothing, so hooks may run twice.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.slack.models import SlackCall

DELIVER_TASK = "incidents.slack.tasks.deliver_calls"


def deliver_after_commit(incident_id: int | None, call_id: int | None = None) -> None:
    def _enqueue() -> None:
        from django_q.tasks import async_task

        async_task(DELIVER_TASK, incident_id, call_id)

    transaction.on_commit(_enqueue)


def enqueue_call(
    *, operation: str, dedupe_key: str, incident: Any = None, params: dict[str, Any] | None = None
) -> SlackCall | None:
    """Write one pending call; None when `dedupe_key` was already written."""
    now = timezone.now()
    call = SlackCall(
        incident=incident,
        operation=operation,
        params=params or {},
        dedupe_key=dedupe_key[:255],
        next_attempt_at=now,
        created_at=now,
    )
    try:
        # A savepoint: a duplicate leaves the caller's transaction usable.
        with transaction.atomic():
            call.save()
    except IntegrityError:
        return None
    deliver_after_commit(incident.pk if incident is not None else None, call.pk)
    return call
