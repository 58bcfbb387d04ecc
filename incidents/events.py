"""Timeline writers. Services call these explicitly, inside their transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEntry
from portal.actors import Actor


def record(
    incident: Incident,
    kind: TimelineKind,
    message: str,
    *,
    actor: Actor,
    at: datetime.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Append one timeline entry. There is deliberately no update or delete helper."""
    return TimelineEntry.objects.create(
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        actor=actor.user,
        actor_label=actor.label[:120],
        message=message,
        data=data or {},
    )


def record_many(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Append prepared entries in one INSERT (the sweeper writes one per missed deadline)."""
    return TimelineEntry.objects.bulk_create(entries)
