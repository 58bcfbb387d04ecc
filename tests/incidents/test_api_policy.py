"""REST API v1: the policy in force, severity suggestions, the schema and hostile refs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.incidents.api_paths import incident_url as url

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


# --- Policy and suggestions -----------------------------------------------------


def test_policy_shows_the_version_in_force(api: APIClient, policy: Any) -> None:
    body = api.get("/api/v1/policy/").json()
    assert body["policy"] == policy.policy.name
    assert body["version"] == policy.number
    assert body["status"] == "active"
    assert set(body["sign_off"]) == {
        "approver",
        "approved_at",
        "content_hash",
        "next_review_on",
        "last_validated_on",
    }
    assert body["calendar"]["time_zone"]
    assert [level["code"] for level in body["levels"]] == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    sev1 = body["levels"][0]
    assert sev1["targets"]["acknowledge"] == "15 min"
    assert sev1["war_room_required"] is True
    assert sev1["postmortem_required"] is True
    assert {c["channel"] for c in sev1["comms"]} == {"status_page", "email"}
    assert any(rule["fact"] == "data_loss" and rule["level"] == "SEV-1" for rule in body["rules"])


def test_policy_without_one_in_force_is_400(api: APIClient) -> None:
    response = api.get("/api/v1/policy/")
    assert response.status_code == 400
    assert "loadpolicy" in str(response.json())


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        ({"data_loss": True}, "SEV-1"),
        ({"customers_affected_pct": 30}, "SEV-2"),
        ({"customers_affected_pct": "5"}, "SEV-3"),
        ({"customer_facing": False}, "SEV-4"),
    ],
)
def test_suggest_severity_from_facts(
    api: APIClient, policy: Any, facts: dict[str, Any], level: str
) -> None:
    response = api.post("/api/v1/policy/suggest-severity/", facts, format="json")
    assert response.status_code == 200
    assert response.json()["severity"] == level
    assert response.json()["reasons"]


def test_suggest_severity_bad_facts(api: APIClient, policy: Any) -> None:
    response = api.post(
        "/api/v1/policy/suggest-severity/", {"customers_affected_pct": -1}, format="json"
    )
    assert response.status_code == 400
    assert "customers_affected_pct" in response.json()


def test_suggest_severity_for_an_incident(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-3", production_outage=True)
    body = api.get(url(incident.ref, "suggest-severity")).json()
    assert body["severity"] == "SEV-1"
    assert any("outage" in reason.lower() for reason in body["reasons"])


# --- Schema ---------------------------------------------------------------------


def test_schema_generates_without_warnings(tmp_path: Any, capsys: Any) -> None:
    # --fail-on-warn turns any warning (ours or another app's) into an error.
    try:
        call_command(
            "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
        )
    except Exception:  # noqa: BLE001 - show the warnings themselves
        pytest.fail("schema warnings:\n" + capsys.readouterr().err)
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/incidents/{ref}/status-updates/:" in schema
    assert "/api/v1/policy/suggest-severity/:" in schema


@pytest.mark.parametrize("ref", ["INC-1%00", "%20", "INC-" + "9" * 40, "INC-20260302-01%0A"])
def test_refs_that_cannot_exist_are_404(api: APIClient, declare: Any, ref: str) -> None:
    declare("SEV-2")
    response = api.get(url(ref))
    assert response.status_code == 404
    assert "ref" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "severity": "SEV-2", "services": ["a\x00b"]}, "services"),
        ({"title": "x", "severity": "SEV-2", "commander": "a\x00b"}, "commander"),
        ({"title": "x\x00", "severity": "SEV-2"}, "title"),
        ({"title": "x", "severity": "SEV\x002"}, "severity"),
    ],
)
def test_nul_characters_are_400_not_500(
    api: APIClient, policy: Any, body: dict[str, Any], field: str
) -> None:
    # PostgreSQL refuses NUL in text with an error; the API must refuse it first.
    response = api.post(url(), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_nul_in_role_username_is_400(api: APIClient, declare: Any) -> None:
    incident = declare("SEV-2")
    response = api.post(
        url(incident.ref, "roles"), {"role": "scribe", "username": "a\x00"}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.json()
