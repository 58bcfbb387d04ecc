"""Alertmanager, Sentry, Uptime Kuma and heartbeat endpoints, with the senders' documented payloads."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from incidents.integrations.heartbeats import sweep_heartbeats
from incidents.integrations.models import Alert, Integration, WebhookDelivery
from incidents.models import Incident
from tests.integrations.conftest import open_now, rows, sample

pytestmark = pytest.mark.django_db


# --- Alertmanager ----------------------------------------------------------------------


def test_alertmanager_group_opens_one_incident_per_fingerprint(
    make_integration: Any, post: Any
) -> None:
    am = make_integration("alertmanager", name="Prometheus")
    # When a v4 group with two firing alerts arrives
    response = post(f"/integrations/alertmanager/{am.key}/", sample("alertmanager_v4_firing.json"))
    # Then each fingerprint is an alert with its own incident
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["opening", "opening"]
    assert set(Alert.objects.values_list("dedup_key", flat=True)) == {
        "1a30ba71cca2921f",
        "7c2d4e0a9b1f3355",
    }
    assert Incident.objects.count() == 2
    assert set(Incident.objects.values_list("title", flat=True)) == {
        "BlackBox probe failure: https://shop.example.org",
        "BlackBox probe failure: https://api.example.org",
    }
    # And a re-notification of the same group only counts
    post(f"/integrations/alertmanager/{am.key}/", sample("alertmanager_v4_firing.json"))
    assert Incident.objects.count() == 2
    assert sorted(Incident.objects.values_list("alert_count", flat=True)) == [2, 2]
    # When the group resolves, each incident is mitigated
    post(f"/integrations/alertmanager/{am.key}/", sample("alertmanager_v4_resolved.json"))
    assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}
    assert all(i.mitigated_at for i in Incident.objects.all())


def test_alertmanager_routing_rule_on_labels_sets_severity(
    make_integration: Any, post: Any
) -> None:
    am = make_integration(
        "alertmanager",
        default_severity="SEV-4",
        rules=[
            {
                "path": "labels.instance",
                "operator": "contains",
                "value": "api.",
                "severity": "SEV-2",
            }
        ],
    )
    post(f"/integrations/alertmanager/{am.key}/", sample("alertmanager_v4_firing.json"))
    by_title = dict(Incident.objects.values_list("title", "severity__code"))
    assert by_title == {
        "BlackBox probe failure: https://shop.example.org": "SEV-4",
        "BlackBox probe failure: https://api.example.org": "SEV-2",
    }


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (
            lambda b: b.update(version="3"),
            'version: only Alertmanager webhook version "4" is supported',
        ),
        (lambda b: b.pop("alerts"), "alerts is missing or not a list"),
        (lambda b: b["alerts"][1].pop("fingerprint"), "alerts[1].fingerprint is missing"),
        (
            lambda b: b["alerts"][0].update(status="pending"),
            "alerts[0].status must be firing or resolved",
        ),
    ],
)
def test_alertmanager_refuses_bad_groups_whole(
    make_integration: Any, post: Any, mutate: Any, error: str
) -> None:
    am = make_integration("alertmanager")
    body = sample("alertmanager_v4_firing.json")
    mutate(body)
    before = rows()
    response = post(f"/integrations/alertmanager/{am.key}/", body)
    assert response.status_code == 400
    assert error in response.json()["errors"]
    assert rows() == before  # the first, valid alert was not written either


@pytest.mark.parametrize("kind", ["alertmanager", "uptime", "sentry", "heartbeat"])
def test_wrong_disabled_or_foreign_keys_get_404(
    make_integration: Any, post: Any, client: Any, kind: str
) -> None:
    integration = make_integration(kind)
    other = make_integration("pagerduty", name="pd")
    before = rows()
    assert post(f"/integrations/{kind}/{'f' * 32}/", {}).status_code == 404
    assert post(f"/integrations/{kind}/{other.key}/", {}).status_code == 404
    Integration.objects.filter(pk=integration.pk).update(enabled=False)
    response = post(
        f"/integrations/{kind}/{integration.key}/", sample("alertmanager_v4_firing.json")
    )
    assert response.status_code == 404
    assert response.json()["errors"] == ["unknown or disabled integration key"]
    assert rows() == before


@pytest.mark.parametrize("kind", ["alertmanager", "uptime", "sentry"])
def test_malformed_and_oversize_bodies(make_integration: Any, post: Any, kind: str) -> None:
    integration = make_integration(kind)
    url = f"/integrations/{kind}/{integration.key}/"
    before = rows()
    assert post(url, b"x" * (512 * 1024 + 1)).status_code == 413
    raw = b"{not json"
    signature = hmac.new(b"sentry-client-secret", raw, hashlib.sha256).hexdigest()
    response = post(
        url, raw, HTTP_SENTRY_HOOK_SIGNATURE=signature, HTTP_SENTRY_HOOK_RESOURCE="issue"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["the body is not valid JSON"]
    assert rows() == before


# --- Sentry --------------------------------------------------------------------------------


def _signed(
    post: Any, integration: Any, resource: str, body: dict, request_id: str = "", secret: str = ""
) -> Any:
    raw = json.dumps(body).encode()
    signature = hmac.new(
        (secret or integration.client_secret).encode(), raw, hashlib.sha256
    ).hexdigest()
    headers = {"HTTP_SENTRY_HOOK_RESOURCE": resource, "HTTP_SENTRY_HOOK_SIGNATURE": signature}
    if request_id:
        headers["HTTP_REQUEST_ID"] = request_id
    return post(f"/integrations/sentry/{integration.key}/", raw, **headers)


def test_sentry_event_alert_opens_an_error_tracker_incident(
    make_integration: Any, post: Any
) -> None:
    sentry = make_integration("sentry", default_severity="SEV-3")
    response = _signed(
        post, sentry, "event_alert", sample("sentry_event_alert.json"), request_id="req-1"
    )
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.detection_source == "error_tracker"
    assert incident.severity.code == "SEV-3"
    assert incident.title.startswith("TypeError: Cannot read properties")
    assert Alert.objects.get().dedup_key == "sentry-issue-1117540176"


def test_sentry_resend_with_same_request_id_is_applied_once(
    make_integration: Any, post: Any
) -> None:
    sentry = make_integration("sentry")
    for _ in range(3):
        assert (
            _signed(
                post,
                sentry,
                "event_alert",
                sample("sentry_event_alert.json"),
                request_id="5f9a-resend",
            ).status_code
            == 200
        )
    assert Incident.objects.get().alert_count == 1
    assert WebhookDelivery.objects.count() == 1
    _signed(post, sentry, "event_alert", sample("sentry_event_alert.json"), request_id="another")
    assert Incident.objects.get().alert_count == 2


def test_sentry_issue_created_then_resolved(make_integration: Any, post: Any) -> None:
    sentry = make_integration("sentry", auto_resolve=True)
    _signed(post, sentry, "issue", sample("sentry_issue_created.json"))
    incident = Incident.objects.get()
    assert incident.severity.code == "SEV-1"  # level fatal ⇒ critical ⇒ worst level
    _signed(post, sentry, "issue", sample("sentry_issue_resolved.json"))
    incident.refresh_from_db()
    assert incident.status in ("resolved", "closed")


def test_sentry_metric_alert_critical_then_resolved(make_integration: Any, post: Any) -> None:
    sentry = make_integration("sentry")
    _signed(post, sentry, "metric_alert", sample("sentry_metric_alert_critical.json"))
    assert Incident.objects.get().title == "Critical: Too many errors"
    _signed(post, sentry, "metric_alert", sample("sentry_metric_alert_resolved.json"))
    assert Incident.objects.get().mitigated_at is not None


def test_sentry_bad_signature_is_401_and_writes_nothing(make_integration: Any, post: Any) -> None:
    sentry = make_integration("sentry")
    before = rows()
    response = _signed(
        post,
        sentry,
        "event_alert",
        sample("sentry_event_alert.json"),
        request_id="r",
        secret="wrong-secret",
    )
    assert response.status_code == 401
    assert "Sentry-Hook-Signature" in response.json()["errors"][0]
    unsigned = post(
        f"/integrations/sentry/{sentry.key}/",
        sample("sentry_event_alert.json"),
        HTTP_SENTRY_HOOK_RESOURCE="event_alert",
    )
    assert unsigned.status_code == 401
    assert rows() == before


def test_sentry_missing_header_or_fields(make_integration: Any, post: Any) -> None:
    sentry = make_integration("sentry")
    before = rows()
    raw = json.dumps(sample("sentry_event_alert.json")).encode()
    signature = hmac.new(b"sentry-client-secret", raw, hashlib.sha256).hexdigest()
    response = post(
        f"/integrations/sentry/{sentry.key}/", raw, HTTP_SENTRY_HOOK_SIGNATURE=signature
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["Sentry-Hook-Resource header is missing"]
    body = sample("sentry_event_alert.json")
    del body["data"]["event"]["issue_id"]
    response = _signed(post, sentry, "event_alert", body)
    assert response.status_code == 400
    assert response.json()["errors"] == ["data.event.issue_id is missing"]
    assert rows() == before


def test_sentry_installation_webhooks_are_acknowledged_and_ignored(
    make_integration: Any, post: Any
) -> None:
    sentry = make_integration("sentry")
    before = rows()
    response = _signed(
        post, sentry, "installation", {"action": "created", "data": {"installation": {}}}
    )
    assert response.status_code == 200
    assert rows() == before


# --- Uptime Kuma -----------------------------------------------------------------------------


def test_uptime_down_then_up(make_integration: Any, post: Any) -> None:
    uptime = make_integration("uptime", auto_resolve=True)
    url = f"/integrations/uptime/{uptime.key}/"
    assert post(url, sample("uptime_kuma_down.json")).status_code == 200
    incident = Incident.objects.get()
    assert incident.detection_source == "uptime_check"
    assert Alert.objects.get().dedup_key == "uptime-monitor-3"
    post(url, sample("uptime_kuma_up.json"))
    incident.refresh_from_db()
    assert incident.status in ("resolved", "closed")


def test_uptime_test_button_and_missing_fields(make_integration: Any, post: Any) -> None:
    uptime = make_integration("uptime")
    url = f"/integrations/uptime/{uptime.key}/"
    before = rows()
    assert post(url, sample("uptime_kuma_test.json")).status_code == 200
    response = post(url, {"monitor": {"id": 3}})
    assert response.status_code == 400
    assert response.json()["errors"] == ["heartbeat is missing or not an object"]
    assert rows() == before


# --- Heartbeats -------------------------------------------------------------------------------


def test_silent_heartbeat_opens_an_incident_and_the_next_ping_resolves(
    make_integration: Any, client: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        beat = make_integration("heartbeat", auto_resolve=True)  # period 5m, grace 1m
        assert client.get(f"/integrations/heartbeat/{beat.key}/").status_code == 200
    # Within period + grace nothing happens
    with time_machine.travel(start + datetime.timedelta(minutes=5, seconds=59), tick=False):
        assert sweep_heartbeats() == 0
    # Past it, one incident opens, and a second sweep does not open another
    with time_machine.travel(start + datetime.timedelta(minutes=6, seconds=1), tick=False):
        assert sweep_heartbeats() == 1
        assert sweep_heartbeats() == 0
        open_now()  # the engine's opening loop declares the alert's incident
    incident = Incident.objects.get()
    assert incident.title.startswith("No heartbeat from heartbeat test since")
    # The next ping (POST works too) resolves it
    with time_machine.travel(start + datetime.timedelta(minutes=8), tick=False):
        response = client.post(f"/integrations/heartbeat/{beat.key}/")
    assert response.json() == {"status": "success", "resolved": True}
    incident.refresh_from_db()
    assert incident.status in ("resolved", "closed")


def test_refusals_never_log_the_key(
    make_integration: Any, post: Any, client: Any, caplog: Any
) -> None:
    # Given a valid key in the URL, when requests are refused (bad JSON, wrong method, bad signature)
    am = make_integration("alertmanager")
    sentry = make_integration("sentry")
    with caplog.at_level("DEBUG"):
        assert post(f"/integrations/alertmanager/{am.key}/", b"{").status_code == 400
        assert client.get(f"/integrations/alertmanager/{am.key}/").status_code == 405
        assert post(f"/integrations/sentry/{sentry.key}/", {}).status_code == 401
    # Then the logs name the refusal but not the key
    assert "refused with 400" in caplog.text
    assert am.key not in caplog.text
    assert sentry.key not in caplog.text
