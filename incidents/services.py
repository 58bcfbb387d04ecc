"""Incident writes. Every door (admin, API, CLI, tasks) calls these.

Each function is atomic, locks the incident row, checks the transition, writes
its own timeline entries and keeps the deadlines in step with the pinned policy.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from incidents import deadlines, events
from incidents.choices import (
    ALLOWED_TRANSITIONS,
    CommsChannel,
    OPEN_STATUSES,
    DeadlineKind,
    DetectionSource,
    Environment,
    IncidentRole,
    IncidentStatus,
    TimelineKind,
)
from incidents.classification import IncidentFacts, suggest_severity
from incidents.exceptions import DomainError, TransitionNotAllowed
from incidents.models import (
    Incident,
    IncidentRoleAssignment,
    Service,
    SeverityLevel,
    StatusUpdate,
)
from incidents.references import allocate_reference
from incidents.selectors import active_policy_version, level_by_code
from portal.actors import Actor

User = get_user_model()


def _lock(incident: Incident) -> Incident:
    """Re-read the incident under a row lock; state may have moved since it was loaded."""
    return Incident.objects.select_for_update().select_related("severity", "policy_version").get(
        pk=incident.pk
    )


def _check_transition(incident: Incident, wanted: str) -> None:
    if wanted not in ALLOWED_TRANSITIONS[incident.status]:
        raise TransitionNotAllowed(incident.get_status_display().lower(), IncidentStatus(wanted).label.lower())


def _require_worst_level_for_data_loss(level: SeverityLevel, data_loss: bool) -> None:
    if not data_loss:
        return
    worst = level.version.levels.order_by("rank").first()
    if worst is not None and level.rank != worst.rank:
        raise DomainError(
            f"Confirmed data loss or leak requires {worst.code}, the worst level (not {level.code}).",
            field="severity",
        )


def war_room_channel_name(declared_at: datetime.datetime, title: str) -> str:
    """`#incident-YYYY-MM-DD-short-slug`, as the playbooks name their channels."""
    slug = slugify(title)[:40].strip("-") or "incident"
    return f"#incident-{declared_at:%Y-%m-%d}-{slug}"


def _percent(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        pct = Decimal(str(value))
    except ArithmeticError:
        raise DomainError("Give a number between 0 and 100.", field="customers_affected_pct") from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise DomainError("Give a number between 0 and 100.", field="customers_affected_pct")
    return pct.quantize(Decimal("0.01"))


@transaction.atomic
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
        raise DomainError(f"Unknown environment; use one of {', '.join(Environment.values)}.", field="environment")
    if detection_source not in DetectionSource.values:
        raise DomainError("Unknown detection source.", field="detection_source")
    version = active_policy_version()
    level = level_by_code(version, severity)
    _require_worst_level_for_data_loss(level, data_loss)
    now = timezone.now()
    if impact_started_at and impact_started_at > now:
        raise DomainError("Impact cannot start in the future.", field="impact_started_at")
    if detected_at and detected_at > now:
        raise DomainError("Detection cannot be in the future.", field="detected_at")

    incident = Incident(
        ref=allocate_reference(now.date()),
        title=title,
        summary=summary or "",
        policy_version=version,
        severity=level,
        environment=environment,
        detection_source=detection_source,
        customers_affected_count=customers_affected_count,
        customers_affected_pct=_percent(customers_affected_pct),
        critical_flow_broken=critical_flow_broken,
        production_outage=production_outage,
        data_loss=data_loss,
        customer_facing=customer_facing,
        impact_started_at=impact_started_at,
        detected_at=detected_at or now,
        declared_at=now,
        declared_by=actor.user,
        runbook_links=runbook_links or [],
        is_drill=is_drill,
    )
    if level.war_room_required:
        incident.war_room_channel = war_room_channel_name(now, title)
    try:
        incident.full_clean(exclude=["policy_version", "ref"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from None
    incident.save()
    incident.services.set(services)
    events.record(
        incident, TimelineKind.DECLARED,
        f"{level.code} declared: {title}" + (" (drill)" if is_drill else ""),
        actor=actor, at=now,
        data={"severity": level.code, "policy_version": version.pk, "environment": environment},
    )
    if commander is not None:
        _assign_role(incident, role=IncidentRole.COMMANDER, user=commander, actor=actor, at=now)
    elif actor.user is not None:
        _assign_role(incident, role=IncidentRole.COMMANDER, user=actor.user, actor=actor, at=now)
    for deadline in deadlines.build_declaration_deadlines(incident, level):
        deadline.save()
    deadlines.refresh_next_deadline(incident)
    _run_hooks("declared", incident, actor)
    return incident


# Other apps (paging, comms, post-mortems) register callbacks here instead of the
# incident services importing them (the core must not depend on its add-ons).
# A callback runs INSIDE the service's transaction, with the locked incident and the
# actor, so the rows it writes (escalation state, outbox messages) commit or roll back
# with the change that caused them. Callbacks enqueue worker tasks with on_commit only.
IncidentHook = Any  # Callable[[Incident, Actor], None]
_HOOKS: dict[str, list[IncidentHook]] = {}
HOOK_NAMES = ("declared", "acknowledged", "status_update", "severity_changed", "resolved", "cancelled",
              "closed", "comms_sent")


def on_incident_event(name: str, callback: IncidentHook) -> None:
    """Register `callback(incident, actor)` for event `name` (one of HOOK_NAMES). Idempotent."""
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown incident event {name!r}")
    _HOOKS.setdefault(name, [])
    if callback not in _HOOKS[name]:
        _HOOKS[name].append(callback)


def _run_hooks(name: str, incident: Incident, actor: Actor) -> None:
    for callback in _HOOKS.get(name, []):
        callback(incident, actor)


@transaction.atomic
def acknowledge_incident(*, incident: Incident, actor: Actor, at: datetime.datetime | None = None) -> Incident:
    """"I am on it." Idempotent: a second acknowledgement changes nothing."""
    incident = _lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(f"{incident.ref} is {incident.status}; only open incidents can be acknowledged.",
                          field="status")
    if incident.acknowledged_at is not None:
        return incident
    at = at or timezone.now()
    incident.acknowledged_at = at
    incident.save(update_fields=["acknowledged_at", "updated_at"])
    deadlines.meet(incident, DeadlineKind.ACKNOWLEDGE, at)
    events.record(incident, TimelineKind.ACKNOWLEDGED, f"Acknowledged by {actor.label}: I am on it.",
                  actor=actor, at=at)
    if actor.user is not None and incident.commander_id is None:
        _assign_role(incident, role=IncidentRole.COMMANDER, user=actor.user, actor=actor, at=at)
    deadlines.refresh_next_deadline(incident)
    _run_hooks("acknowledged", incident, actor)
    return incident


def _set_status(incident: Incident, status: str, *, actor: Actor, at: datetime.datetime) -> None:
    if status == incident.status:
        return
    _check_transition(incident, status)
    previous = incident.status
    incident.status = status
    events.record(incident, TimelineKind.STATUS_CHANGED,
                  f"Status {previous} → {status}.", actor=actor, at=at,
                  data={"from": previous, "to": status})


@transaction.atomic
def post_status_update(
    *,
    incident: Incident,
    actor: Actor,
    status: str,
    message: str,
    next_steps: str = "",
    eta: str = "",
    public: bool = False,
) -> StatusUpdate:
    """Post an update (status + what we know + next steps + ETA) and move the status.

    `status` may be any open status, or `resolved` (which resolves the incident).
    The update meets the pending status-update deadline and schedules the next one.
    """
    if status not in IncidentStatus.values:
        raise DomainError(f"Unknown status; use one of {', '.join(s for s in IncidentStatus.values)}.",
                          field="status")
    if not (message or "").strip():
        raise DomainError("Say what we know: the message is required.", field="message")
    incident = _lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(f"{incident.ref} is {incident.status}: post no more updates.", field="status")
    if status == IncidentStatus.CLOSED or status == IncidentStatus.CANCELLED:
        raise DomainError(f"Use the {status} action, not a status update.", field="status")
    now = timezone.now()
    if status != incident.status and status != IncidentStatus.RESOLVED:
        _check_transition(incident, status)
    update = StatusUpdate.objects.create(
        incident=incident, status=status, message=message.strip(), next_steps=next_steps, eta=eta,
        public=public, posted_at=now, posted_by=actor.user,
    )
    events.record(incident, TimelineKind.STATUS_UPDATE, f"[{status}] {message.strip()}", actor=actor, at=now,
                  data={"status_update": update.pk, "public": public})
    deadlines.meet(incident, DeadlineKind.STATUS_UPDATE, now)
    if status == IncidentStatus.RESOLVED:
        _resolve(incident, actor=actor, at=now)
    else:
        _set_status(incident, status, actor=actor, at=now)
        if status == IncidentStatus.MONITORING and incident.mitigated_at is None:
            _mitigate(incident, actor=actor, at=now)
        incident.save()
        deadlines.schedule_next_status_update(incident, incident.severity, now)
    deadlines.refresh_next_deadline(incident)
    _run_hooks("status_update", incident, actor)
    return update


def _mitigate(incident: Incident, *, actor: Actor, at: datetime.datetime) -> None:
    incident.mitigated_at = at
    deadlines.meet(incident, DeadlineKind.MITIGATE, at)
    events.record(incident, TimelineKind.MITIGATED, "Impact mitigated.", actor=actor, at=at)


@transaction.atomic
def mitigate_incident(*, incident: Incident, actor: Actor) -> Incident:
    """Customers no longer feel it; the fix may still be pending. Idempotent."""
    incident = _lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(f"{incident.ref} is {incident.status}.", field="status")
    if incident.mitigated_at is None:
        now = timezone.now()
        _mitigate(incident, actor=actor, at=now)
        if incident.status != IncidentStatus.MONITORING:
            _set_status(incident, IncidentStatus.MONITORING, actor=actor, at=now)
        incident.save()
        deadlines.refresh_next_deadline(incident)
    return incident


def _resolve(incident: Incident, *, actor: Actor, at: datetime.datetime) -> None:
    _check_transition(incident, IncidentStatus.RESOLVED)
    previous = incident.status
    incident.status = IncidentStatus.RESOLVED
    if incident.acknowledged_at is None:
        # Resolving is the strongest form of "I am on it".
        incident.acknowledged_at = at
        deadlines.meet(incident, DeadlineKind.ACKNOWLEDGE, at)
    if incident.mitigated_at is None:
        _mitigate(incident, actor=actor, at=at)
    incident.resolved_at = at
    deadlines.meet(incident, DeadlineKind.RESOLVE, at)
    deadlines.supersede_unmet(incident, at, kinds=(DeadlineKind.STATUS_UPDATE,))
    deadlines.supersede_conditional_comms(incident, at)
    events.record(incident, TimelineKind.RESOLVED, f"Resolved (was {previous}).", actor=actor, at=at,
                  data={"from": previous})
    for deadline in deadlines.build_resolution_deadlines(incident, incident.severity):
        deadline.save()
    if not incident.severity.postmortem_required:
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = at
        events.record(incident, TimelineKind.CLOSED, "Closed: no post-mortem is required at this level.",
                      actor=actor, at=at)
    incident.save()
    _run_hooks("resolved", incident, actor)


@transaction.atomic
def resolve_incident(*, incident: Incident, actor: Actor, message: str = "") -> Incident:
    """Resolve an open incident. Closes it at once when its level needs no post-mortem."""
    incident = _lock(incident)
    now = timezone.now()
    if message.strip():
        StatusUpdate.objects.create(incident=incident, status=IncidentStatus.RESOLVED, message=message.strip(),
                                    posted_at=now, posted_by=actor.user)
    _resolve(incident, actor=actor, at=now)
    deadlines.refresh_next_deadline(incident)
    return incident


@transaction.atomic
def close_incident(*, incident: Incident, actor: Actor, reason: str) -> Incident:
    """Resolved → closed (e.g. when its post-mortem is published)."""
    incident = _lock(incident)
    if incident.status == IncidentStatus.CLOSED:
        return incident
    now = timezone.now()
    _set_status(incident, IncidentStatus.CLOSED, actor=actor, at=now)
    incident.closed_at = now
    incident.save()
    events.record(incident, TimelineKind.CLOSED, f"Closed: {reason}", actor=actor, at=now)
    _run_hooks("closed", incident, actor)
    return incident


@transaction.atomic
def record_comms_sent(
    *, incident: Incident, actor: Actor, channel: str, summary: str, at: datetime.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Incident:
    """Customer (or internal) comms went out on `channel` (a CommsChannel value).

    Writes the timeline entry and meets the open comms deadlines of that channel.
    Called by the comms app after it published or queued the message.
    """
    if channel not in CommsChannel.values:
        raise DomainError(f"Unknown channel; use one of {', '.join(CommsChannel.values)}.", field="channel")
    incident = _lock(incident)
    at = at or timezone.now()
    met = deadlines.meet(incident, DeadlineKind.COMMS, at, channel=channel)
    events.record(incident, TimelineKind.COMMS_SENT, f"{CommsChannel(channel).label}: {summary}",
                  actor=actor, at=at, data={"channel": channel, "deadlines_met": met, **(data or {})})
    deadlines.refresh_next_deadline(incident)
    _run_hooks("comms_sent", incident, actor)
    return incident


@transaction.atomic
def record_postmortem_published(*, incident: Incident, actor: Actor, at: datetime.datetime | None = None) -> Incident:
    """The incident's post-mortem was published: meet its deadline and close the incident."""
    incident = _lock(incident)
    at = at or timezone.now()
    deadlines.meet(incident, DeadlineKind.POSTMORTEM, at)
    deadlines.refresh_next_deadline(incident)
    if incident.status == IncidentStatus.RESOLVED:
        return close_incident(incident=incident, actor=actor, reason="its post-mortem is published.")
    return incident


