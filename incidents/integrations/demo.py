"""Demo data: one integration per kind, so the endpoints can be tried at once."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from incidents.integrations.models import Integration
from incidents.integrations.services import create_integration
from portal.kernel.actors import Actor

DEMO: list[dict[str, Any]] = [
    {
        "name": "Demo Grafana (PagerDuty Events v2)",
        "kind": "pagerduty",
        "rules": [
            {"path": "payload.severity", "operator": "==", "value": "critical", "severity": "SEV-1"}
        ],
    },
    {
        "name": "Demo Prometheus",
        "kind": "alertmanager",
        "rules": [
            {"path": "labels.severity", "operator": "==", "value": "critical", "severity": "SEV-1"}
        ],
    },
    {
        "name": "Demo Sentry",
        "kind": "sentry",
        "client_secret": "demo-sentry-client-secret",
        "default_severity": "SEV-3",
    },
    {
        "name": "Demo Uptime Kuma",
        "kind": "uptime",
        "default_severity": "SEV-2",
        "auto_resolve": True,
    },
    {
        "name": "Demo nightly backup heartbeat",
        "kind": "heartbeat",
        "default_severity": "SEV-3",
        "heartbeat_period": datetime.timedelta(hours=24),
        "heartbeat_grace": datetime.timedelta(hours=1),
        "auto_resolve": True,
    },
]


@transaction.atomic
def load_demo(*, actor: Actor) -> None:
    """Idempotent: creates the demo integrations that do not exist yet (keys in the admin)."""
    for spec in DEMO:
        if not Integration.objects.filter(name=spec["name"]).exists():
            create_integration(actor=actor, **spec)
