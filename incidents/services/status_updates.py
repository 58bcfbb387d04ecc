"""Status updates: what we know, next steps and ETA, posted on the incident; each moves
the status, meets the pending status-update deadline and schedules the next one."""

from __future__ import annotations

import datetime

from django.utils import timezone

from incidents import deadlines, events
from incidents.choices import OPEN_STATUSES, DeadlineKind, IncidentStatus, TimelineKind
from incidents.extension_point import IncidentEvent, run_hooks
from incidents.models import Incident, StatusUpdate
from incidents.services.guards import check_transition, lock_incident
from incidents.services.lifecycle import mark_mitigated, resolve_locked, set_status
from portal.audit.scope import audited_service
from portal.audit.services import record_created
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


@audited_service
def post_status_update(
    *,
    incident: Incident,
    actor: Actor,
    status: str,
    message: str,
    next_steps: str = "",
    eta: str = "",
    public: bool = False,
    next_update_at: datetime.datetime | None = None,
) -> StatusUpdate:
    """Post an update (status + what we know + next steps + ETA) and move the status.

    `status` may be any open status, or `resolved` (which resolves the incident).
    The update meets the pending status-update deadline and schedules the next one:
    at `next_update_at` when the update promises a time ("next update at 10:30"),
    else after the level's update cadence.
    """
    if status not in IncidentStatus.values:
        raise DomainError(
            f"Unknown status; use one of {', '.join(s for s in IncidentStatus.values)}.",
            field="status",
        )
    if not (message or "").strip():
        raise DomainError("Say what we know: the message is required.", field="message")
    incident = lock_incident(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(
            f"{incident.ref} is {incident.status}: post no more updates.", field="status"
        )
    if status == IncidentStatus.CLOSED or status == IncidentStatus.CANCELLED:
        raise DomainError(f"Use the {status} action, not a status update.", field="status")
    now = timezone.now()
    if next_update_at is not None and (timezone.is_naive(next_update_at) or next_update_at <= now):
        raise DomainError(
            "The next update must be promised for a time in the future (with a time zone).",
            field="next_update_at",
        )
    if next_update_at is not None and status == IncidentStatus.RESOLVED:
        raise DomainError("A resolving update promises no next update.", field="next_update_at")
    if status != incident.status and status != IncidentStatus.RESOLVED:
        check_transition(incident, status)
    before = events.incident_state(incident)
    update = StatusUpdate.objects.create(
        incident=incident,
        status=status,
        message=message.strip(),
        next_steps=next_steps,
        eta=eta,
        public=public,
        posted_at=now,
        posted_by=actor.user,
    )
    record_created(actor, update, at=now)
    events.record(
        incident,
        TimelineKind.STATUS_UPDATE,
        f"[{status}] {message.strip()}",
        actor=actor,
        at=now,
        data={
            "status_update": update.pk,
            "public": public,
            **({"next_update_at": next_update_at.isoformat()} if next_update_at else {}),
        },
    )
    deadlines.meet(incident, DeadlineKind.STATUS_UPDATE, now, actor=actor)
    if status == IncidentStatus.RESOLVED:
        resolve_locked(incident, actor=actor, at=now)
    else:
        set_status(incident, status, actor=actor, at=now)
        if status == IncidentStatus.MONITORING and incident.mitigated_at is None:
            mark_mitigated(incident, actor=actor, at=now)
        incident.save()
        events.incident_changed(actor, incident, before, at=now)
        if next_update_at is not None:
            deadlines.promise_status_update(incident, next_update_at, at=now, actor=actor)
        else:
            deadlines.schedule_next_status_update(incident, incident.severity, now, actor=actor)
    deadlines.refresh_next_deadline(incident)
    run_hooks(IncidentEvent.STATUS_UPDATE, incident, actor)
    return update
