"""Timeline and audit writers. Services call these explicitly, inside their transaction,
with the actor they were given: the timeline says what happened, the audit log what
changed (before/after), and both name the same actor."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEntry
from portal.audit.services import (
    prepare_created,
    record_bulk_update,
    record_changed,
    record_created,
    record_entries,
)
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor

# Bookkeeping the audit log leaves out: denormalised from other rows (the next
# deadline, the alert counter) or Django's own timestamp.
_UNAUDITED_INCIDENT_FIELDS = frozenset(
    ("updated_at", "next_deadline_at", "next_deadline_kind", "alert_count")
)
INCIDENT_AUDITED_FIELDS = [
    f.attname for f in Incident._meta.concrete_fields if f.attname not in _UNAUDITED_INCIDENT_FIELDS
]


def timeline_row(
    incident: Incident,
    kind: TimelineKind,
    message: str,
    *,
    actor: Actor,
    at: datetime.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """An unsaved timeline entry, for `record_many` or a service's own batch."""
    return TimelineEntry(
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        actor=actor.user,
        actor_label=actor.label[:120],
        message=message,
        data=data or {},
    )


def record(
    incident: Incident,
    kind: TimelineKind,
    message: str,
    *,
    actor: Actor,
    at: datetime.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Append one timeline entry (and its audit entry). There is deliberately no update
    or delete helper."""
    entry = timeline_row(incident, kind, message, actor=actor, at=at, data=data)
    entry.save(force_insert=True)
    record_created(actor, entry, at=entry.at)
    return entry


def record_many(entries: Iterable[TimelineEntry], *, actor: Actor) -> list[TimelineEntry]:
    """Append entries from `prepare` in one INSERT, and their audit entries (naming
    `actor`) in another."""
    saved = TimelineEntry.objects.bulk_create(entries)
    record_entries([prepare_created(actor, entry, at=entry.at) for entry in saved])
    return saved


def incident_state(incident: Incident) -> dict[str, Any]:
    """The audited fields of `incident` now: pass it to `incident_changed` after the change."""
    return snapshot(incident, INCIDENT_AUDITED_FIELDS, redacted=False)


def incident_declared(
    actor: Actor, incident: Incident, *, services: Iterable[Any], rows: Iterable[models.Model] = ()
) -> None:
    """The audit entries of a declaration, in one INSERT: each row it wrote (`rows`, in
    the order written), then the incident itself, with its reference and services."""
    at = incident.declared_at
    entry = prepare_created(actor, incident, fields=INCIDENT_AUDITED_FIELDS, at=at)
    entry.after = {**(entry.after or {}), "services": sorted(s.pk for s in services)}
    record_entries([*(prepare_created(actor, row, at=at) for row in rows), entry])


def incident_changed(
    actor: Actor, incident: Incident, before: dict[str, Any], *, at: datetime.datetime | None = None
) -> None:
    """The audit entry of an incident write: the fields that moved since `before`."""
    record_changed(actor, incident, before, at=at)


def rows_updated(
    actor: Actor,
    queryset: models.QuerySet[Any],
    changes: dict[str, Any],
    *,
    described_by: tuple[str, ...] = (),
    at: datetime.datetime | None = None,
) -> int:
    """`queryset.update(**changes)`, with one audit entry per row it changes.

    Three statements whatever the number of rows: read the rows' current values (and
    the `described_by` fields that name them in the log), update, append the entries.
    """
    names = list(changes)
    rows = list(queryset.values("pk", *names, *described_by))
    if not rows:
        return 0
    model = queryset.model
    # The queryset's own conditions stay on the UPDATE: where they are a claim (no row
    # locks on SQLite), a row another writer took meanwhile is left alone.
    count = queryset.filter(pk__in=[r["pk"] for r in rows]).update(**changes)
    label = model._meta.verbose_name
    record_bulk_update(
        actor,
        model,
        [
            (
                r["pk"],
                " ".join(str(r[n]) for n in described_by if r[n]) or f"{label} {r['pk']}",
                {n: r[n] for n in names},
            )
            for r in rows
        ],
        changes,
        at=at,
    )
    return count
