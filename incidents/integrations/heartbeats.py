"""Heartbeats: pings note the time and resolve; a sweeper opens an alert for silent ones."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent
from incidents.integrations.ingestion import IngestResult, resolve_alert, trigger_alert
from incidents.integrations.models import Alert, Integration
from incidents.integrations.sources import heartbeat
from portal.audit.scope import audited_service

HEARTBEAT_KEY = "heartbeat-missed"


@audited_service
def record_ping(*, integration: Integration) -> IngestResult:
    """A heartbeat arrived: note it and resolve the missed-heartbeat alert, if one is open.

    The ping time is bookkeeping (a heartbeat pings every minute), not audited; resolving
    the alert's incident is, by the integration."""
    Integration.objects.filter(pk=integration.pk).update(last_ping_at=timezone.now())
    return resolve_alert(integration=integration, dedup_key=HEARTBEAT_KEY)


def sweep_heartbeats(*, now: datetime.datetime | None = None) -> int:
    """Open an alert for each heartbeat silent longer than period + grace. Safe to run twice at once."""
    now = now or timezone.now()
    opened = 0
    candidates = Integration.objects.filter(
        kind=heartbeat.KIND, enabled=True, heartbeat_period__isnull=False
    ).values_list("pk", flat=True)
    for pk in candidates:
        with transaction.atomic():
            integration = (
                Integration.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, enabled=True)
                .first()
            )
            if integration is None or integration.heartbeat_period is None:
                continue
            last = integration.last_ping_at or integration.created_at
            if (
                last
                + integration.heartbeat_period
                + (integration.heartbeat_grace or datetime.timedelta(0))
                > now
            ):
                continue
            if Alert.objects.filter(integration=integration, open_key=HEARTBEAT_KEY).exists():
                continue
            summary = f"No heartbeat from {integration.name} since {last:%Y-%m-%d %H:%M} UTC"
            event = AlertEvent(
                AlertAction.TRIGGER,
                HEARTBEAT_KEY,
                summary,
                "error",
                {"last_ping_at": last.isoformat()},
            )
            if trigger_alert(key=integration.key, kind=integration.kind, event=event, at=now):
                opened += 1
    return opened
