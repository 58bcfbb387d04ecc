"""Comms reads for the admin and the API (the public pages read `status_page`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from incidents.comms.choices import MessageState
from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.models import Incident
from portal.kernel.errors import DomainError
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.selectors import delivery_words, human_time


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


def _outbox_words(groups: dict[str, dict[str, Any]]) -> str:
    """What the outbox rows of one message say, by status (`groups`: status → figures)."""
    total = sum(g["n"] for g in groups.values())
    if total == 1:
        ((status, g),) = groups.items()
        # One row: its own words ("sent Dec 05 14:00:02 UTC", "pending (2 attempts): …").
        return delivery_words(
            OutboxMessage(
                status=status,
                sent_at=g["sent_at"],
                provider_ref=g["provider_ref"] or "",
                attempts=g["attempts"] or 0,
                last_error=g["last_error"] or "",
            )
        )
    sent = groups.get(OutboxStatus.SENT, {}).get("n", 0)
    others = ", ".join(
        f"{g['n']} {OutboxStatus(status).label.lower()}"
        for status, g in sorted(groups.items())
        if status != OutboxStatus.SENT
    )
    if not others:
        last = groups[OutboxStatus.SENT]["sent_at"]
        return f"sent to all {total} (last {human_time(last)})"
    return f"sent to {sent} of {total}, {others}" if sent else others


def with_delivery(messages: Iterable[CommsMessage]) -> list[CommsMessage]:
    """`messages`, each with `.delivery`: what became of it, in words, read from its
    outbox rows (one query). The message's own `state` says only what the send did
    (published, handed to the outbox, sandboxed): "Queued for delivery" stayed on an
    e-mail the worker had long sent (issue 25)."""
    messages = list(messages)
    if not messages:
        return messages
    groups: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = (
        OutboxMessage.objects.filter(
            incident_id__in={m.incident_id for m in messages},
            data__comms_message__in=[m.pk for m in messages],
        )
        .annotate(comms_message=KeyTextTransform("comms_message", "data"))
        .values("comms_message", "status")
        .annotate(
            n=Count("id"),
            sent_at=Max("sent_at"),
            provider_ref=Max("provider_ref"),
            attempts=Max("attempts"),
            last_error=Max("last_error"),
        )
        .order_by()
    )
    for row in rows:
        groups[int(row["comms_message"])][row["status"]] = dict(row)
    for message in messages:
        outbox = groups.get(message.pk)
        if message.state == MessageState.SANDBOXED:
            words = message.get_state_display()
        elif message.state == MessageState.PUBLISHED:
            # On the status page at once; its subscribers' e-mails go through the outbox.
            words = "published" + (f"; e-mails: {_outbox_words(outbox)}" if outbox else "")
        else:
            words = _outbox_words(outbox) if outbox else "nobody to send it to"
        message.delivery = words  # type: ignore[attr-defined]
    return messages
