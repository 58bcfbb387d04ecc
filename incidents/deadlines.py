"""Deadline arithmetic: the pinned policy's targets turned into due times.

Targets run from the declaration (comms "after resolution" and the post-mortem
from the resolution). Business-time targets go through `portal.kernel.business_time`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from incidents.choices import CommsAnchor, DeadlineKind, IncidentStatus
from incidents.events import rows_updated
from incidents.models import Deadline, Incident, SeverityLevel
from incidents.models.policy import as_duration
from portal.audit.services import prepare_created, record_entries
from portal.kernel.actors import Actor
from portal.kernel.business_time import add_duration
from portal.kernel.durations import DurationKind

# How a deadline is named in the audit log.
_DESCRIBED_BY = ("kind", "channel")


def due_after(
    incident: Incident, start: datetime.datetime, target: str
) -> datetime.datetime | None:
    duration = as_duration(target)
    if duration is None:
        return None
    if duration.kind == DurationKind.IMMEDIATE:
        # "Immediate": page now and record the target as met on acknowledgement; a
        # 0-minute clock would only ever record a miss.
        return None
    return add_duration(start, duration, incident.policy_version.calendar())


def _new(
    incident: Incident, kind: str, target: str, start: datetime.datetime, **extra: str
) -> Deadline:
    due_at = due_after(incident, start, target)
    if kind == DeadlineKind.COMMS and due_at is None and _is_immediate(target):
        # 004: "post a brief update in #ops immediately". Unlike an acknowledgement
        # (met by the page being answered), a message nobody posts needs a clock, or an
        # S2 that never posts is never flagged: "immediately" is COMMS_IMMEDIATE_MINUTES.
        due_at = start + datetime.timedelta(minutes=settings.COMMS_IMMEDIATE_MINUTES)
    return Deadline(incident=incident, kind=kind, target=target, due_at=due_at, **extra)


def _is_immediate(target: str) -> bool:
    duration = as_duration(target)
    return duration is not None and duration.kind == DurationKind.IMMEDIATE


def build_declaration_deadlines(incident: Incident, level: SeverityLevel) -> list[Deadline]:
    """The deadlines owed from the declaration, for `level` (unsaved)."""
    start = incident.declared_at
    rows: list[Deadline] = []
    for kind, target in (
        (DeadlineKind.ACKNOWLEDGE, level.ack_target),
        (DeadlineKind.MITIGATE, level.mitigate_target),
        (DeadlineKind.RESOLVE, level.resolve_target),
    ):
        if target:
            rows.append(_new(incident, kind, target, start))
    if level.update_cadence:
        rows.append(_new(incident, DeadlineKind.STATUS_UPDATE, level.update_cadence, start))
    for req in level.comms_requirements.all():
        if req.anchor != CommsAnchor.DECLARED:
            continue
        deadline = _new(
            incident,
            DeadlineKind.COMMS,
            req.deadline or "",
            start,
            channel=req.channel,
            condition_longer_than=req.only_if_longer_than,
        )
        if req.only_if_longer_than and not req.deadline:
            # "Email if > 4 hr": owed once the incident has lasted that long.
            deadline.due_at = due_after(incident, start, req.only_if_longer_than)
        rows.append(deadline)
    return rows


def build_resolution_deadlines(incident: Incident, level: SeverityLevel) -> list[Deadline]:
    """Deadlines that start at resolution: comms after resolution, the post-mortem."""
    if incident.resolved_at is None:
        raise ValueError("resolution deadlines need a resolved incident")
    start = incident.resolved_at
    rows: list[Deadline] = []
    lasted = incident.resolved_at - incident.declared_at
    for req in level.comms_requirements.all():
        if req.anchor != CommsAnchor.RESOLVED:
            continue
        if req.only_if_longer_than:
            threshold = due_after(incident, incident.declared_at, req.only_if_longer_than)
            if threshold is not None and incident.declared_at + lasted <= threshold:
                continue
        rows.append(
            _new(
                incident,
                DeadlineKind.COMMS,
                req.deadline or "",
                start,
                channel=req.channel,
                condition_longer_than=req.only_if_longer_than,
            )
        )
    if level.postmortem_required:
        rows.append(_new(incident, DeadlineKind.POSTMORTEM, level.postmortem_due or "", start))
    return rows


def open_deadlines(incident: Incident) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        incident=incident, met_at__isnull=True, superseded_at__isnull=True
    )


def save_new(rows: list[Deadline], *, actor: Actor) -> list[Deadline]:
    """Insert built deadlines in one statement, with their audit entries in another."""
    if not rows:
        return []
    saved = Deadline.objects.bulk_create(rows)
    record_entries([prepare_created(actor, row) for row in saved])
    return saved


def meet(
    incident: Incident, kind: str, at: datetime.datetime, *, actor: Actor, channel: str = ""
) -> int:
    """Mark the open deadlines of `kind` (and channel) met at `at`; returns how many."""
    qs = open_deadlines(incident).filter(kind=kind)
    if channel:
        qs = qs.filter(channel=channel)
    return rows_updated(actor, qs, {"met_at": at}, described_by=_DESCRIBED_BY, at=at)


def supersede_unmet(
    incident: Incident,
    at: datetime.datetime,
    *,
    actor: Actor,
    kinds: tuple[str, ...] | None = None,
    keep_overdue: bool = True,
    waived_reason: str = "",
) -> None:
    """Retire deadlines no longer owed. Overdue ones stay (they were missed).

    `waived_reason`: a person waived them, saying why (kept on each row for reports)."""
    qs = open_deadlines(incident)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    if keep_overdue:
        from django.db.models import Q

        qs = qs.filter(Q(due_at__isnull=True) | Q(due_at__gt=at))
    changes: dict[str, object] = {"superseded_at": at}
    if waived_reason:
        changes["waived_reason"] = waived_reason
    rows_updated(actor, qs, changes, described_by=_DESCRIBED_BY, at=at)


def supersede_conditional_comms(incident: Incident, at: datetime.datetime, *, actor: Actor) -> None:
    """At resolution: conditional comms ("if longer than 4 hr") not yet due are not owed."""
    qs = (
        open_deadlines(incident)
        .filter(kind=DeadlineKind.COMMS)
        .exclude(condition_longer_than="")
        .filter(due_at__gt=at)
    )
    rows_updated(actor, qs, {"superseded_at": at}, described_by=_DESCRIBED_BY, at=at)


def supersede_for_level_change(incident: Incident, at: datetime.datetime, *, actor: Actor) -> None:
    """Before rebuilding under a new level: retire every current deadline that was not
    missed. Missed ones stay on the record; met ones are rebuilt with their met time."""
    from django.db.models import F, Q

    missed = Q(met_at__isnull=True, due_at__lte=at) | Q(met_at__gt=F("due_at"))
    qs = (
        Deadline.objects.filter(incident=incident, superseded_at__isnull=True)
        .filter(
            kind__in=(
                DeadlineKind.ACKNOWLEDGE,
                DeadlineKind.MITIGATE,
                DeadlineKind.RESOLVE,
                DeadlineKind.STATUS_UPDATE,
                DeadlineKind.COMMS,
            )
        )
        .exclude(missed)
    )
    rows_updated(actor, qs, {"superseded_at": at}, described_by=_DESCRIBED_BY, at=at)


def refresh_next_deadline(incident: Incident) -> None:
    """Keep the denormalised earliest open deadline (for countdowns and sweeps).

    Not audited: it is derived from the deadline rows, whose every change is."""
    nxt = (
        open_deadlines(incident)
        .filter(due_at__isnull=False)
        .order_by("due_at", "id")
        .only("due_at", "kind", "channel")
        .first()
    )
    incident.next_deadline_at = nxt.due_at if nxt else None
    incident.next_deadline_kind = nxt.api_kind if nxt else ""
    Incident.objects.filter(pk=incident.pk).update(
        next_deadline_at=incident.next_deadline_at, next_deadline_kind=incident.next_deadline_kind
    )


def schedule_next_status_update(
    incident: Incident, level: SeverityLevel, since: datetime.datetime, *, actor: Actor
) -> None:
    if level.update_cadence and incident.status not in (
        IncidentStatus.RESOLVED,
        IncidentStatus.CLOSED,
        IncidentStatus.CANCELLED,
    ):
        save_new(
            [_new(incident, DeadlineKind.STATUS_UPDATE, level.update_cadence, since)], actor=actor
        )


# The target of a status-update deadline that a message promised ("We'll post the next
# update at 10:30 UTC"), as opposed to the level's update cadence.
PROMISED_TARGET = "promised in an update"


def promise_status_update(
    incident: Incident, due_at: datetime.datetime, *, at: datetime.datetime, actor: Actor
) -> Deadline:
    """A message promised the next update at `due_at`: that promise is the incident's
    next status-update deadline. It replaces any status-update deadline not yet due
    (overdue ones stay missed); it is met by the next status update or customer post."""
    supersede_unmet(incident, at, actor=actor, kinds=(DeadlineKind.STATUS_UPDATE,))
    [row] = save_new(
        [
            Deadline(
                incident=incident,
                kind=DeadlineKind.STATUS_UPDATE,
                target=PROMISED_TARGET,
                due_at=due_at,
            )
        ],
        actor=actor,
    )
    return row


def meet_promised_status_update(incident: Incident, at: datetime.datetime, *, actor: Actor) -> int:
    """A customer post keeps the promise an earlier message made."""
    qs = open_deadlines(incident).filter(kind=DeadlineKind.STATUS_UPDATE, target=PROMISED_TARGET)
    return rows_updated(actor, qs, {"met_at": at}, described_by=_DESCRIBED_BY, at=at)


def now() -> datetime.datetime:
    return timezone.now()
