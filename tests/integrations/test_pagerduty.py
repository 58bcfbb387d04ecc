"""PagerDuty Events API v2: the wire contract, deduplication and every refused input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from incidents.integrations.models import Alert, ChangeEvent
from incidents.models import Incident
from tests.integrations.conftest import pd_event, rows, sample

ENQUEUE = "/integrations/pagerduty/v2/enqueue"
CHANGE = "/integrations/pagerduty/v2/change/enqueue"

pytestmark = pytest.mark.django_db


def test_trigger_opens_an_incident_and_answers_like_pagerduty(pd: Any, post: Any) -> None:
    # Given the documentation's sample event with our routing key
    event = sample("pagerduty_trigger.json") | {"routing_key": pd.key}
    # When it is posted
    response = post(ENQUEUE, event)
    # Then PagerDuty's answer comes back and one incident is open for the key
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "srv01/mysql-replication-lag",
    }
    incident = Incident.objects.get()
    assert incident.title == "DISK at 99% on machine prod-datapipe03.example.com"
    assert incident.detection_source == "monitoring_alert"
    assert incident.severity.code == "SEV-1"  # "critical" maps to the worst level by default
    assert incident.alert_count == 1
    alert = Alert.objects.get()
    assert (alert.incident, alert.status, alert.count) == (incident, "triggered", 1)
    assert "routing_key" not in alert.details  # the key is a secret
    assert alert.details["payload"]["component"] == "mysql"


def test_trigger_without_dedup_key_gets_one_generated(pd: Any, post: Any) -> None:
    response = post(ENQUEUE, pd_event(pd.key, dedup_key=None))
    assert response.status_code == 202
    key = response.json()["dedup_key"]
    assert len(key) == 32
    assert Alert.objects.get().dedup_key == key


def test_repeats_attach_count_and_fold_the_timeline(pd: Any, post: Any) -> None:
    # Given an open alert; when the same trigger arrives 11 more times
    for _ in range(12):
        assert post(ENQUEUE, pd_event(pd.key, summary="Disk full again")).status_code == 202
    # Then one incident counts 12 alerts and the timeline holds 2 alert entries (×1, ×10), not 12
    incident = Incident.objects.get()
    assert incident.alert_count == 12
    assert Alert.objects.get().count == 12
    messages = list(
        incident.timeline.filter(kind="alert").order_by("id").values_list("message", flat=True)
    )
    assert messages == [
        "Alert received from Grafana: Disk full again",
        "Alert received ×10: Disk full again",
    ]


def test_acknowledge_then_resolve_mitigates_the_incident(pd: Any, post: Any) -> None:
    post(ENQUEUE, pd_event(pd.key))
    assert post(ENQUEUE, pd_event(pd.key, "acknowledge")).json()["dedup_key"] == "disk-full"
    incident = Incident.objects.get()
    assert incident.acknowledged_at is not None
    assert Alert.objects.get().status == "acknowledged"
    assert post(ENQUEUE, pd_event(pd.key, "resolve")).status_code == 202
    incident.refresh_from_db()
    assert incident.mitigated_at is not None
    assert incident.status == "monitoring"  # not auto-resolving
    assert Alert.objects.get().status == "resolved"


def test_auto_resolve_resolves_the_incident(make_integration: Any, post: Any) -> None:
    pd = make_integration("pagerduty", auto_resolve=True)
    post(ENQUEUE, pd_event(pd.key))
    post(ENQUEUE, pd_event(pd.key, "resolve"))
    assert Incident.objects.get().status in ("resolved", "closed")


def test_after_resolution_the_same_key_opens_a_new_incident(
    make_integration: Any, post: Any
) -> None:
    pd = make_integration("pagerduty", auto_resolve=True)
    post(ENQUEUE, pd_event(pd.key))
    post(ENQUEUE, pd_event(pd.key, "resolve"))
    # acknowledge/resolve of a resolved key are ignored (PagerDuty answers 202 all the same)
    before = rows()
    assert post(ENQUEUE, pd_event(pd.key, "acknowledge")).status_code == 202
    assert post(ENQUEUE, pd_event(pd.key, "resolve")).status_code == 202
    assert rows() == before
    # and a new trigger opens a new alert and incident
    post(ENQUEUE, pd_event(pd.key))
    assert Incident.objects.count() == 2
    assert Alert.objects.filter(status="triggered").count() == 1


def test_ack_and_resolve_of_an_unknown_key_are_ignored(pd: Any, post: Any) -> None:
    before = rows()
    for action in ("acknowledge", "resolve"):
        response = post(ENQUEUE, pd_event(pd.key, action, dedup_key="never-seen"))
        assert response.status_code == 202
    assert rows() == before


def test_change_events_are_kept_and_shown_beside_new_incidents(
    pd: Any, post: Any, declare: Any
) -> None:
    # Given a deploy ten minutes ago, reported as a change event (documentation sample)
    event = sample("pagerduty_change.json") | {"routing_key": pd.key}
    event["payload"]["timestamp"] = (timezone.now() - datetime.timedelta(minutes=10)).isoformat()
    response = post(CHANGE, event)
    assert response.status_code == 202
    assert response.json()["status"] == "success"
    change = ChangeEvent.objects.get()
    assert change.source == "acme-build-server-2"
    assert change.custom_details["build_number"] == "220"
    # When an incident is declared afterwards, then the change is linked to it
    incident = declare("SEV-2")
    assert [c.change for c in incident.recent_changes.all()] == [change]


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (
            {
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "y", "severity": "critical"},
            },
            "routing_key is missing",
        ),
        (
            {"routing_key": "KEY", "event_action": "explode"},
            "event_action must be one of trigger, acknowledge, resolve",
        ),
        (
            {
                "routing_key": "KEY",
                "event_action": "trigger",
                "payload": {"source": "y", "severity": "error"},
            },
            "payload.summary is missing or blank",
        ),
        (
            {
                "routing_key": "KEY",
                "event_action": "trigger",
                "payload": {"summary": "x", "severity": "error"},
            },
            "payload.source is missing or blank",
        ),
        (
            {
                "routing_key": "KEY",
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "y", "severity": "bad"},
            },
            "payload.severity must be one of critical, error, warning, info",
        ),
        ({"routing_key": "KEY", "event_action": "trigger"}, "payload is missing or not an object"),
        (
            {"routing_key": "KEY", "event_action": "resolve"},
            "dedup_key is required for acknowledge and resolve",
        ),
        (
            {
                "routing_key": "KEY",
                "event_action": "trigger",
                "dedup_key": "k" * 256,
                "payload": {"summary": "x", "source": "y", "severity": "info"},
            },
            "dedup_key must be at most 255 characters",
        ),
    ],
)
def test_invalid_events_are_refused_naming_the_field(
    pd: Any, post: Any, event: dict, error: str
) -> None:
    if event.get("routing_key") == "KEY":
        event["routing_key"] = pd.key
    before = rows()
    response = post(ENQUEUE, event)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid event"
    assert body["message"] == "Event object is invalid"
    assert error in body["errors"]
    assert rows() == before


@pytest.mark.parametrize("action", ["trigger", "acknowledge", "resolve"])
def test_wrong_or_disabled_key_gets_pagerdutys_400(pd: Any, post: Any, action: str) -> None:
    before = rows()
    response = post(ENQUEUE, pd_event("0" * 32, action))
    assert response.status_code == 400
    assert response.json()["errors"] == ["Invalid routing key"]
    pd.enabled = False
    pd.save()
    assert post(ENQUEUE, pd_event(pd.key, action)).status_code == 400
    assert (
        post(CHANGE, sample("pagerduty_change.json") | {"routing_key": pd.key}).status_code == 400
    )
    assert rows() == before


def test_a_key_of_another_kind_is_refused(make_integration: Any, post: Any) -> None:
    alertmanager = make_integration("alertmanager")
    before = rows()
    assert post(ENQUEUE, pd_event(alertmanager.key)).status_code == 400
    assert rows() == before


def test_malformed_json_and_oversize_bodies_are_refused(pd: Any, post: Any) -> None:
    before = rows()
    response = post(ENQUEUE, b'{"routing_key": ')
    assert response.status_code == 400
    assert response.json()["errors"] == ["the body is not valid JSON"]
    big = pd_event(pd.key, custom_details={"blob": "x" * (512 * 1024)})
    # Issue 27: PagerDuty documents 400 for an invalid event, an oversize one included.
    oversize = post(ENQUEUE, big)
    assert oversize.status_code == 400
    assert oversize.json()["status"] == "invalid event"
    assert oversize.json()["errors"] == ["the body is larger than 512 KiB"]
    assert post(CHANGE, b"[1, 2").status_code == 400
    assert post(ENQUEUE, [1, 2]).status_code == 400
    assert rows() == before


def test_a_malformed_timestamp_is_an_invalid_event(pd: Any, post: Any) -> None:
    """Issue 27: a malformed `payload.timestamp` was accepted silently."""
    before = rows()
    response = post(ENQUEUE, pd_event(pd.key, timestamp="yesterday at noon"))
    assert response.status_code == 400
    assert response.json()["errors"] == ["payload.timestamp must be an ISO 8601 date-time"]
    assert rows() == before
    good = post(ENQUEUE, pd_event(pd.key, timestamp="2026-03-02T01:00:00.000+0000"))
    assert good.status_code == 202


def test_only_post_is_allowed(pd: Any, client: Any) -> None:
    assert client.get(ENQUEUE).status_code == 405


def test_no_policy_in_force_answers_503_so_senders_retry(db: Any, post: Any, system: Any) -> None:
    from incidents.integrations.models import Integration

    integration = Integration.objects.create(name="early", kind="pagerduty")
    before = rows()
    response = post(ENQUEUE, pd_event(integration.key))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert rows() == before