@transaction.atomic
def reopen_incident(*, incident: Incident, actor: Actor, reason: str) -> Incident:
    incident = _lock(incident)
    if not reason.strip():
        raise DomainError("Say why it is reopened.", field="reason")
    now = timezone.now()
    _set_status(incident, IncidentStatus.INVESTIGATING, actor=actor, at=now)
    incident.resolved_at = None
    incident.save()
    deadlines.supersede_unmet(incident, now, kinds=(DeadlineKind.POSTMORTEM, DeadlineKind.COMMS),
                              keep_overdue=False)
    deadlines.schedule_next_status_update(incident, incident.severity, now)
    events.record(incident, TimelineKind.REOPENED, f"Reopened: {reason.strip()}", actor=actor, at=now)
    deadlines.refresh_next_deadline(incident)
    return incident


@transaction.atomic
def cancel_incident(*, incident: Incident, actor: Actor, reason: str = "") -> Incident:
    """Declared in good faith, turned out not to be one: never punished, out of metrics."""
    incident = _lock(incident)
    now = timezone.now()
    _check_transition(incident, IncidentStatus.CANCELLED)
    previous = incident.status
    incident.status = IncidentStatus.CANCELLED
    incident.cancelled_at = now
    incident.save()
    deadlines.supersede_unmet(incident, now, keep_overdue=False)
    events.record(incident, TimelineKind.CANCELLED,
                  f"Cancelled (was {previous}). " + (reason.strip() or "Not an incident after all."),
                  actor=actor, at=now, data={"reason": reason.strip()})
    deadlines.refresh_next_deadline(incident)
    _run_hooks("cancelled", incident, actor)
    return incident


