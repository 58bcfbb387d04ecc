"""Incident roles, with who held which role when."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from incidents import events
from incidents.choices import (
    IncidentRole,
    TimelineKind,
)
from incidents.models import (
    Incident,
    IncidentRoleAssignment,
    TimelineEntry,
)
from incidents.services.guards import lock_incident
from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError


def assign_role_row(
    incident: Incident,
    *,
    role: str,
    user: Any,
    actor: Actor,
    at: datetime.datetime,
) -> None:
    """Give `role` to `user` on the locked `incident`."""
    current = IncidentRoleAssignment.objects.filter(
        incident=incident, role=role, relieved_at__isnull=True
    )
    if current.filter(user=user).exists():
        return
    if role != IncidentRole.INVESTIGATOR:
        events.rows_updated(actor, current, {"relieved_at": at}, described_by=("role",), at=at)
    assignment = IncidentRoleAssignment.objects.create(
        incident=incident, role=role, user=user, assigned_at=at, assigned_by=actor.user
    )
    record_created(actor, assignment, at=at)
    if role == IncidentRole.COMMANDER:
        before = {"commander_id": incident.commander_id}
        incident.commander = user
        Incident.objects.filter(pk=incident.pk).update(commander=user)
        record_changed(actor, incident, before, at=at)
    message, data = _assigned(role, user)
    events.record(incident, TimelineKind.ROLE_ASSIGNED, message, actor=actor, at=at, data=data)


def first_commander_rows(
    incident: Incident, *, user: Any, actor: Actor, at: datetime.datetime
) -> tuple[IncidentRoleAssignment, TimelineEntry]:
    """The rows of a just-declared incident's commander (its `commander` is set already),
    unsaved: the declaration inserts them with its other rows, then their audit entries."""
    assignment = IncidentRoleAssignment(
        incident=incident,
        role=IncidentRole.COMMANDER,
        user=user,
        assigned_at=at,
        assigned_by=actor.user,
    )
    message, data = _assigned(IncidentRole.COMMANDER, user)
    return assignment, events.timeline_row(
        incident, TimelineKind.ROLE_ASSIGNED, message, actor=actor, at=at, data=data
    )


def _assigned(role: str, user: Any) -> tuple[str, dict[str, Any]]:
    """The timeline text and data of an assignment."""
    return (
        f"{IncidentRole(role).label}: {user.get_username()}",
        {"role": role, "user": user.get_username()},
    )


@audited_service
def assign_role(*, incident: Incident, actor: Actor, role: str, user: Any) -> Incident:
    """Give `role` to `user`; the previous holder (except investigators, who are many) is relieved."""
    if role not in IncidentRole.values:
        raise DomainError(
            f"Unknown role; use one of {', '.join(IncidentRole.values)}.", field="role"
        )
    incident = lock_incident(incident)
    assign_role_row(incident, role=role, user=user, actor=actor, at=timezone.now())
    return incident


@audited_service
def relieve_role(*, incident: Incident, actor: Actor, role: str, user: Any) -> Incident:
    incident = lock_incident(incident)
    now = timezone.now()
    held = IncidentRoleAssignment.objects.filter(
        incident=incident, role=role, user=user, relieved_at__isnull=True
    )
    n = events.rows_updated(actor, held, {"relieved_at": now}, described_by=("role",), at=now)
    if n and role == IncidentRole.COMMANDER:
        before = {"commander_id": incident.commander_id}
        incident.commander = None
        Incident.objects.filter(pk=incident.pk).update(commander=None)
        record_changed(actor, incident, before, at=now)
    if n:
        events.record(
            incident,
            TimelineKind.ROLE_ASSIGNED,
            f"{user.get_username()} relieved as {IncidentRole(role).label}.",
            actor=actor,
            at=now,
        )
    return incident


@audited_service
def assign_roles(
    *, incident: Incident, actor: Actor, assignments: list[tuple[str, Any]]
) -> list[tuple[str, Any]]:
    """Several roles in one go: (role, user) pairs; a pair already in place is skipped.

    Returns the pairs actually assigned. All or nothing: one bad role refuses them all.
    """
    for role, _ in assignments:
        if role not in IncidentRole.values:
            raise DomainError(
                f"Unknown role; use one of {', '.join(IncidentRole.values)}.", field="role"
            )
    incident = lock_incident(incident)
    current = set(
        IncidentRoleAssignment.objects.filter(
            incident=incident, relieved_at__isnull=True
        ).values_list("role", "user_id")
    )
    now = timezone.now()
    done: list[tuple[str, Any]] = []
    for role, user in assignments:
        if (role, user.pk) in current:
            continue
        assign_role_row(incident, role=role, user=user, actor=actor, at=now)
        current.add((role, user.pk))
        done.append((role, user))
    return done
