"""Reads of the integrations app, shaped for the doors (constant query counts)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from incidents.integrations.models import Alert, ChangeEvent, Integration
from incidents.integrations.sources import KeyTravel, source_for
from incidents.models import Incident

# Senders that can set headers keep the key out of URLs (and so out of access logs):
# `Authorization: Bearer <key>` (Alertmanager's http_config.authorization) or this header
# (Uptime Kuma's "additional headers", curl in a cron job).
KEY_HEADER = "X-Integration-Key"


def integration_for_key(key: str, kind: str) -> Integration | None:
    """The enabled integration of `kind` whose key is `key`, or None (wrong, disabled or other kind)."""
    # Keys are printable ASCII: anything else (a NUL, which PostgreSQL refuses with an
    # error rather than a miss) cannot be one.
    if not key or len(key) > 64 or not (key.isascii() and key.isprintable()):
        return None
    found = Integration.objects.filter(key=key, kind=kind, enabled=True).first()
    if found is None:
        # A key rotated with a grace period is still accepted until the grace ends.
        found = Integration.objects.filter(
            previous_key=key,
            previous_key_valid_until__gt=timezone.now(),
            kind=kind,
            enabled=True,
        ).first()
    return found


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("service").order_by("name")


def endpoint_path(integration: Integration) -> str:
    """Where the sender posts (it contains the key, except for PagerDuty where the key is in the body)."""
    source = source_for(integration.kind)
    if source is not None and source.key_travels == KeyTravel.BODY:
        return reverse(f"integrations:{source.routes[0].name}")
    return reverse(f"integrations:{integration.kind}", args=[integration.key])


def alert_list(*, incident: Incident | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("integration", "incident").order_by("-last_seen_at", "-id")
    if incident is not None:
        qs = qs.filter(incident=incident)
    return qs


def recent_changes(*, limit: int = 50) -> QuerySet[ChangeEvent]:
    return ChangeEvent.objects.select_related("integration").order_by("-happened_at", "-id")[:limit]