@transaction.atomic
def change_severity(*, incident: Incident, actor: Actor, severity: str, reason: str) -> Incident:
    """Move to another level of the *pinned* policy; unmet deadlines are recomputed."""
    if not (reason or "").strip():
        raise DomainError("Say why the severity changes.", field="reason")
    incident = _lock(incident)
    if incident.status not in OPEN_STATUSES:
        raise DomainError(f"{incident.ref} is {incident.status}; its severity is settled.", field="severity")
    level = level_by_code(incident.policy_version, severity)
    if level.pk == incident.severity_id:
        raise DomainError(f"{incident.ref} is already {level.code}.", field="severity")
    _require_worst_level_for_data_loss(level, incident.data_loss)
    now = timezone.now()
    previous = incident.severity
    incident.severity = level
    if level.war_room_required and not incident.war_room_channel:
        incident.war_room_channel = war_room_channel_name(incident.declared_at, incident.title)
    incident.save()
    # Recompute from the declaration under the new level; keep what was met or already missed.
    deadlines.supersede_for_level_change(incident, now)
    met_kinds = {
        DeadlineKind.ACKNOWLEDGE: incident.acknowledged_at,
        DeadlineKind.MITIGATE: incident.mitigated_at,
    }
    for deadline in deadlines.build_declaration_deadlines(incident, level):
        if deadline.kind == DeadlineKind.STATUS_UPDATE:
            continue
        met_at = met_kinds.get(DeadlineKind(deadline.kind))
        if met_at is not None:
            deadline.met_at = met_at
        elif deadline.kind == DeadlineKind.COMMS:
            # Already said on that channel: the rebuilt deadline keeps that time.
            deadline.met_at = (
                incident.deadlines.filter(kind=DeadlineKind.COMMS, channel=deadline.channel,
                                          met_at__isnull=False)
                .order_by("met_at").values_list("met_at", flat=True).first()
            )
        deadline.save()
    last_update = incident.status_updates.order_by("-posted_at").values_list("posted_at", flat=True).first()
    deadlines.schedule_next_status_update(incident, level, last_update or now)
    direction = "raised" if level.rank < previous.rank else "lowered"
    events.record(incident, TimelineKind.SEVERITY_CHANGED,
                  f"Severity {direction} {previous.code} → {level.code}: {reason.strip()}",
                  actor=actor, at=now, data={"from": previous.code, "to": level.code, "reason": reason.strip()})
    deadlines.refresh_next_deadline(incident)
    _run_hooks("severity_changed", incident, actor)
    return incident


