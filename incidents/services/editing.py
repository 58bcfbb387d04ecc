"""Severity changes, descriptive edits, milestones and notes."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from incidents import deadlines, events
from incidents.choices import (
    OPEN_STATUSES,
    DeadlineKind,
    TimelineKind,
)
from incidents.classification import IncidentFacts, Suggestion, suggest_severity
from incidents.extension_point import IncidentEvent, run_hooks
from incidents.fields import field_names
from incidents.models import (
    Incident,
)
from incidents.selectors import level_by_code
from incidents.services.guards import (
    lock_incident,
    percent_or_error,
    require_worst_level_for_data_loss,
    war_room_channel_name,
)
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model


@audited_service
def change_severity(*, incident: Incident, actor: Actor, severity: str, reason: str) -> Incident:
    """Move to another level of the *pinned* policy; unmet deadlines are recomputed."""
    if not (reason or "").strip():
        raise DomainError("Say why the severity changes.", field="reason")
    incident = lock_incident(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(
            f"{incident.ref} is {incident.status}; its severity is settled.", field="severity"
        )
    level = level_by_code(incident.policy_version, severity)
    if level.pk == incident.severity_id:
        raise DomainError(f"{incident.ref} is already {level.code}.", field="severity")
    require_worst_level_for_data_loss(level, incident.data_loss)
    now = timezone.now()
    before = events.incident_state(incident)
    previous = incident.severity
    incident.severity = level
    if level.war_room_required and not incident.war_room_channel:
        incident.war_room_channel = war_room_channel_name(incident.declared_at, incident.title)
    incident.save()
    events.incident_changed(actor, incident, before, at=now)
    # Recompute from the declaration under the new level; keep what was met or already missed.
    deadlines.supersede_for_level_change(incident, now, actor=actor)
    met_kinds = {
        DeadlineKind.ACKNOWLEDGE: incident.acknowledged_at,
        DeadlineKind.MITIGATE: incident.mitigated_at,
    }
    rebuilt = []
    for deadline in deadlines.build_declaration_deadlines(incident, level):
        if deadline.kind == DeadlineKind.STATUS_UPDATE:
            continue
        met_at = met_kinds.get(DeadlineKind(deadline.kind))
        if met_at is not None:
            deadline.met_at = met_at
        elif deadline.kind == DeadlineKind.COMMS:
            # Already said on that channel: the rebuilt deadline keeps that time.
            deadline.met_at = (
                incident.deadlines.filter(
                    kind=DeadlineKind.COMMS, channel=deadline.channel, met_at__isnull=False
                )
                .order_by("met_at")
                .values_list("met_at", flat=True)
                .first()
            )
        rebuilt.append(deadline)
    deadlines.save_new(rebuilt, actor=actor)
    last_update = (
        incident.status_updates.order_by("-posted_at").values_list("posted_at", flat=True).first()
    )
    deadlines.schedule_next_status_update(incident, level, last_update or now, actor=actor)
    direction = "raised" if level.rank < previous.rank else "lowered"
    events.record(
        incident,
        TimelineKind.SEVERITY_CHANGED,
        f"Severity {direction} {previous.code} → {level.code}: {reason.strip()}",
        actor=actor,
        at=now,
        data={"from": previous.code, "to": level.code, "reason": reason.strip()},
    )
    deadlines.refresh_next_deadline(incident)
    run_hooks(IncidentEvent.SEVERITY_CHANGED, incident, actor)
    return incident


# What `update_incident_details` changes: the catalogue's editable fields (incidents/fields.py).
EDITABLE_FIELDS = field_names(editable=True, milestone=False, relation=False)
MILESTONE_FIELDS = field_names(editable=True, milestone=True)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@audited_service
def update_incident_details(
    *, incident: Incident, actor: Actor, changes: dict[str, Any]
) -> Incident:
    """Edit descriptive fields and milestones; every change is written on the timeline.

    Status and severity have their own services and are refused here. `services`
    takes an iterable of Service rows (the affected services, replaced as a whole).
    """
    changes = dict(changes)
    new_services = changes.pop("services", None)
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(MILESTONE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"{field} cannot be edited here.", field=field)
    incident = lock_incident(incident)
    state_before = events.incident_state(incident)
    now = timezone.now()
    diff: dict[str, list[Any]] = {}
    for field, value in changes.items():
        if field == "customers_affected_pct":
            value = percent_or_error(value)
        if field == "title" and not (value or "").strip():
            raise DomainError("A title is required.", field="title")
        if field == "revenue_currency" and value and not _CURRENCY.match(value):
            raise DomainError(
                "Use a three-letter ISO currency code such as EUR.", field="revenue_currency"
            )
        if field in MILESTONE_FIELDS and value is not None:
            if value > now:
                raise DomainError("A milestone cannot be in the future.", field=field)
            if value < incident.declared_at - datetime.timedelta(days=365):
                raise DomainError("That is more than a year before the declaration.", field=field)
        old = getattr(incident, field)
        if old != value:
            diff[field] = [_jsonable(old), _jsonable(value)]
            setattr(incident, field, value)
    if new_services is not None:
        before = sorted(incident.services.values_list("slug", flat=True))
        after = sorted({service.slug for service in new_services})
        if before != after:
            incident.services.set(list(new_services))
            diff["services"] = [before, after]
    if not diff:
        return incident
    if incident.data_loss:
        require_worst_level_for_data_loss(incident.severity, True)
    validate_model(incident, exclude=["policy_version", "ref", "severity"])
    incident.save()
    events.incident_changed(actor, incident, state_before, at=now)
    if "services" in diff:
        record_action(
            actor,
            AuditAction.UPDATE,
            incident,
            before={"services": diff["services"][0]},
            after={"services": diff["services"][1]},
            at=now,
        )
    milestone_changes = {k: v for k, v in diff.items() if k in MILESTONE_FIELDS}
    if milestone_changes:
        # Moving a milestone moves when its deadline was met.
        for field, kind in (
            ("acknowledged_at", DeadlineKind.ACKNOWLEDGE),
            ("mitigated_at", DeadlineKind.MITIGATE),
        ):
            if field in milestone_changes:
                events.rows_updated(
                    actor,
                    incident.deadlines.filter(kind=kind, superseded_at__isnull=True),
                    {"met_at": getattr(incident, field)},
                    described_by=("kind", "channel"),
                    at=now,
                )
        events.record(
            incident,
            TimelineKind.MILESTONE,
            "Milestones edited: "
            + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in milestone_changes.items()),
            actor=actor,
            at=now,
            data=milestone_changes,
        )
    other = {k: v for k, v in diff.items() if k not in MILESTONE_FIELDS}  # incl. services
    if other:
        events.record(
            incident,
            TimelineKind.FIELDS_CHANGED,
            "Edited: " + ", ".join(sorted(other)),
            actor=actor,
            at=now,
            data=other,
        )
    deadlines.refresh_next_deadline(incident)
    return incident


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@audited_service
def add_note(*, incident: Incident, actor: Actor, text: str) -> None:
    if not (text or "").strip():
        raise DomainError("The note is empty.", field="text")
    events.record(incident, TimelineKind.NOTE, text.strip(), actor=actor)


def suggest_for_incident(incident: Incident) -> Suggestion:
    return suggest_severity(
        incident.policy_version,
        IncidentFacts(
            customers_affected_pct=incident.customers_affected_pct,
            critical_flow_broken=incident.critical_flow_broken,
            production_outage=incident.production_outage,
            data_loss=incident.data_loss,
            customer_facing=incident.customer_facing,
        ),
    )
