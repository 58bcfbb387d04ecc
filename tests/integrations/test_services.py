"""Deduplication semantics of the ingestion services."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.integrations.formats import AlertEvent
from incidents.integrations.ingestion import acknowledge_alert, resolve_alert, trigger_alert
from incidents.integrations.models import Alert
from incidents.integrations.routing import choose_severity
from incidents.integrations.services import create_integration
from incidents.models import Incident
from incidents.selectors import incident_list
from incidents.services import cancel_incident, resolve_incident
from tests.integrations.conftest import open_now

pytestmark = pytest.mark.django_db(transaction=False)


def fire(
    integration: Any,
    key: str = "k1",
    summary: str = "CPU high",
    hint: str = "error",
    *,
    engine: bool = True,
    **doc: Any,
) -> Any:
    from django.db import transaction

    with transaction.atomic():
        result = trigger_alert(
            key=integration.key,
            kind=integration.kind,
            event=AlertEvent("trigger", key, summary, hint, doc),
        )
    if engine:
        open_now()  # the engine's opening loop, woken by the commit
    return result


def test_first_trigger_declares_with_the_integrations_service_and_repeats_count(
    make_integration: Any,
) -> None:
    from incidents.models import Service

    service = Service.objects.create(name="Checkout", slug="checkout")
    pd = make_integration("pagerduty", service=service)
    first = fire(pd)
    second = fire(pd)
    # The request answers "opening": the engine declares the incident (production default).
    assert (first.outcome, second.outcome) == ("opening", "attached")
    incident = Incident.objects.get()
    assert list(incident.services.all()) == [service]
    assert incident.alert_count == 2
    assert incident.timeline.filter(kind="declared").count() == 1


def test_timeline_entries_at_powers_of_ten_only(make_integration: Any) -> None:
    pd = make_integration()
    for _ in range(100):
        fire(pd)
    counts = [
        e.data["count"] for e in Incident.objects.get().timeline.filter(kind="alert").order_by("id")
    ]
    assert counts == [1, 10, 100]


def test_different_keys_open_different_incidents(make_integration: Any) -> None:
    pd = make_integration()
    fire(pd, "a")
    fire(pd, "b")
    assert Incident.objects.count() == 2


def test_routing_rules_first_match_wins_then_default_then_sender_hint(
    make_integration: Any, policy: Any
) -> None:
    pd = make_integration(
        default_severity="SEV-3",
        rules=[
            {
                "path": "payload.severity",
                "operator": "==",
                "value": "critical",
                "severity": "SEV-1",
            },
            {"path": "payload.class", "operator": "!=", "value": "disk", "severity": "SEV-2"},
            {
                "path": "payload.severity",
                "operator": "==",
                "value": "critical",
                "severity": "SEV-4",
            },
        ],
    )
    pd.refresh_from_db()

    def severity(payload: dict, hint: str = "") -> str:
        return choose_severity(
            pd, AlertEvent("trigger", "k", "s", hint, {"payload": payload}), policy
        )

    assert severity({"severity": "critical", "class": "disk"}) == "SEV-1"
    assert severity({"severity": "warning", "class": "cpu"}) == "SEV-2"
    assert severity({"severity": "warning", "class": "disk"}) == "SEV-3"
    plain = make_integration(name="plain")
    assert choose_severity(plain, AlertEvent("trigger", "k", "s", "warning", {}), policy) == "SEV-3"
    assert choose_severity(plain, AlertEvent("trigger", "k", "s", "info", {}), policy) == "SEV-4"


def test_an_unknown_severity_code_in_a_rule_falls_back(make_integration: Any, policy: Any) -> None:
    pd = make_integration(rules=[{"path": "x", "operator": "==", "value": "1", "severity": "P1"}])
    assert (
        choose_severity(pd, AlertEvent("trigger", "k", "s", "critical", {"x": 1}), policy)
        == "SEV-1"
    )


def test_create_integration_refuses_bad_input_naming_the_field(policy: Any, system: Any) -> None:
    from portal.kernel.errors import DomainError

    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "", "kind": "pagerduty"}, "name"),
        ({"name": "x", "kind": "nagios"}, "kind"),
        ({"name": "x", "kind": "sentry"}, "client_secret"),
        ({"name": "x", "kind": "heartbeat"}, "heartbeat_period"),
        ({"name": "x", "kind": "pagerduty", "default_severity": "SEV-9"}, "default_severity"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            create_integration(actor=system, **kwargs)
        assert exc.value.field == field


def test_acknowledge_acknowledges_the_incident_once(make_integration: Any) -> None:
    pd = make_integration()
    fire(pd)
    assert acknowledge_alert(integration=pd, dedup_key="k1").outcome == "acknowledged"
    acknowledge_alert(integration=pd, dedup_key="k1")
    incident = Incident.objects.get()
    assert incident.acknowledged_at is not None
    assert incident.timeline.filter(kind="acknowledged").count() == 1
    assert "integration pagerduty test" in incident.timeline.get(kind="acknowledged").actor_label


def test_a_flapping_key_rejoins_its_still_open_incident(make_integration: Any) -> None:
    # Given an alert resolved (incident mitigated, not resolved: no auto-resolve)
    pd = make_integration()
    fire(pd)
    resolve_alert(integration=pd, dedup_key="k1")
    incident = Incident.objects.get()
    assert incident.status == "monitoring"
    # When it fires again, then a new alert joins the same open incident
    assert fire(pd).outcome == "opening"
    assert Incident.objects.count() == 1
    assert Alert.objects.filter(incident=incident).count() == 2
    assert Incident.objects.get().alert_count == 2


def test_mitigation_waits_for_every_alert_of_the_incident(make_integration: Any) -> None:
    pd = make_integration()
    fire(pd)
    resolve_alert(integration=pd, dedup_key="k1")
    fire(pd)  # a second alert on the same incident (flap)
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(mitigated_at=None, status="investigating")
    Alert.objects.create(
        integration=pd,
        dedup_key="k2",
        open_key="k2",
        incident=incident,
        summary="x",
        first_seen_at=incident.declared_at,
        last_seen_at=incident.declared_at,
    )
    resolve_alert(integration=pd, dedup_key="k1")
    assert Incident.objects.get().mitigated_at is None  # k2 still open
    resolve_alert(integration=pd, dedup_key="k2")
    assert Incident.objects.get().mitigated_at is not None


def test_a_human_resolving_the_incident_closes_its_alerts(
    make_integration: Any, system: Any
) -> None:
    pd = make_integration()
    fire(pd)
    resolve_incident(incident=Incident.objects.get(), actor=system)
    assert Alert.objects.get().open_key is None
    assert fire(pd).outcome == "opening"
    assert Incident.objects.count() == 2


def test_a_cancelled_incident_with_a_stale_open_alert_is_not_reused(
    make_integration: Any, system: Any
) -> None:
    # Given an open alert whose incident was cancelled while the alert stayed open
    # (the cancel hook skipped a row an ingestion request held)
    pd = make_integration()
    fire(pd)
    first = Incident.objects.get()
    cancel_incident(incident=first, actor=system, reason="noise")
    Alert.objects.update(open_key="k1", status="triggered")
    # When the key fires again, then the stale alert is closed with its true count and a new incident opens
    assert fire(pd).outcome == "opening"
    stale, fresh = Alert.objects.order_by("id")
    assert (stale.open_key, stale.count) == (None, 1)
    assert fresh.incident != first
    assert Incident.objects.get(pk=first.pk).alert_count == 1


def test_incident_list_filters_by_dedup_key(make_integration: Any) -> None:
    pd = make_integration()
    fire(pd, "disk")
    fire(pd, "cpu")
    found = list(incident_list(filters={"dedup_key": "disk"}))
    assert [i.pk for i in found] == [Alert.objects.get(dedup_key="disk").incident_id]


def test_a_repeat_costs_one_statement_on_postgresql_two_on_sqlite(make_integration: Any) -> None:
    # Given an open alert, when it repeats, then the hot path is one CTE statement (PostgreSQL)
    # or the upsert and the count update (SQLite)
    pd = make_integration()
    fire(pd)
    fire(pd)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fire(pd, engine=False)
    # (the test's own transaction adds a SAVEPOINT/RELEASE pair that production does not have)
    statements = [
        q["sql"].split()[0] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]
    ]
    assert statements == (["WITH"] if connection.vendor == "postgresql" else ["INSERT", "UPDATE"])


def test_demo_integrations_load_idempotently(policy: Any, system: Any) -> None:
    from incidents.integrations.demo import load_demo
    from incidents.integrations.models import Integration

    load_demo(actor=system)
    load_demo(actor=system)
    assert sorted(Integration.objects.values_list("kind", flat=True)) == [
        "alertmanager",
        "heartbeat",
        "pagerduty",
        "sentry",
        "uptime",
    ]
