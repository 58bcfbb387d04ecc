"""Guards every incident service shares: row locks, transitions, field checks."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from incidents.choices import (
    ALLOWED_TRANSITIONS,
    IncidentStatus,
)
from incidents.exceptions import TransitionNotAllowed
from incidents.models import (
    Incident,
    SeverityLevel,
)
from portal.kernel.errors import DomainError


def lock_incident(incident: Incident) -> Incident:
    """Re-read the incident under a row lock; state may have moved since it was loaded.

    Lock order, for every service that locks rows of several kinds: the incident
    first, then its own child rows (role assignments, deadlines, escalations, pages)
    in primary-key order. Only the incident row is locked (`of=("self",)`): its
    severity level and policy version are shared by every incident, and locking them
    would make writes to unrelated incidents queue behind each other. The lock is
    FOR NO KEY UPDATE: inserting a child row (a page, a timeline entry) takes FOR KEY
    SHARE on its incident, which that mode lets through, so a sweeper paging this
    incident never waits on, or deadlocks with, a service holding it.
    """
    return (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("severity", "policy_version")
        .get(pk=incident.pk)
    )


def check_transition(incident: Incident, wanted: str) -> None:
    if wanted not in ALLOWED_TRANSITIONS[incident.status]:
        raise TransitionNotAllowed(
            incident.get_status_display().lower(), IncidentStatus(wanted).label.lower()
        )


def require_worst_level_for_data_loss(level: SeverityLevel, data_loss: bool) -> None:
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


def percent_or_error(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        pct = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(
            "Give a number between 0 and 100.", field="customers_affected_pct"
        ) from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise DomainError("Give a number between 0 and 100.", field="customers_affected_pct")
    return pct.quantize(Decimal("0.01"))
