"""Missed deadlines: each recorded once on the timeline and notified once.

A core incident concept (the pinned policy's targets), so the incidents core owns it:
the minute task `incidents.tasks.record_missed_deadlines` and the paging engine's
seconds-level cycle both call `record_due_misses`. Exactly once with any number of
callers: each batch claims its rows (SELECT … FOR UPDATE SKIP LOCKED in primary-key
order on PostgreSQL; on SQLite the IMMEDIATE transaction serialises writers) and marks
them in the same transaction as their timeline and outbox rows. Every batch is a
constant number of queries.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from incidents import events
from incidents.choices import DeadlineKind, TimelineKind
from incidents.models import Deadline, TimelineEntry
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.kernel.batches import batch_size, max_batches
from portal.notifications.services import build_messages, enqueue_many, notification_routes


def _miss_text(deadline: Deadline) -> tuple[str, str]:
    incident = deadline.incident
    due = f"{deadline.due_at:%Y-%m-%d %H:%M}Z" if deadline.due_at else "?"
    message = f"{deadline.label} deadline missed (due {due}, target {deadline.target})."
    if deadline.kind == DeadlineKind.STATUS_UPDATE:
        message += " Post a status update: silence is worse than bad news."
    subject = (
        f"{'[DRILL] ' if incident.is_drill else ''}{incident.ref}: {deadline.label} deadline missed"
    )
    body = f"{incident.ref} ({incident.severity.code}): {incident.title}\n{message}"
    return subject, body if message else body


# The same label as before the move: timeline rows and audit entries read "sweeper".
SWEEPER_ACTOR = Actor.system("sweeper")


@audited_service
def record_missed_deadlines(
    *, now: datetime.datetime | None = None, limit: int | None = None
) -> int:
    """Record up to `limit` newly missed deadlines: one timeline row and one
    notification each, committed with the claim. Returns how many were recorded."""
    now = now or timezone.now()
    ids = list(
        Deadline.objects.filter(
            due_at__lt=now,
            met_at__isnull=True,
            superseded_at__isnull=True,
            missed_recorded_at__isnull=True,
        )
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: limit or batch_size()]
    )
    if not ids:
        return 0
    # The conditional update is the claim on databases without row locks.
    events.rows_updated(
        SWEEPER_ACTOR,
        Deadline.objects.filter(pk__in=ids, missed_recorded_at__isnull=True),
        {"missed_recorded_at": now},
        described_by=("kind", "channel"),
        at=now,
    )
    deadlines = list(
        Deadline.objects.filter(pk__in=ids, missed_recorded_at=now)
        .select_related("incident__severity", "incident__commander")
        .order_by("pk")
    )
    rules = notification_routes()
    entries: list[TimelineEntry] = []
    messages = []
    for deadline in deadlines:
        incident = deadline.incident
        subject, body = _miss_text(deadline)
        entries.append(
            events.timeline_row(
                incident,
                TimelineKind.DEADLINE_MISSED,
                body.splitlines()[-1],
                actor=SWEEPER_ACTOR,
                at=now,
                data={"deadline": deadline.pk, "kind": deadline.api_kind},
            )
        )
        # A missed status update is a reminder to the commander; the rest goes to the
        # channels the severity routes to.
        to_commander = (
            deadline.kind == DeadlineKind.STATUS_UPDATE and incident.commander_id is not None
        )
        messages.extend(
            build_messages(
                kind="deadline_missed",
                subject=subject,
                body=body,
                dedupe_key=f"deadline-missed:{deadline.pk}",
                incident=incident,
                recipient_user=incident.commander if to_commander else None,
                rules=rules,
                now=now,
                data={"deadline": deadline.pk},
            )
        )
    events.record_many(entries, actor=SWEEPER_ACTOR)
    enqueue_many(messages)
    return len(deadlines)


def record_due_misses(now: datetime.datetime | None = None) -> int:
    """Every newly missed deadline, in batches until none is left (or SWEEP_MAX_BATCHES
    batches; the rest waits for the next pass). Returns how many were recorded."""
    now = now or timezone.now()
    size, recorded = batch_size(), 0
    for _ in range(max_batches()):
        missed = record_missed_deadlines(now=now, limit=size)
        recorded += missed
        if missed < size:
            break
    return recorded
