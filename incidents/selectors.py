"""Incident and policy reads, shaped for each door's lists (constant query counts)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Prefetch, QuerySet

from incidents.choices import PolicyStatus
from incidents.exceptions import NoActivePolicy
from incidents.models import (
    Deadline,
    Incident,
    PolicyVersion,
    SeverityLevel,
    StatusUpdate,
    TimelineEntry,
)
from portal.kernel.errors import DomainError


def active_policy_version() -> PolicyVersion:
    version = (
        PolicyVersion.objects.filter(status=PolicyStatus.ACTIVE).select_related("policy").first()
    )
    if version is None:
        raise NoActivePolicy()
    return version


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s_-]", "", code).upper()


def level_by_code(version: PolicyVersion, code: Any) -> SeverityLevel:
    """A level of `version` by its code ("SEV-1", "sev1", "S1") or by its rank ("1", 1)."""
    text = str(code if code is not None else "").strip()
    if not text:
        raise DomainError("A severity is required.", field="severity")
    levels = list(version.levels.all())
    if text.isdigit():
        for level in levels:
            if level.rank == int(text):
                return level
    wanted = _normalise_code(text)
    for level in levels:
        if _normalise_code(level.code) == wanted:
            return level
    codes = ", ".join(level.code for level in sorted(levels, key=lambda lv: lv.rank))
    raise DomainError(f"Unknown severity {text!r}; this policy has {codes}.", field="severity")


def open_deadlines_prefetch() -> Prefetch:
    return Prefetch(
        "deadlines",
        queryset=Deadline.objects.filter(superseded_at__isnull=True).order_by("due_at", "id"),
        to_attr="current_deadlines",
    )


def incident_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Incident]:
    """Incidents with everything a list shows, in a constant number of queries."""
    qs = Incident.objects.select_related(
        "severity", "commander", "policy_version__policy"
    ).prefetch_related(open_deadlines_prefetch(), "services")
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status__in=str(filters["status"]).split(","))
    if filters.get("severity"):
        qs = qs.filter(severity__code__iexact=filters["severity"])
    if filters.get("environment"):
        qs = qs.filter(environment=filters["environment"])
    if filters.get("dedup_key"):
        qs = qs.filter(alerts__dedup_key=filters["dedup_key"]).distinct()
    if "is_drill" in filters and filters["is_drill"] is not None:
        qs = qs.filter(is_drill=filters["is_drill"])
    return qs


def incident_by_ref(ref: str) -> Incident:
    try:
        return incident_list().get(ref=ref.strip().upper())
    except Incident.DoesNotExist:
        raise DomainError(f"No incident {ref!r}.", field="ref", code="not_found") from None


def incident_timeline(incident: Incident) -> QuerySet[TimelineEntry]:
    return incident.timeline.select_related("actor").order_by("at", "id")


def incident_status_updates(incident: Incident) -> QuerySet[StatusUpdate]:
    return incident.status_updates.select_related("posted_by").order_by("posted_at", "id")


def current_deadlines(incident: Incident) -> list[Deadline]:
    cached = getattr(incident, "current_deadlines", None)
    if cached is not None:
        return list(cached)
    return list(incident.deadlines.filter(superseded_at__isnull=True).order_by("due_at", "id"))


def policy_version_detail(version: PolicyVersion) -> PolicyVersion:
    return (
        PolicyVersion.objects.select_related("policy", "approved_by")
        .prefetch_related("levels__comms_requirements", "rules__level")
        .get(pk=version.pk)
    )
