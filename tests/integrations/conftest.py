"""Integration fixtures: one integration per kind, the senders' sample payloads, a row counter."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def rows() -> dict[str, int]:
    """Row counts of everything ingestion may write: compare before/after a refused request."""
    from incidents.integrations.models import Alert, ChangeEvent, Integration, WebhookDelivery
    from incidents.models import Incident, TimelineEntry

    return {
        "incidents": Incident.objects.count(),
        "alerts": Alert.objects.count(),
        "timeline": TimelineEntry.objects.count(),
        "changes": ChangeEvent.objects.count(),
        "deliveries": WebhookDelivery.objects.count(),
        "pings": Integration.objects.filter(last_ping_at__isnull=False).count(),
    }


@pytest.fixture
def make_integration(policy: Any, system: Any) -> Any:
    from incidents.integrations.services import create_integration

    def _make(kind: str = "pagerduty", name: str | None = None, **kwargs: Any) -> Any:
        if kind == "sentry":
            kwargs.setdefault("client_secret", "sentry-client-secret")
        if kind == "heartbeat":
            kwargs.setdefault("heartbeat_period", datetime.timedelta(minutes=5))
            kwargs.setdefault("heartbeat_grace", datetime.timedelta(minutes=1))
        return create_integration(actor=system, name=name or f"{kind} test", kind=kind, **kwargs)

    return _make


@pytest.fixture
def pd(make_integration: Any) -> Any:
    return make_integration("pagerduty", name="Grafana")


def open_now() -> int:
    """What the engine's opening loop does when a trigger's commit wakes it (production's
    ALERT_OPENING=engine): declare the incidents of the alerts stored unopened, and page
    their first steps. Returns how many it opened."""
    from django.conf import settings

    from portal.project.engine import opening_cycle

    if settings.ALERT_OPENING != "engine":
        return 0
    return opening_cycle()["opened"]


@pytest.fixture
def post(client: Any) -> Any:
    """post(url, body_dict_or_bytes, **headers) -> response; then the engine's opening
    loop runs, as it does when the request's commit wakes it."""

    def _post(url: str, body: Any, **headers: Any) -> Any:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        response = client.post(url, data=data, content_type="application/json", **headers)
        open_now()
        return response

    return _post


def pd_event(
    key: str, action: str = "trigger", dedup_key: str | None = "disk-full", **payload: Any
) -> dict:
    event: dict[str, Any] = {"routing_key": key, "event_action": action}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event["payload"] = {
            "summary": "Disk full on db-1",
            "source": "db-1",
            "severity": "critical",
            **payload,
        }
    return event
