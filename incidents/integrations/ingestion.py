"""Alert ingestion: triggers, acknowledgements and resolutions from the monitors, the
hook that closes an incident's alerts, and the deliveries' housekeeping.

The contract and what is audited are described in `incidents.integrations.services`.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from incidents import events
from incidents.choices import OPEN_STATUSES, TimelineKind
from incidents.integrations.choices import AlertAction, AlertStatus
from incidents.integrations.formats import AlertEvent
from incidents.integrations.models import (
    Alert,
    Integration,
    WebhookDelivery,
)
from incidents.integrations.opening import (
    OPENING_GRACE,
    Unopened,
    announce_unopened,
    folded,
    open_incident,
    opens_in_engine,
    settle_incident,
    withdraw_trigger,
)
from incidents.integrations.services import integration_actor
from incidents.integrations.upsert import count_repeat, count_unopened_repeat, upsert_alert
from incidents.models import Incident
from incidents.selectors import active_policy_version
from incidents.services import acknowledge_incident
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.kernel.storable import bounded_identifier

# Fields of a sender's document that are credentials: never stored with the alert.
SECRET_FIELDS = ("routing_key",)


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # opened | opening | attached | acknowledged | resolved | ignored
    dedup_key: str
    alert_id: int | None = None
    incident_id: int | None = None


# --- Alert ingestion ----------------------------------------------------------------------


def _public_details(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in SECRET_FIELDS}


def trigger_alert(
    *, key: str, kind: str, event: AlertEvent, at: datetime.datetime | None = None
) -> IngestResult | None:
    """Record a trigger for the integration with `key`; None when the key is wrong or disabled.

    A repeat of an open alert is one atomic statement (PostgreSQL; see `count_repeat`,
    and `count_unopened_repeat` while its incident is being opened), run as it is:
    wrapping one statement in a transaction would only add a BEGIN and a COMMIT round
    trip to the hot path of an alert storm, and it writes no audited row. Everything
    else (the first trigger of a key, a repeat reaching a fold of the timeline, the
    races) runs in audited service transactions: `opening` says why a first trigger
    takes two.
    """
    at = at or timezone.now()
    repeat = count_repeat(
        key=key, kind=kind, dedup_key=event.dedup_key, summary=event.summary, at=at
    )
    if repeat is not None and repeat.incident_open:
        if folded(repeat.count):
            _record_fold(
                incident_id=repeat.incident_id,
                alert_id=repeat.alert_id,
                count=repeat.count,
                event=event,
                at=at,
                actor=integration_actor(repeat.integration_name),
            )
        return IngestResult("attached", event.dedup_key, repeat.alert_id, repeat.incident_id)
    if repeat is None:  # perhaps a repeat of an alert whose incident is being opened
        unopened_id = count_unopened_repeat(
            key=key,
            kind=kind,
            dedup_key=event.dedup_key,
            summary=event.summary,
            at=at,
            opened_since=at - OPENING_GRACE,
        )
        if unopened_id is not None:
            return IngestResult("attached", event.dedup_key, unopened_id, None)
    stale_alert_id = repeat.alert_id if repeat is not None else None
    return _ingest_trigger(key=key, kind=kind, event=event, at=at, stale_alert_id=stale_alert_id)


def _ingest_trigger(
    *, key: str, kind: str, event: AlertEvent, at: datetime.datetime, stale_alert_id: int | None
) -> IngestResult | None:
    """A trigger the fast path could not count: one transaction to count it, and a second
    to open its incident when it is the key's first (`opening` says why two)."""
    counted = _count_trigger(
        key=key,
        kind=kind,
        event=event,
        at=at,
        stale_alert_id=stale_alert_id,
    )
    if not isinstance(counted, Unopened):
        return counted
    try:
        incident_id = open_incident(counted, event, at)
    except Exception:
        # The sender is told to retry (503) or refused: its trigger must not stay counted.
        with contextlib.suppress(DatabaseError):  # the database gone: the minute task opens it
            withdraw_trigger(counted.alert_id)
        raise
    if incident_id is None:  # another opener (one taking over) linked it first
        incident_id = (
            Alert.objects.filter(pk=counted.alert_id).values_list("incident_id", flat=True).first()
        )
        return IngestResult("attached", event.dedup_key, counted.alert_id, incident_id)
    return IngestResult("opened", event.dedup_key, counted.alert_id, incident_id)


