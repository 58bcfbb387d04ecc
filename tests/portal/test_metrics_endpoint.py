"""Issue 24, "no way for a monitor to watch the portal": `/metrics` in Prometheus text
format, read by Prometheus' own parser, guarded by a token or an address allow-list,
in a constant number of queries; and the rules and dashboard in docs/ use only
metrics it exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "monitoring"


def _scrape(client: Client, **extra: Any) -> dict[str, Any]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, Any] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def _value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return sum(
        v for got, v in samples.get(name, []) if all(got.get(k) == w for k, w in labels.items())
    )


def test_metrics_say_what_the_pager_holds(
    client: Client, declare: Any, system: Actor, engine_alive: Any
) -> None:
    from incidents.integrations.models import Alert
    from incidents.integrations.services import create_integration

    declare("SEV-1", title="Checkout down")
    declare("SEV-2", title="Slow search")
    pd = create_integration(actor=system, name="pd", kind="pagerduty")
    from django.utils import timezone

    now = timezone.now()
    Alert.objects.create(
        integration=pd,
        dedup_key="a",
        summary="x",
        first_seen_at=now,
        last_seen_at=now,
        opening=True,
        count=3,
    )
    from portal.notifications.models import OutboxMessage

    OutboxMessage.objects.create(
        kind="page",
        subject="Paged",
        body="x",
        destination="+15550100",
        provider_kind="phone_sms",
        dedupe_key="m1",
        status="sent",
        delivery_state="delivered",
        created_at=now,
    )
    samples = _scrape(client)
    assert _value(samples, "portal_incidents", status="investigating", severity="SEV-1") == 1
    assert _value(samples, "portal_incidents", status="investigating") == 2
    assert _value(samples, "portal_alerts_received_total", source="pagerduty") == 3
    assert _value(samples, "portal_alerts", source="pagerduty", opened="false") == 1
    assert _value(samples, "portal_engine_up") == 1
    assert {labels["loop"] for labels, _ in samples["portal_engine_loop_silent_seconds"]} == {
        "opening",
        "escalation",
        "delivery",
    }
    assert {labels["kind"] for labels, _ in samples["portal_pager_due_lag_seconds"]} == {
        "opening",
        "escalation",
        "personal",
        "delivery",
    }
    assert "portal_outbox_depth" in samples
    assert (
        _value(
            samples,
            "portal_notifications_total",
            provider="phone_sms",
            status="sent",
            delivery="delivered",
        )
        == 1
    )


def test_metrics_refuse_strangers_and_take_the_token(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    stranger: dict[str, Any] = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", **stranger)
    assert refused.status_code == 403
    assert b"METRICS_TOKEN" in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **stranger).status_code == 403
    _scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-token", **stranger)
    # The allow-list (default: this machine) needs no token
    _scrape(client, REMOTE_ADDR="127.0.0.1")
    assert client.post("/metrics").status_code == 405


def test_a_scrape_is_a_constant_number_of_queries(client: Client, declare: Any) -> None:
    declare("SEV-2", title="One")
    with CaptureQueriesContext(connection) as few:
        _scrape(client)
    for n in range(5):
        declare(["SEV-1", "SEV-3"][n % 2], title=f"More {n}")
    with CaptureQueriesContext(connection) as many:
        _scrape(client)
    assert len(many) == len(few)


def test_rules_and_dashboard_use_only_exported_metrics(client: Client) -> None:
    response = client.get("/metrics")
    exported = set()
    for family in text_string_to_metric_families(response.content.decode()):
        exported |= (
            {family.name, f"{family.name}_total"} if family.type == "counter" else {family.name}
        )
    rules = yaml.safe_load((DOCS / "prometheus-rules.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    exprs += [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 8
    for expr in exprs:
        used = set(re.findall(r"\bportal_[a-z_]+", expr))
        assert used or expr.startswith("up{"), expr  # `up`: Prometheus' own, per target
        assert used <= exported, (expr, used - exported)
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["alert"]
            assert rule["annotations"]["summary"]
