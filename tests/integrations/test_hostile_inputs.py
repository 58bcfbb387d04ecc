"""Issue 14, "Inputs that give 5xx", "Wrong types accepted", "Distinct deliveries dropped".

Every ingestion input either works or gets a 4xx naming the field: never a 5xx and
never the 503 "overloaded" answer, which senders retry for ever.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from typing import Any

import pytest

from incidents.integrations.models import Alert, WebhookDelivery
from tests.integrations.conftest import pd_event, rows, sample

pytestmark = pytest.mark.django_db


def _raw(body: Any) -> str:
    # json.dumps escapes NUL and lone surrogates as \u0000 / \ud800: valid JSON text.
    return json.dumps(body)


def signed_sentry(post: Any, sentry: Any, body: Any, resource: str, **headers: Any) -> Any:
    raw = _raw(body).encode()
    signature = hmac.new(sentry.client_secret.encode(), raw, hashlib.sha256).hexdigest()
    return post(
        f"/integrations/sentry/{sentry.key}/",
        raw,
        HTTP_SENTRY_HOOK_SIGNATURE=signature,
        HTTP_SENTRY_HOOK_RESOURCE=resource,
        **headers,
    )


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("payload.summary", lambda e: e["payload"].update(summary="Disk\x00full")),
        ("dedup_key", lambda e: e.update(dedup_key="disk\x00full")),
        (
            "payload.custom_details.host",
            lambda e: e["payload"].update(custom_details={"host": "a\x00"}),
        ),
        ("payload.summary", lambda e: e["payload"].update(summary="Disk \ud800 full")),
    ],
)
def test_nul_or_surrogate_in_pagerduty_event_is_400_naming_field(
    pd: Any, post: Any, field: str, change: Any
) -> None:
    event = pd_event(pd.key)
    change(event)
    before = rows()
    response = post("/integrations/pagerduty/v2/enqueue", _raw(event))
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"
    assert any(field in error for error in response.json()["errors"])
    assert rows() == before


def test_nul_in_alertmanager_annotation_is_400_naming_field(
    make_integration: Any, post: Any
) -> None:
    am = make_integration("alertmanager")
    body = sample("alertmanager_v4_firing.json")
    body["alerts"][0]["annotations"]["summary"] = "probe\x00failed"
    before = rows()
    response = post(f"/integrations/alertmanager/{am.key}/", _raw(body))
    assert response.status_code == 400
    assert any("alerts[0].annotations.summary" in e for e in response.json()["errors"])
    assert rows() == before


@pytest.mark.parametrize("kind", ["alertmanager", "uptime", "sentry", "heartbeat"])
def test_nul_in_url_key_is_404_not_503(make_integration: Any, client: Any, kind: str) -> None:
    make_integration(kind)
    before = rows()
    response = client.post(
        f"/integrations/{kind}/abc%00def/", "{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert rows() == before


def test_nan_in_body_is_400_not_503(pd: Any, post: Any) -> None:
    raw = _raw(pd_event(pd.key)).replace('"critical"}', '"critical", "custom_details": {"x": NaN}}')
    before = rows()
    response = post("/integrations/pagerduty/v2/enqueue", raw)
    assert response.status_code == 400
    assert rows() == before


def test_deeply_nested_body_is_400(pd: Any, post: Any) -> None:
    raw = _raw(pd_event(pd.key))[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    response = post("/integrations/pagerduty/v2/enqueue", raw)
    assert response.status_code == 400


def test_sentry_issue_id_of_300_characters_opens_incident_with_hashed_key(
    make_integration: Any, post: Any
) -> None:
    sentry = make_integration("sentry")
    body = sample("sentry_event_alert.json")
    body["data"]["event"]["issue_id"] = "9" * 300
    response = signed_sentry(post, sentry, body, "event_alert")
    assert response.status_code == 200, response.content
    key = Alert.objects.get().dedup_key
    assert len(key) <= 255
    assert key.endswith(hashlib.sha256(f"sentry-issue-{'9' * 300}".encode()).hexdigest())


def test_long_alertmanager_fingerprints_sharing_a_prefix_stay_distinct(
    make_integration: Any, post: Any
) -> None:
    am = make_integration("alertmanager")
    body = sample("alertmanager_v4_firing.json")
    body["alerts"][0]["fingerprint"] = "f" * 300 + "1"
    body["alerts"][1]["fingerprint"] = "f" * 300 + "2"
    assert post(f"/integrations/alertmanager/{am.key}/", _raw(body)).status_code == 200
    assert Alert.objects.values("dedup_key").distinct().count() == 2


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("heartbeat.status", lambda b: b["heartbeat"].update(status=False)),
        ("monitor.id", lambda b: b["monitor"].update(id={"a": [1]})),
        ("monitor.id", lambda b: b["monitor"].update(id=True)),
    ],
)
def test_uptime_wrong_types_are_400_naming_field(
    make_integration: Any, post: Any, field: str, change: Any
) -> None:
    kuma = make_integration("uptime")
    body = copy.deepcopy(sample("uptime_kuma_down.json"))
    change(body)
    before = rows()
    response = post(f"/integrations/uptime/{kuma.key}/", _raw(body))
    assert response.status_code == 400
    assert any(field in e for e in response.json()["errors"])
    assert rows() == before


@pytest.mark.parametrize(
    ("resource", "fixture", "field", "change"),
    [
        (
            "event_alert",
            "sentry_event_alert.json",
            "data.event.issue_id",
            lambda b: b["data"]["event"].update(issue_id={"a": 1}),
        ),
        (
            "issue",
            "sentry_issue_created.json",
            "data.issue.id",
            lambda b: b["data"]["issue"].update(id=[1]),
        ),
        (
            "metric_alert",
            "sentry_metric_alert_critical.json",
            "data.metric_alert.id",
            lambda b: b["data"]["metric_alert"].update(id={"x": 1}),
        ),
    ],
)
def test_sentry_identifiers_of_wrong_type_are_400_naming_field(
    make_integration: Any, post: Any, resource: str, fixture: str, field: str, change: Any
) -> None:
    sentry = make_integration("sentry")
    body = sample(fixture)
    change(body)
    before = rows()
    response = signed_sentry(post, sentry, body, resource)
    assert response.status_code == 400
    assert any(field in e for e in response.json()["errors"])
    assert rows() == before


def test_sentry_request_ids_sharing_100_character_prefix_are_distinct_deliveries(
    make_integration: Any, post: Any
) -> None:
    sentry = make_integration("sentry")
    prefix = "r" * 100
    first = signed_sentry(
        post, sentry, sample("sentry_issue_created.json"), "issue", HTTP_REQUEST_ID=prefix + "-a"
    )
    body = sample("sentry_issue_created.json")
    body["data"]["issue"]["id"] = "another-issue"
    second = signed_sentry(post, sentry, body, "issue", HTTP_REQUEST_ID=prefix + "-b")
    assert first.status_code == second.status_code == 200
    assert "duplicate" not in second.json()
    assert WebhookDelivery.objects.count() == 2
    assert Alert.objects.count() == 2
    # And a true resend of the second one is still recognised.
    again = signed_sentry(post, sentry, body, "issue", HTTP_REQUEST_ID=prefix + "-b")
    assert again.json()["duplicate"] is True