@audited_service
def _count_trigger(
    *,
    key: str,
    kind: str,
    event: AlertEvent,
    at: datetime.datetime,
    stale_alert_id: int | None,
) -> IngestResult | Unopened | None:
    """The upsert, in a transaction: a first trigger commits its alert unopened (the
    caller opens its incident next, or the engine does); a repeat counts on the alert, and on its incident
    once it has one."""
    if stale_alert_id is not None:  # counted on an alert whose incident has closed meanwhile
        _close_stale(stale_alert_id, at)
    for _attempt in range(3):
        row = upsert_alert(
            key=key,
            kind=kind,
            dedup_key=event.dedup_key,
            summary=event.summary,
            details=_public_details(event.document),
            at=at,
            severity_hint=event.severity_hint,
        )
        if row is None:
            return None
        if row.inserted:
            if opens_in_engine():
                # Refused now (503, the sender retries; the insert rolls back) rather than
                # stored for an engine that cannot declare it.
                active_policy_version()
                announce_unopened()  # the engine opens its incident once this commits
                return IngestResult("opening", event.dedup_key, row.alert_id, None)
            return Unopened(row.alert_id, row.integration_id)
        if row.opening:
            # Its incident is being opened: the opener carries this count over when it
            # links the alert. Unless the opener died: past the grace, this one opens it.
            if Alert.objects.filter(pk=row.alert_id, first_seen_at__lt=at - OPENING_GRACE).exists():
                return Unopened(row.alert_id, row.integration_id)
            return IngestResult("attached", event.dedup_key, row.alert_id, None)
        if row.incident_id is not None and Incident.objects.filter(
            pk=row.incident_id, status__in=OPEN_STATUSES
        ).update(alert_count=F("alert_count") + 1):
            if folded(row.count):
                name = Integration.objects.filter(pk=row.integration_id).values_list(
                    "name", flat=True
                )[0]
                _fold(row.incident_id, row.alert_id, row.count, event, at, integration_actor(name))
            return IngestResult("attached", event.dedup_key, row.alert_id, row.incident_id)
        _close_stale(row.alert_id, at)
    raise RuntimeError("alert upsert did not settle")  # pragma: no cover


@audited_service
def _record_fold(
    *,
    incident_id: int,
    alert_id: int,
    count: int,
    event: AlertEvent,
    at: datetime.datetime,
    actor: Actor,
) -> None:
    _fold(incident_id, alert_id, count, event, at, actor)


def _fold(
    incident_id: int,
    alert_id: int,
    count: int,
    event: AlertEvent,
    at: datetime.datetime,
    actor: Actor,
) -> None:
    """The timeline entry of a repeat at ×1, ×10, ×100…, by the integration."""
    _timeline(
        Incident(pk=incident_id),
        f"Alert received ×{count}: {event.summary}",
        actor=actor,
        at=at,
        data={"dedup_key": event.dedup_key, "count": count, "alert": alert_id},
    )


def _timeline(
    incident: Incident, message: str, *, actor: Actor, at: datetime.datetime, data: dict[str, Any]
) -> None:
    """An "alert" timeline entry (`events.record` writes its audit entry), by `actor`."""
    events.record(incident, TimelineKind.ALERT, message, actor=actor, at=at, data=data)


def _close_stale(alert_id: int, at: datetime.datetime) -> None:
    """The incident was resolved or cancelled while the alert stayed open (its hook skipped
    a row an ingestion request held): close the alert and take back the repeat just counted."""
    Alert.objects.filter(pk=alert_id).update(
        open_key=None, status=AlertStatus.RESOLVED, resolved_at=at, count=F("count") - 1
    )


def _open_alert(integration: Integration, dedup_key: str) -> Alert | None:
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(integration=integration, open_key=dedup_key)
        .first()
    )


