"""Comms reads for the admin and the API (the public pages read `status_page`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.models import Incident
from portal.kernel.errors import DomainError


def template_list(*, filters: dict[str, Any] | None = None) -> QuerySet[CommsTemplate]:
    filters = filters or {}
    qs = CommsTemplate.objects.select_related("policy_version__policy").order_by(
        "kind", "name", "id"
    )
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("audience"):
        qs = qs.filter(audience=filters["audience"])
    if filters.get("policy_version"):
        qs = qs.filter(policy_version_id=filters["policy_version"])
    return qs


def templates_for_incident(incident: Incident) -> QuerySet[CommsTemplate]:
    """Templates offered for `incident`: its pinned policy version's, then global ones.

    Templates naming severity levels are offered only for those levels.
    """
    code = incident.severity.code
    return (
        CommsTemplate.objects.filter(
            Q(policy_version=incident.policy_version_id) | Q(policy_version__isnull=True)
        )
        .filter(Q(severity_codes="") | Q(severity_codes__icontains=code))
        .order_by("kind", "policy_version_id", "name", "id")
    )


def messages_for_incident(incident: Incident) -> QuerySet[CommsMessage]:
    return incident.comms_messages.select_related("template", "sent_by").order_by("-sent_at", "-id")


def incident_for_comms(ref: str) -> Incident:
    """The incident by reference, with what sending needs (no deadline prefetch)."""
    incident = Incident.objects.select_related("severity").filter(ref=ref.strip().upper()).first()
    if incident is None:
        raise DomainError(f"No incident {ref!r}.", field="ref", code="not_found")
    return incident
