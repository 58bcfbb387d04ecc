"""The incident page as a responder's cockpit (issue 15): what the page shows, built once.

A read for the admin door: header facts, every deadline as a countdown whose
colour and words agree, the timeline newest first, roles and status updates. A
closed or cancelled incident has nothing running: no live countdowns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from incidents.choices import CommsChannel, DeadlineKind, IncidentStatus
from incidents.models import Deadline, Incident

FINISHED = (IncidentStatus.CLOSED, IncidentStatus.CANCELLED)


def humanize(delta: datetime.timedelta) -> str:
    """ "12 min", "3 h 05 min", "2 d 4 h"."""
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def countdown_words(due_at: datetime.datetime, now: datetime.datetime) -> tuple[str, bool]:
    """("due in 12 min", False) before the deadline, ("missed 3 min ago", True) after it."""
    if due_at >= now:
        return f"due in {humanize(due_at - now)}", False
    return f"missed {humanize(now - due_at)} ago", True


def deadline_kind_label(kind: str) -> str:
    """A label for `Incident.next_deadline_kind` ("ack", "comms:status_page"…)."""
    if kind.startswith("comms:"):
        channel = kind.split(":", 1)[1]
        return CommsChannel(channel).label if channel in CommsChannel.values else channel
    return DeadlineKind(kind).label if kind in DeadlineKind.values else kind


@dataclass(frozen=True)
class DeadlineRow:
    label: str
    target: str
    due_at: datetime.datetime | None
    words: str
    state: str  # "due", "missed", "met", "met-late", "not-owed"
    live: bool  # a running countdown (the page's script keeps its words current)


def deadline_row(deadline: Deadline, now: datetime.datetime, *, finished: bool) -> DeadlineRow:
    due = deadline.due_at
    if deadline.met_at is not None:
        late = due is not None and deadline.met_at > due
        words = f"met {deadline.met_at:%H:%M} UTC" + (" (late)" if late else "")
        return DeadlineRow(
            deadline.label, deadline.target, due, words, "met-late" if late else "met", False
        )
    if deadline.superseded_at is not None:
        words = f"waived: {deadline.waived_reason}" if deadline.waived_reason else "not owed"
        return DeadlineRow(deadline.label, deadline.target, due, words, "not-owed", False)
    if due is None:
        return DeadlineRow(deadline.label, deadline.target, due, "no due time", "not-owed", False)
    if finished:
        missed = due < (deadline.missed_recorded_at or now)
        words = f"missed (was due {due:%Y-%m-%d %H:%M} UTC)" if missed else "not owed"
        return DeadlineRow(
            deadline.label, deadline.target, due, words, "missed" if missed else "not-owed", False
        )
    words, missed = countdown_words(due, now)
    return DeadlineRow(
        deadline.label, deadline.target, due, words, "missed" if missed else "due", True
    )


def cockpit_context(incident: Incident, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything the cockpit shows, in a constant number of queries."""
    now = now or timezone.now()
    finished = incident.status in FINISHED
    # Waived ones stay in sight with their reason; a severity change's superseded ones do not.
    deadlines = list(
        incident.deadlines.order_by("superseded_at", "met_at", "due_at", "id").filter(
            Q(superseded_at__isnull=True) | ~Q(waived_reason="")
        )
    )
    rows = [deadline_row(d, now, finished=finished) for d in deadlines]
    open_rows = [r for r in rows if r.live]
    end = incident.closed_at or incident.resolved_at or incident.cancelled_at
    start = incident.impact_started_at or incident.declared_at
    return {
        "finished": finished,
        "elapsed": humanize((end or now) - start),
        "elapsed_since": start,
        "elapsed_live": end is None,
        "deadline_rows": rows,
        "open_deadline_rows": open_rows,
        "other_deadline_rows": [r for r in rows if not r.live],
        "timeline": list(incident.timeline.order_by("-at", "-id")),
        "current_roles": list(
            incident.role_assignments.filter(relieved_at__isnull=True)
            .select_related("user")
            .order_by("role", "assigned_at")
        ),
        "status_updates": list(
            incident.status_updates.select_related("posted_by").order_by("-posted_at", "-id")
        ),
        "runbook_links": [link for link in (incident.runbook_links or []) if link],
        "services_list": ", ".join(s.name for s in incident.services.all()),
    }