def _assign_role(incident: Incident, *, role: str, user: Any, actor: Actor, at: datetime.datetime) -> None:
    current = IncidentRoleAssignment.objects.filter(incident=incident, role=role, relieved_at__isnull=True)
    if role != IncidentRole.INVESTIGATOR:
        if current.filter(user=user).exists():
            return
        current.update(relieved_at=at)
    elif current.filter(user=user).exists():
        return
    IncidentRoleAssignment.objects.create(incident=incident, role=role, user=user, assigned_at=at,
                                          assigned_by=actor.user)
    if role == IncidentRole.COMMANDER:
        incident.commander = user
        Incident.objects.filter(pk=incident.pk).update(commander=user)
    events.record(incident, TimelineKind.ROLE_ASSIGNED,
                  f"{IncidentRole(role).label}: {user.get_username()}", actor=actor, at=at,
                  data={"role": role, "user": user.get_username()})


@transaction.atomic
def assign_role(*, incident: Incident, actor: Actor, role: str, user: Any) -> Incident:
    """Give `role` to `user`; the previous holder (except investigators, who are many) is relieved."""
    if role not in IncidentRole.values:
        raise DomainError(f"Unknown role; use one of {', '.join(IncidentRole.values)}.", field="role")
    incident = _lock(incident)
    _assign_role(incident, role=role, user=user, actor=actor, at=timezone.now())
    return incident


