"""REST API v1: incidents and the policy, through the doors a monitor or a tool uses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from incidents.choices import IncidentStatus
from incidents.models import Incident, Service, TimelineEntry
from tests.incidents.api_paths import incident_url as url

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def readonly_api(founder: Any, make_token: Any) -> APIClient:
    _, key = make_token(founder, read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def checkout(db: Any) -> Service:
    return Service.objects.create(name="Checkout", slug="checkout")


# --- Auth -------------------------------------------------------------------


def test_no_token_is_401(policy: Any) -> None:
    response = APIClient().get(url())
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401(policy: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(url()).status_code == 401


def test_read_only_token_reads_but_cannot_write(readonly_api: APIClient, declare: Any) -> None:
    # Given an incident and a read-only (Bearer) token
    incident = declare("SEV-2")
    # When it reads, it sees; when it writes, it is refused and nothing changes
    assert readonly_api.get(url(incident.ref)).status_code == 200
    response = readonly_api.post(url(incident.ref, "acknowledge"))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert (
        readonly_api.post(url(), {"title": "x", "severity": "SEV-1"}, format="json").status_code
        == 403
    )
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    assert Incident.objects.count() == 1


def test_read_only_token_may_ask_for_a_suggestion(readonly_api: APIClient, policy: Any) -> None:
    response = readonly_api.post(
        "/api/v1/policy/suggest-severity/", {"data_loss": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["severity"] == "SEV-1"


# --- Declare, read, list ------------------------------------------------------


@time_machine.travel(T0, tick=False)
def test_declare_returns_the_incident(api: APIClient, policy: Any, checkout: Service) -> None:
    # When a tool declares a SEV-1 touching checkout
    response = api.post(
        url(),
        {
            "title": "Checkout errors",
            "severity": "sev1",
            "summary": "500s on pay",
            "services": ["checkout"],
            "customers_affected_pct": 30,
            "critical_flow_broken": True,
            "detection_source": "monitoring_alert",
        },
        format="json",
    )
    # Then it gets 201 and the incident as the list shows it
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"] == "INC-20260302-01"
    assert body["severity"] == "SEV-1"
    assert body["severity_name"] == "Critical"
    assert body["status"] == "investigating"
    assert body["services"] == ["checkout"]
    assert body["customers_affected_pct"] == 30
    assert body["critical_flow_broken"] is True
    assert body["commander"] == "founder"
    assert body["declared_at"] == "2026-03-02T10:00:00Z"
    assert body["policy_version"] == {"number": policy.number, "policy": policy.policy.name}
    assert body["war_room_channel"].startswith("#incident-2026-03-02-checkout-errors")
    kinds = {d["kind"] for d in body["deadlines"]}
    assert {"ack", "resolve"} <= kinds
    ack = next(d for d in body["deadlines"] if d["kind"] == "ack")
    assert ack["met_at"] is None
    assert ack["missed"] is False
    assert ack["target"]
    assert body["next_deadline_at"] == ack["due_at"]
    incident = Incident.objects.get(ref=body["ref"])
    assert body["url"] == f"http://testserver/admin/incidents/incident/{incident.pk}/change/"
    # And the timeline says the token's user declared it
    entry = TimelineEntry.objects.get(incident__ref=body["ref"], kind="declared")
    assert entry.actor_label.startswith("founder (token")


def test_declare_by_rank(api: APIClient, policy: Any) -> None:
    response = api.post(url(), {"title": "Slow search", "severity": 3}, format="json")
    assert response.status_code == 201
    assert response.json()["severity"] == "SEV-3"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "SEV-2"}, "title"),
        ({"title": "x"}, "severity"),
        ({"title": "x", "severity": "SEV-9"}, "severity"),
        ({"title": "x" * 201, "severity": "SEV-2"}, "title"),
        ({"title": "x", "severity": "SEV-2", "services": ["nope"]}, "services"),
        ({"title": "x", "severity": "SEV-2", "services": "checkout"}, "services"),
        ({"title": "x", "severity": "SEV-2", "environment": "moon"}, "environment"),
        (
            {"title": "x", "severity": "SEV-2", "customers_affected_pct": 101},
            "customers_affected_pct",
        ),
        (
            {"title": "x", "severity": "SEV-2", "customers_affected_pct": "lots"},
            "customers_affected_pct",
        ),
        ({"title": "x", "severity": "SEV-2", "data_loss": True}, "severity"),
        ({"title": ["x"], "severity": "SEV-2"}, "title"),
        ({"title": "x", "severity": {"code": 1}}, "severity"),
        ({"title": "x", "severity": "SEV-2", "commander": "ghost"}, "commander"),
        ({"title": "x", "severity": "S" * 10_000}, "severity"),
        ({"title": "x", "severity": "SEV-2", "summary": "y" * 20_000}, "summary"),
        ({"title": "x", "severity": "SEV-2", "detected_at": "2999-01-01T00:00:00Z"}, "detected_at"),
        ({"title": "x", "severity": "SEV-2", "is_drill": "maybe"}, "is_drill"),
    ],
)
def test_declare_bad_input_is_400_naming_the_field(
    api: APIClient, policy: Any, checkout: Service, body: dict[str, Any], field: str
) -> None:
    response = api.post(url(), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Incident.objects.count() == 0


def test_declare_without_a_policy_is_400(api: APIClient) -> None:
    response = api.post(url(), {"title": "x", "severity": "SEV-1"}, format="json")
    assert response.status_code == 400
    assert "loadpolicy" in response.json()["severity"][0]


def test_malformed_json_is_400(api: APIClient, policy: Any) -> None:
    response = api.generic("POST", url(), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_unknown_ref_is_404(api: APIClient, policy: Any) -> None:
    response = api.get(url("INC-20990101-99"))
    assert response.status_code == 404
    assert "No incident" in response.json()["ref"][0]
    assert api.post(url("INC-20990101-99", "acknowledge")).status_code == 404


def test_lowercase_ref_finds_the_incident(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-3")
    assert api.get(url(incident.ref.lower())).json()["ref"] == incident.ref


def test_list_filters(api: APIClient, declare: Any) -> None:
    # Given a SEV-1 in production, a SEV-3 drill in staging, and a cancelled SEV-2
    sev1 = declare("SEV-1", "Site down")
    drill = declare("SEV-3", "Game day", environment="staging", is_drill=True)
    cancelled = declare("SEV-2", "False alarm")
    api.post(url(cancelled.ref, "cancel"), {"reason": "flaky check"}, format="json")

    def refs(query: str) -> list[str]:
        response = api.get(url() + query)
        assert response.status_code == 200, response.json()
        return [row["ref"] for row in response.json()["results"]]

    assert refs("?severity=sev-1") == [sev1.ref]
    assert refs("?environment=staging") == [drill.ref]
    assert refs("?is_drill=true") == [drill.ref]
    assert set(refs("?is_drill=false")) == {sev1.ref, cancelled.ref}
    assert refs("?status=cancelled") == [cancelled.ref]
    assert set(refs("?status=investigating,cancelled")) == {sev1.ref, drill.ref, cancelled.ref}
    assert refs("?ordering=severity__rank") == [sev1.ref, cancelled.ref, drill.ref]
    assert refs("?ordering=ref") == [sev1.ref, drill.ref, cancelled.ref]
    assert refs("?ordering=-declared_at&limit=1") == [cancelled.ref]
    assert api.get(url()).json()["count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=open", "status"),
        ("?environment=moon", "environment"),
        ("?is_drill=perhaps", "is_drill"),
    ],
)
def test_list_bad_filter_is_400(api: APIClient, policy: Any, query: str, field: str) -> None:
    response = api.get(url() + query)
    assert response.status_code == 400
    assert field in response.json()


def test_list_passes_dedup_key_to_the_selector(
    api: APIClient, policy: Any, monkeypatch: Any
) -> None:
    from incidents.api import views

    seen: dict[str, Any] = {}
    original = views.incident_list

    def spy(*, filters: dict[str, Any] | None = None) -> Any:
        seen.update(filters or {})
        return original(filters=filters)

    monkeypatch.setattr(views, "incident_list", spy)
    assert api.get(url() + "?dedup_key=db-down&status=investigating").status_code == 200
    assert seen == {"dedup_key": "db-down", "status": "investigating"}


def _declare_many(declare: Any, n: int, service: Service) -> None:
    for i in range(n):
        incident = declare(["SEV-1", "SEV-2", "SEV-3", "SEV-4"][i % 4], f"Incident {i}")
        incident.services.add(service)


@pytest.mark.parametrize("n", [2, 20])
def test_list_query_count_is_constant(
    api: APIClient, declare: Any, checkout: Service, n: int, django_assert_num_queries: Any
) -> None:
    # Given n incidents with services and deadlines (and a token already used once)
    _declare_many(declare, n, checkout)
    api.get(url())
    # When the list is read, the number of queries does not depend on n:
    # token, count, incidents (+severity, commander, policy), deadlines, services
    with django_assert_num_queries(5):
        response = api.get(url())
    assert response.status_code == 200
    assert len(response.json()["results"]) == n
    assert all(row["deadlines"] for row in response.json()["results"])


# --- Actions ----------------------------------------------------------------


def test_acknowledge(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    response = api.post(url(incident.ref, "acknowledge"))
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_at"] is not None
    ack = next(d for d in body["deadlines"] if d["kind"] == "ack")
    assert ack["met_at"] == body["acknowledged_at"]


def test_status_updates_post_and_list(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    response = api.post(
        url(incident.ref, "status-updates"),
        {
            "status": "identified",
            "message": "Bad deploy",
            "next_steps": "Roll back",
            "eta": "20 min",
            "public": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "identified"
    assert response.json()["posted_by"] == "founder"
    listed = api.get(url(incident.ref, "status-updates")).json()
    assert [u["message"] for u in listed] == ["Bad deploy"]
    assert api.get(url(incident.ref)).json()["status"] == "identified"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "identified"}, "message"),
        ({"status": "panicking", "message": "x"}, "status"),
        ({"status": "closed", "message": "x"}, "status"),
        ({"status": "cancelled", "message": "x"}, "status"),
        ({"status": "identified", "message": "x", "eta": "e" * 101}, "eta"),
        ({"status": "identified", "message": "x", "public": "yes please"}, "public"),
    ],
)
def test_status_update_bad_input(
    api: APIClient, declare: Any, body: dict[str, Any], field: str
) -> None:
    incident = declare("SEV-2")
    response = api.post(url(incident.ref, "status-updates"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert incident.status_updates.count() == 0


def test_change_severity(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-3")
    response = api.post(
        url(incident.ref, "severity"),
        {"severity": "SEV-1", "reason": "All customers"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["severity"] == "SEV-1"
    entries = api.get(url(incident.ref, "timeline")).json()["results"]
    changed = [entry for entry in entries if entry["kind"] == "severity_changed"]
    assert len(changed) == 1
    assert "SEV-3 → SEV-1" in changed[0]["message"]
    assert "All customers" in changed[0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "SEV-1"}, "reason"),
        ({"severity": "SEV-3", "reason": "same"}, "severity"),
        ({"severity": "SEV-9", "reason": "x"}, "severity"),
        ({"reason": "x"}, "severity"),
    ],
)
def test_change_severity_bad_input(
    api: APIClient, declare: Any, body: dict[str, Any], field: str
) -> None:
    incident = declare("SEV-3")
    response = api.post(url(incident.ref, "severity"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_mitigate_then_resolve(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    body = api.post(url(incident.ref, "mitigate")).json()
    assert body["status"] == "monitoring"
    assert body["mitigated_at"] is not None
    # The status-page comms are still owed: resolving needs them sent or a reason
    refused = api.post(url(incident.ref, "resolve"), {"message": "Rolled back"}, format="json")
    assert refused.status_code == 400
    assert "unmet_comms_reason" in str(refused.json())
    response = api.post(
        url(incident.ref, "resolve"),
        {"message": "Rolled back", "public": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["resolved_at"] is not None
    assert response.json()["status"] in ("resolved", "closed")
    assert "Rolled back" in [
        u["message"] for u in api.get(url(incident.ref, "status-updates")).json()
    ]


def test_resolve_without_body(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-4")
    response = api.post(url(incident.ref, "resolve"))
    assert response.status_code == 200
    assert response.json()["resolved_at"] is not None


def test_cancel_then_resolve_is_400_with_a_clear_message(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    assert (
        api.post(url(incident.ref, "cancel"), {"reason": "Not real"}, format="json").status_code
        == 200
    )
    response = api.post(url(incident.ref, "resolve"))
    assert response.status_code == 400
    assert response.json() == {"status": ["An incident that is cancelled cannot become resolved."]}
    for action in ("cancel", "acknowledge", "mitigate"):
        assert api.post(url(incident.ref, action)).status_code == 400
    response = api.post(
        url(incident.ref, "status-updates"), {"status": "identified", "message": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.CANCELLED


def test_assign_role(api: APIClient, declare: Any, responder: Any) -> None:
    incident = declare("SEV-2")
    response = api.post(
        url(incident.ref, "roles"), {"role": "commander", "username": "responder"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["commander"] == "responder"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "boss", "username": "founder"}, "role"),
        ({"role": "scribe", "username": "ghost"}, "username"),
        ({"role": "scribe"}, "username"),
        ({"role": "scribe", "username": 42}, "username"),
    ],
)
def test_assign_role_bad_input(
    api: APIClient, declare: Any, body: dict[str, Any], field: str
) -> None:
    incident = declare("SEV-2")
    response = api.post(url(incident.ref, "roles"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_timeline_lists_every_action_oldest_first(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    api.post(url(incident.ref, "acknowledge"))
    body = api.get(url(incident.ref, "timeline")).json()
    kinds = [entry["kind"] for entry in body["results"]]
    assert kinds[0] == "declared"
    assert "acknowledged" in kinds
    assert body["count"] == len(kinds)
    assert set(body["results"][0]) == {"at", "kind", "actor", "message", "data"}


# --- PATCH --------------------------------------------------------------------


def test_patch_edits_details_on_the_timeline(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    response = api.patch(
        url(incident.ref),
        {"summary": "Deploy 42 broke pay", "customers_affected_pct": 12.5},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == "Deploy 42 broke pay"
    assert response.json()["customers_affected_pct"] == 12.5
    assert TimelineEntry.objects.filter(incident=incident, kind="fields_changed").exists()


@pytest.mark.parametrize(
    ("body", "field", "hint"),
    [
        ({"severity": "SEV-1"}, "severity", "/severity/"),
        ({"status": "resolved"}, "status", "/status-updates/"),
        ({"ref": "INC-1"}, "ref", "cannot be edited"),
        ({}, "non_field_errors", "at least one"),
        ({"title": ""}, "title", ""),
        ({"revenue_currency": "eu"}, "revenue_currency", ""),
        ({"mitigated_at": "2999-01-01T00:00:00Z"}, "mitigated_at", "future"),
        ({"mitigated_at": "yesterday"}, "mitigated_at", ""),
    ],
)
def test_patch_bad_input(
    api: APIClient, declare: Any, body: dict[str, Any], field: str, hint: str
) -> None:
    incident = declare("SEV-2")
    response = api.patch(url(incident.ref), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert hint in str(response.json()[field])
    assert Incident.objects.get(pk=incident.pk).severity.code == "SEV-2"


def test_put_is_not_allowed(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    assert api.put(url(incident.ref), {"title": "x"}, format="json").status_code == 405