@audited_service
def acknowledge_alert(*, integration: Integration, dedup_key: str) -> IngestResult:
    """Acknowledge the key's open alert and its incident; ignored for an unknown or resolved key."""
    alert = _open_alert(integration, dedup_key)
    if alert is None:
        return IngestResult("ignored", dedup_key)
    if alert.status == AlertStatus.TRIGGERED:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.save(update_fields=["status"])
    incident = alert.incident
    if incident is not None and incident.is_open and incident.acknowledged_at is None:
        acknowledge_incident(incident=incident, actor=integration_actor(integration.name))
    return IngestResult("acknowledged", dedup_key, alert.pk, alert.incident_id)


@audited_service
def resolve_alert(
    *, integration: Integration, dedup_key: str, at: datetime.datetime | None = None
) -> IngestResult:
    """Resolve the key's open alert; mitigate (or resolve) its incident once no alert is open."""
    alert = _open_alert(integration, dedup_key)
    if alert is None:
        return IngestResult("ignored", dedup_key)
    at = at or timezone.now()
    alert.status, alert.open_key, alert.resolved_at = AlertStatus.RESOLVED, None, at
    alert.save(update_fields=["status", "open_key", "resolved_at"])
    if alert.incident_id is None:
        return IngestResult("resolved", dedup_key, alert.pk)
    actor = integration_actor(integration.name)
    # Lock the incident before counting its open alerts: two last resolves then see each other.
    incident = Incident.objects.select_for_update(of=("self",), no_key=True).get(
        pk=alert.incident_id
    )
    _timeline(
        incident,
        f"Alert resolved by {integration.name}: {alert.summary}",
        actor=actor,
        at=at,
        data={"dedup_key": dedup_key, "alert": alert.pk, "count": alert.count},
    )
    settle_incident(incident, integration, actor)
    return IngestResult("resolved", dedup_key, alert.pk, incident.pk)


@audited_service
def receive_events(
    *, integration: Integration, events_: list[AlertEvent], request_id: str = ""
) -> list[IngestResult] | None:
    """A webhook's events, all or nothing; None when `request_id` was processed already
    (a sender's resend: nothing is applied twice)."""
    if request_id and not claim_delivery(integration=integration, request_id=request_id):
        return None
    return apply_events(integration=integration, events_=events_)


@audited_service
def apply_events(*, integration: Integration, events_: list[AlertEvent]) -> list[IngestResult]:
    """Apply a sender's events in order."""
    results = []
    for event in events_:
        if event.action == AlertAction.TRIGGER:
            result = trigger_alert(key=integration.key, kind=integration.kind, event=event)
            results.append(result or IngestResult("ignored", event.dedup_key))
        elif event.action == AlertAction.ACKNOWLEDGE:
            results.append(acknowledge_alert(integration=integration, dedup_key=event.dedup_key))
        else:
            results.append(resolve_alert(integration=integration, dedup_key=event.dedup_key))
    return results


@audited_service
def claim_delivery(*, integration: Integration, request_id: str) -> bool:
    """False when this Request-ID was processed already (a resend). Deliveries are bookkeeping,
    not audited; the caller's transaction makes the claim and the events one."""
    _, created = WebhookDelivery.objects.get_or_create(
        integration=integration,
        request_id=bounded_identifier(request_id, WebhookDelivery.REQUEST_ID_MAX),
        defaults={"received_at": timezone.now()},
    )
    return created


# --- Hooks on incidents -----------------------------------------------------------------


def close_alerts_of_incident(incident: Incident, actor: Actor) -> None:  # noqa: ARG001
    """Hook on resolved/cancelled: the incident's open alerts close, so the next trigger opens anew.

    Alerts are not audited (ingested data); the incident's resolution, by `actor`, is.

    Rows an ingestion request holds are skipped (no lock-order inversion); that
    request notices the closed incident and closes its alert itself.
    """
    ids = list(
        Alert.objects.select_for_update(skip_locked=True)
        .filter(incident=incident, open_key__isnull=False)
        .values_list("pk", flat=True)
    )
    if ids:
        Alert.objects.filter(pk__in=ids).update(
            open_key=None, status=AlertStatus.RESOLVED, resolved_at=timezone.now()
        )


# --- Housekeeping ---------------------------------------------------------------------


@audited_service
def prune_deliveries(*, older_than: datetime.timedelta = datetime.timedelta(days=7)) -> int:
    deleted, _ = WebhookDelivery.objects.filter(
        received_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