@transaction.atomic
def relieve_role(*, incident: Incident, actor: Actor, role: str, user: Any) -> Incident:
    incident = _lock(incident)
    now = timezone.now()
    n = IncidentRoleAssignment.objects.filter(incident=incident, role=role, user=user,
                                              relieved_at__isnull=True).update(relieved_at=now)
    if n and role == IncidentRole.COMMANDER:
        Incident.objects.filter(pk=incident.pk).update(commander=None)
    if n:
        events.record(incident, TimelineKind.ROLE_ASSIGNED,
                      f"{user.get_username()} relieved as {IncidentRole(role).label}.", actor=actor, at=now)
    return incident


EDITABLE_FIELDS = (
    "title", "summary", "environment", "detection_source", "customers_affected_count",
    "customers_affected_pct", "critical_flow_broken", "production_outage", "data_loss",
    "customer_facing", "revenue_impact", "revenue_currency", "war_room_channel", "runbook_links",
)
MILESTONE_FIELDS = ("impact_started_at", "detected_at", "acknowledged_at", "mitigated_at")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@transaction.atomic
def update_incident_details(*, incident: Incident, actor: Actor, changes: dict[str, Any]) -> Incident:
    """Edit descriptive fields and milestones; every change is written on the timeline.

    Status and severity have their own services and are refused here.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(MILESTONE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"{field} cannot be edited here.", field=field)
    incident = _lock(incident)
    now = timezone.now()
    diff: dict[str, list[Any]] = {}
    for field, value in changes.items():
        if field == "customers_affected_pct":
            value = _percent(value)
        if field == "title" and not (value or "").strip():
            raise DomainError("A title is required.", field="title")
        if field == "revenue_currency" and value and not _CURRENCY.match(value):
            raise DomainError("Use a three-letter ISO currency code such as EUR.", field="revenue_currency")
        if field in MILESTONE_FIELDS and value is not None:
            if value > now:
                raise DomainError("A milestone cannot be in the future.", field=field)
            if value < incident.declared_at - datetime.timedelta(days=365):
                raise DomainError("That is more than a year before the declaration.", field=field)
        old = getattr(incident, field)
        if old != value:
            diff[field] = [_jsonable(old), _jsonable(value)]
            setattr(incident, field, value)
    if not diff:
        return incident
    if incident.data_loss:
        _require_worst_level_for_data_loss(incident.severity, True)
    try:
        incident.full_clean(exclude=["policy_version", "ref", "severity"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from None
    incident.save()
    milestone_changes = {k: v for k, v in diff.items() if k in MILESTONE_FIELDS}
    if milestone_changes:
        # Moving a milestone moves when its deadline was met.
        for field, kind in (("acknowledged_at", DeadlineKind.ACKNOWLEDGE), ("mitigated_at", DeadlineKind.MITIGATE)):
            if field in milestone_changes:
                incident.deadlines.filter(kind=kind, superseded_at__isnull=True).update(
                    met_at=getattr(incident, field))
        events.record(incident, TimelineKind.MILESTONE,
                      "Milestones edited: " + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in milestone_changes.items()),
                      actor=actor, at=now, data=milestone_changes)
    other = {k: v for k, v in diff.items() if k not in MILESTONE_FIELDS}
    if other:
        events.record(incident, TimelineKind.FIELDS_CHANGED, "Edited: " + ", ".join(sorted(other)),
                      actor=actor, at=now, data=other)
    deadlines.refresh_next_deadline(incident)
    return incident


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def add_note(*, incident: Incident, actor: Actor, text: str) -> None:
    if not (text or "").strip():
        raise DomainError("The note is empty.", field="text")
    events.record(incident, TimelineKind.NOTE, text.strip(), actor=actor)


def suggest_for_incident(incident: Incident):  # type: ignore[no-untyped-def]
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
