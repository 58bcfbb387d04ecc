"""Helpers shared by the incident admin tests (pages, URLs, posted data)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, PolicyVersion, SeverityLevel, TimelineEntry


def change_url(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def view_url(name: str, incident: Incident) -> str:
    return reverse(f"admin:incidents_incident_{name}", args=[incident.pk])


def timeline_messages(incident: Incident) -> list[str]:
    return list(
        TimelineEntry.objects.filter(incident=incident)
        .order_by("at", "id")
        .values_list("message", flat=True)
    )


def declare_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Checkout returns 500",
        "severity": "SEV-2",
        "summary": "Payments fail",
        "environment": "production",
        "detection_source": "monitoring_alert",
        "customer_facing": "on",
        "_declare": "Declare incident",
    }
    data.update(overrides)
    return data


def bulk_incidents(n: int, version: PolicyVersion, start: int = 0) -> None:
    """`n` incidents written straight to the table (fast), each with a reference and a deadline."""
    level = SeverityLevel.objects.get(version=version, code="SEV-2")
    now = timezone.now()
    Incident.objects.bulk_create(
        [
            Incident(
                ref=f"INC-20260101-{start + i:05d}",
                title=f"Bulk {i}",
                policy_version=version,
                severity=level,
                declared_at=now - datetime.timedelta(minutes=i),
                next_deadline_at=now + datetime.timedelta(minutes=i - n // 2),
                next_deadline_kind="ack",
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
