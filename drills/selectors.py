"""Drill reads, shaped for each door's lists (constant query counts)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from drills.choices import DrillStatus
from drills.models import Drill, DrillDraw, DrillGap, Scenario
from portal.kernel.errors import DomainError


def scenario_list(*, enabled: bool | None = None) -> QuerySet[Scenario]:
    qs = Scenario.objects.select_related("target_service")
    if enabled is not None:
        qs = qs.filter(enabled=enabled)
    return qs


def drill_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Drill]:
    """Drills with everything a list shows (facilitator, scenario, level, incident, draw)."""
    qs = Drill.objects.select_related(
        "facilitator", "scenario__target_service", "severity", "practice_incident", "draw"
    ).prefetch_related("action_items")
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status__in=str(filters["status"]).split(","))
    return qs


def drill_by_id(drill_id: Any) -> Drill:
    try:
        return drill_list().get(pk=int(drill_id))
    except (Drill.DoesNotExist, TypeError, ValueError):
        raise DomainError(f"No drill {drill_id!r}.", field="drill", code="not_found") from None


def next_planned_drill() -> Drill | None:
    return drill_list().filter(status=DrillStatus.PLANNED).order_by("planned_on", "id").first()


def recent_scenario_ids(*, limit: int) -> list[int]:
    """Scenario ids of the last `limit` draws, most recent first."""
    if limit <= 0:
        return []
    return list(
        DrillDraw.objects.order_by("-drawn_at", "-id").values_list("scenario_id", flat=True)[:limit]
    )


def drill_trend() -> QuerySet[Drill]:
    """Completed drills, oldest first: the table of durations per drill."""
    return drill_list(filters={"status": DrillStatus.COMPLETED}).order_by("started_at", "id")


def drill_gaps() -> QuerySet[DrillGap]:
    return DrillGap.objects.all()
