"""Declaring incidents, and the guards every incident service shares."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from incidents import deadlines, events
from incidents.choices import (
    DetectionSource,
    Environment,
    TimelineKind,
)
from incidents.extension_point import IncidentEvent, run_hooks
from incidents.models import (
    Deadline,
    Incident,
    Service,
    TimelineEntry,
)
from incidents.references import allocate_reference
from incidents.selectors import active_policy_version, level_by_code
from incidents.services.guards import (
    percent_or_error,
    require_worst_level_for_data_loss,
    war_room_channel_name,
)
from incidents.services.roles import first_commander_rows
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model


@audited_service
def declare_incident(
    *,
    actor: Actor,
    title: str,
    severity: str,
    summary: str = "",
    environment: str = Environment.PRODUCTION,
    detection_source: str = DetectionSource.MANUAL,
    services: Iterable[Service] = (),
    customers_affected_count: int | None = None,
    customers_affected_pct: Any = None,
    critical_flow_broken: bool = False,
    production_outage: bool = False,
    data_loss: bool = False,
    customer_facing: bool = True,
    commander: Any = None,
    impact_started_at: datetime.datetime | None = None,
    detected_at: datetime.datetime | None = None,
    runbook_links: list[str] | None = None,
    is_drill: bool = False,
    what_is_broken: str = "",
    customer_impact: str = "",
    is_demo: bool = False,
    public_title: str = "",
) -> Incident:
    """Open an incident under the policy in force, with its reference and deadlines.

    `severity` is a level code of the active policy version ("SEV-1", "S2"…).
    Raises DomainError naming the field for any bad input; nothing is written then.
    """
    title = (title or "").strip()
    if not title:
        raise DomainError("A title is required.", field="title")
    if len(title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    if environment not in Environment.values:
        raise DomainError(
            f"Unknown environment; use one of {', '.join(Environment.values)}.", field="environment"
        )
    if detection_source not in DetectionSource.values:
        raise DomainError("Unknown detection source.", field="detection_source")
    version = active_policy_version()
    level = level_by_code(version, severity)
    require_worst_level_for_data_loss(level, data_loss)
    now = timezone.now()
    if impact_started_at and impact_started_at > now:
        raise DomainError("Impact cannot start in the future.", field="impact_started_at")
    if detected_at and detected_at > now:
        raise DomainError("Detection cannot be in the future.", field="detected_at")

    lead = commander if commander is not None else actor.user
    incident = Incident(
        ref="",
        title=title,
        summary=summary or "",
        policy_version=version,
        severity=level,
        environment=environment,
        detection_source=detection_source,
        customers_affected_count=customers_affected_count,
        customers_affected_pct=percent_or_error(customers_affected_pct),
        critical_flow_broken=critical_flow_broken,
        production_outage=production_outage,
        data_loss=data_loss,
        customer_facing=customer_facing,
        impact_started_at=impact_started_at,
        detected_at=detected_at or now,
        declared_at=now,
        declared_by=actor.user,
        commander=lead,
        runbook_links=runbook_links or [],
        is_drill=is_drill,
        what_is_broken=(what_is_broken or "").strip(),
        customer_impact=(customer_impact or "").strip(),
        is_demo=is_demo,
        public_title=(public_title or "").strip(),
    )
    if level.war_room_required:
        incident.war_room_channel = war_room_channel_name(now, title)
    # The related rows were just read from the database: no need to look them up
    # again. No constraint to check either: the reference is a fresh placeholder
    # (below) and the one conditional constraint is on `imported_from`, empty here.
    validate_model(
        incident,
        exclude=["policy_version", "ref", "severity", "commander", "declared_by"],
        validate_constraints=False,
    )
    # The per-day reference counter is the one shared row a declaration locks, held
    # until commit (a rollback gives the number back: references stay gap-free). So the
    # incident's own rows are written first under a unique placeholder, each kind in
    # one INSERT, and the number is taken as late as possible: then only the reference
    # itself, the audit entries that name it and the hooks run while it is held (the
    # on-call hook leaves its pages until after the commit).
    deadline_rows = deadlines.build_declaration_deadlines(incident, level)
    first_due = min(
        (d for d in deadline_rows if d.due_at is not None),
        key=lambda d: d.due_at,  # type: ignore[arg-type, return-value]
        default=None,
    )
    if first_due is not None:  # what `deadlines.refresh_next_deadline` would find
        incident.next_deadline_at, incident.next_deadline_kind = (
            first_due.due_at,
            first_due.api_kind,
        )
    incident.ref = f"~{uuid.uuid4().hex[:22]}"
    incident.save(force_insert=True)
    services = list(services)
    if services:
        through = Incident.services.through
        through.objects.bulk_create(
            [through(incident_id=incident.pk, service_id=s.pk) for s in services]
        )
    timeline = [
        events.timeline_row(
            incident,
            TimelineKind.DECLARED,
            f"{level.code} declared: {title}" + (" (drill)" if is_drill else ""),
            actor=actor,
            at=now,
            data={"severity": level.code, "policy_version": version.pk, "environment": environment},
        )
    ]
    written: list[Any] = [timeline[0]]  # in the order the audit log lists them
    if lead is not None:
        assignment, assigned = first_commander_rows(incident, user=lead, actor=actor, at=now)
        assignment.save(force_insert=True)
        timeline.append(assigned)
        written += [assignment, assigned]
    TimelineEntry.objects.bulk_create(timeline)
    if deadline_rows:
        written += Deadline.objects.bulk_create(deadline_rows)
    incident.ref = allocate_reference(now.date())
    Incident.objects.filter(pk=incident.pk).update(ref=incident.ref)
    events.incident_declared(actor, incident, services=services, rows=written)
    run_hooks(IncidentEvent.DECLARED, incident, actor)
    return incident
