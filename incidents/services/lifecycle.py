"""Status lifecycle: acknowledge, mitigate, resolve, close, reopen, cancel, comms.

Status updates, which move the status too, are in `status_updates.py`."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from incidents import deadlines, events
from incidents.choices import (
    OPEN_STATUSES,
    CommsChannel,
    DeadlineKind,
    IncidentRole,
    IncidentStatus,
    TimelineKind,
)
from incidents.closing_duties import describe_deadline, unmet_mandatory_comms
from incidents.extension_point import IncidentEvent, run_hooks
from incidents.models import (
    Incident,
    StatusUpdate,
)
from incidents.services.guards import check_transition, lock_incident
from incidents.services.roles import assign_role_row
from portal.audit.scope import audited_service
from portal.audit.services import record_created
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


@audited_service
def acknowledge_incident(
    *, incident: Incident, actor: Actor, at: datetime.datetime | None = None
) -> Incident:
    """ "I am on it." Idempotent: a second acknowledgement changes nothing."""
    incident = lock_incident(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(
            f"{incident.ref} is {incident.status}; only open incidents can be acknowledged.",
            field="status",
        )
    if incident.acknowledged_at is not None:
        return incident
    at = at or timezone.now()
    before = events.incident_state(incident)
    incident.acknowledged_at = at
    incident.save(update_fields=["acknowledged_at", "updated_at"])
    events.incident_changed(actor, incident, before, at=at)
    deadlines.meet(incident, DeadlineKind.ACKNOWLEDGE, at, actor=actor)
    events.record(
        incident,
        TimelineKind.ACKNOWLEDGED,
        f"Acknowledged by {actor.label}: I am on it.",
        actor=actor,
        at=at,
    )
    if actor.user is not None and incident.commander_id is None:
        assign_role_row(incident, role=IncidentRole.COMMANDER, user=actor.user, actor=actor, at=at)
    deadlines.refresh_next_deadline(incident)
    run_hooks(IncidentEvent.ACKNOWLEDGED, incident, actor)
    return incident


def set_status(incident: Incident, status: str, *, actor: Actor, at: datetime.datetime) -> None:
    if status == incident.status:
        return
    check_transition(incident, status)
    previous = incident.status
    incident.status = status
    events.record(
        incident,
        TimelineKind.STATUS_CHANGED,
        f"Status {previous} → {status}.",
        actor=actor,
        at=at,
        data={"from": previous, "to": status},
    )


def mark_mitigated(incident: Incident, *, actor: Actor, at: datetime.datetime) -> None:
    incident.mitigated_at = at
    deadlines.meet(incident, DeadlineKind.MITIGATE, at, actor=actor)
    events.record(incident, TimelineKind.MITIGATED, "Impact mitigated.", actor=actor, at=at)


@audited_service
def mitigate_incident(*, incident: Incident, actor: Actor) -> Incident:
    """Customers no longer feel it; the fix may still be pending. Idempotent."""
    incident = lock_incident(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(f"{incident.ref} is {incident.status}.", field="status")
    if incident.mitigated_at is None:
        now = timezone.now()
        before = events.incident_state(incident)
        mark_mitigated(incident, actor=actor, at=now)
        if incident.status != IncidentStatus.MONITORING:
            set_status(incident, IncidentStatus.MONITORING, actor=actor, at=now)
        incident.save()
        events.incident_changed(actor, incident, before, at=now)
        deadlines.refresh_next_deadline(incident)
    return incident


def resolve_locked(
    incident: Incident, *, actor: Actor, at: datetime.datetime, reason: str = ""
) -> None:
    check_transition(incident, IncidentStatus.RESOLVED)
    before = events.incident_state(incident)
    previous = incident.status
    incident.status = IncidentStatus.RESOLVED
    if incident.acknowledged_at is None:
        # Resolving is the strongest form of "I am on it".
        incident.acknowledged_at = at
        deadlines.meet(incident, DeadlineKind.ACKNOWLEDGE, at, actor=actor)
    if incident.mitigated_at is None:
        mark_mitigated(incident, actor=actor, at=at)
    incident.resolved_at = at
    deadlines.meet(incident, DeadlineKind.RESOLVE, at, actor=actor)
    deadlines.supersede_unmet(incident, at, actor=actor, kinds=(DeadlineKind.STATUS_UPDATE,))
    deadlines.supersede_conditional_comms(incident, at, actor=actor)
    events.record(
        incident,
        TimelineKind.RESOLVED,
        f"Resolved (was {previous})." + (f" {reason}" if reason else ""),
        actor=actor,
        at=at,
        data={"from": previous, **({"reason": reason} if reason else {})},
    )
    deadlines.save_new(
        deadlines.build_resolution_deadlines(incident, incident.severity), actor=actor
    )
    if not incident.severity.postmortem_required:
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = at
        events.record(
            incident,
            TimelineKind.CLOSED,
            "Closed: no post-mortem is required at this level.",
            actor=actor,
            at=at,
        )
    incident.save()
    events.incident_changed(actor, incident, before, at=at)
    run_hooks(IncidentEvent.RESOLVED, incident, actor)


@audited_service
def resolve_incident(
    *,
    incident: Incident,
    actor: Actor,
    message: str = "",
    public: bool = False,
    unmet_comms_reason: str = "",
    reason: str = "",
) -> Incident:
    """Resolve an open incident. Closes it at once when its level needs no post-mortem.

    `reason` (asked by the admin's bulk resolve) is written on the resolved timeline entry.

    `message` is the closing update; `public` also posts it on the status page (it
    counts as the status-page comms). A mandatory customer-comms deadline still
    unmet needs `unmet_comms_reason`, which is written on the timeline and retires
    the deadlines not yet due; without one a person is refused (DomainError on
    `unmet_comms_reason`). A machine (integration auto-resolve, no user) records
    that it resolved with the comms unmet.
    """
    incident = lock_incident(incident)
    now = timezone.now()
    if public and not message.strip():
        raise DomainError("Write the public closing update customers will read.", field="message")
    if message.strip():
        update = StatusUpdate.objects.create(
            incident=incident,
            status=IncidentStatus.RESOLVED,
            message=message.strip(),
            public=public,
            posted_at=now,
            posted_by=actor.user,
        )
        record_created(actor, update, at=now)
        if public:
            events.record(
                incident,
                TimelineKind.STATUS_UPDATE,
                f"[resolved] {message.strip()}",
                actor=actor,
                at=now,
                data={"public": True},
            )
            # The public closing update is a status-page post (comms listens here).
            run_hooks(IncidentEvent.STATUS_UPDATE, incident, actor)
    unmet = unmet_mandatory_comms(incident, now)
    if unmet:
        reason = unmet_comms_reason.strip()
        if not reason and actor.user is None and actor.token_id is None:
            reason = f"resolved by {actor.label}, with no person to send them"
        if not reason:
            raise DomainError(
                "The playbook still requires: "
                + ", ".join(describe_deadline(d) for d in unmet)
                + ". Send it first, or say why it will not be sent.",
                field="unmet_comms_reason",
            )
        events.record(
            incident,
            TimelineKind.NOTE,
            "Resolved with comms unmet: "
            + ", ".join(describe_deadline(d) for d in unmet)
            + f". Reason: {reason}",
            actor=actor,
            at=now,
            data={"unmet_comms": [d.pk for d in unmet], "reason": reason},
        )
        # Not owed any more: retire the ones not yet due; overdue ones stay missed.
        deadlines.supersede_unmet(
            incident, now, actor=actor, kinds=(DeadlineKind.COMMS,), waived_reason=reason
        )
    resolve_locked(incident, actor=actor, at=now, reason=reason.strip())
    deadlines.refresh_next_deadline(incident)
    return incident


@audited_service
def close_incident(*, incident: Incident, actor: Actor, reason: str) -> Incident:
    """Resolved → closed (e.g. when its post-mortem is published)."""
    incident = lock_incident(incident)
    if incident.status == IncidentStatus.CLOSED:
        return incident
    now = timezone.now()
    before = events.incident_state(incident)
    set_status(incident, IncidentStatus.CLOSED, actor=actor, at=now)
    incident.closed_at = now
    incident.save()
    events.incident_changed(actor, incident, before, at=now)
    # Nothing is owed by a closed incident: no countdown may run on it (issue 15).
    deadlines.supersede_unmet(incident, now, actor=actor)
    deadlines.refresh_next_deadline(incident)
    events.record(incident, TimelineKind.CLOSED, f"Closed: {reason}", actor=actor, at=now)
    run_hooks(IncidentEvent.CLOSED, incident, actor)
    return incident


@audited_service
def record_comms_sent(
    *,
    incident: Incident,
    actor: Actor,
    channel: str,
    summary: str,
    at: datetime.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Incident:
    """Customer (or internal) comms went out on `channel` (a CommsChannel value).

    Writes the timeline entry and meets the open comms deadlines of that channel.
    Called by the comms app after it published or queued the message.
    """
    if channel not in CommsChannel.values:
        raise DomainError(
            f"Unknown channel; use one of {', '.join(CommsChannel.values)}.", field="channel"
        )
    incident = lock_incident(incident)
    at = at or timezone.now()
    met = deadlines.meet(incident, DeadlineKind.COMMS, at, actor=actor, channel=channel)
    events.record(
        incident,
        TimelineKind.COMMS_SENT,
        f"{CommsChannel(channel).label}: {summary}",
        actor=actor,
        at=at,
        data={"channel": channel, "deadlines_met": met, **(data or {})},
    )
    deadlines.refresh_next_deadline(incident)
    run_hooks(IncidentEvent.COMMS_SENT, incident, actor)
    return incident


@audited_service
def record_postmortem_published(
    *, incident: Incident, actor: Actor, at: datetime.datetime | None = None
) -> Incident:
    """The incident's post-mortem was published: meet its deadline and close the incident."""
    incident = lock_incident(incident)
    at = at or timezone.now()
    deadlines.meet(incident, DeadlineKind.POSTMORTEM, at, actor=actor)
    deadlines.refresh_next_deadline(incident)
    if incident.status == IncidentStatus.RESOLVED:
        return close_incident(
            incident=incident, actor=actor, reason="its post-mortem is published."
        )
    return incident


@audited_service
def reopen_incident(*, incident: Incident, actor: Actor, reason: str) -> Incident:
    incident = lock_incident(incident)
    if not reason.strip():
        raise DomainError("Say why it is reopened.", field="reason")
    now = timezone.now()
    before = events.incident_state(incident)
    set_status(incident, IncidentStatus.INVESTIGATING, actor=actor, at=now)
    incident.resolved_at = None
    incident.save()
    events.incident_changed(actor, incident, before, at=now)
    deadlines.supersede_unmet(
        incident,
        now,
        actor=actor,
        kinds=(DeadlineKind.POSTMORTEM, DeadlineKind.COMMS),
        keep_overdue=False,
    )
    deadlines.schedule_next_status_update(incident, incident.severity, now, actor=actor)
    events.record(
        incident, TimelineKind.REOPENED, f"Reopened: {reason.strip()}", actor=actor, at=now
    )
    deadlines.refresh_next_deadline(incident)
    return incident


@audited_service
def cancel_incident(*, incident: Incident, actor: Actor, reason: str = "") -> Incident:
    """Declared in good faith, turned out not to be one: never punished, out of metrics."""
    incident = lock_incident(incident)
    now = timezone.now()
    check_transition(incident, IncidentStatus.CANCELLED)
    before = events.incident_state(incident)
    previous = incident.status
    incident.status = IncidentStatus.CANCELLED
    incident.cancelled_at = now
    incident.save()
    events.incident_changed(actor, incident, before, at=now)
    deadlines.supersede_unmet(incident, now, actor=actor, keep_overdue=False)
    events.record(
        incident,
        TimelineKind.CANCELLED,
        f"Cancelled (was {previous}). " + (reason.strip() or "Not an incident after all."),
        actor=actor,
        at=now,
        data={"reason": reason.strip()},
    )
    deadlines.refresh_next_deadline(incident)
    run_hooks(IncidentEvent.CANCELLED, incident, actor)
    return incident
