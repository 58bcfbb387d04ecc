"""Comms API: list templates, send (201, replay 200), list an incident's messages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from incidents.comms.models import CommsMessage, CommsTemplate
from incidents.models import Incident, PolicyVersion
from portal.access.models import ApiToken


def test_list_templates(api: APIClient, policy: PolicyVersion) -> None:
    response = api.get("/api/v1/comms-templates/", {"kind": "customer_email"})
    assert response.status_code == 200
    [template] = response.json()["results"]
    assert template["subject"] == "Service incident on {date} — your data is safe"


def test_send_then_replay_then_list(api: APIClient, declare: Callable[..., Incident]) -> None:
    incident = declare("SEV-1", title="API down", what_is_broken="API down")
    key = str(uuid.uuid4())
    url = f"/api/v1/incidents/{incident.ref}/comms/"
    payload = {
        "channel": "status_page",
        "body": "Investigating {what_is_broken}.",
        "idempotency_key": key,
    }
    first = api.post(url, payload, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["body"] == "Investigating API down."
    assert first.json()["actor_label"].startswith("founder")
    replay = api.post(url, payload, format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    listed = api.get(url).json()
    assert [m["id"] for m in listed["results"]] == [first.json()["id"]]


def test_send_with_template(api: APIClient, declare: Callable[..., Incident]) -> None:
    incident = declare(
        "SEV-1", title="API down", what_is_broken="the API", customer_impact="failed calls"
    )
    template = CommsTemplate.objects.get(
        policy_version=incident.policy_version, kind="status_page_investigating"
    )
    response = api.post(
        f"/api/v1/incidents/{incident.ref}/comms/",
        {"channel": "status_page", "template": template.pk, "idempotency_key": str(uuid.uuid4())},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["body"].startswith("[INVESTIGATING] ")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "fax", "body": "x"}, "channel"),
        ({"channel": "status_page", "body": "x", "idempotency_key": "nope"}, "idempotency_key"),
        ({"channel": "email", "body": "x", "recipients": ["bad"]}, "recipients"),
        ({"channel": "status_page", "body": ""}, "body"),
        ({"channel": "status_page", "body": "x", "template": 999999}, "template"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api: APIClient, declare: Callable[..., Incident], payload: dict[str, Any], field: str
) -> None:
    incident = declare("SEV-1")
    payload.setdefault("idempotency_key", str(uuid.uuid4()))
    response = api.post(f"/api/v1/incidents/{incident.ref}/comms/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CommsMessage.objects.exists()


def test_unknown_incident_is_404_and_read_only_token_is_403(
    api: APIClient,
    declare: Callable[..., Incident],
    founder: User,
    make_token: Callable[..., tuple[ApiToken, str]],
) -> None:
    from rest_framework.test import APIClient

    assert api.get("/api/v1/incidents/INC-19990101-01/comms/").status_code == 404
    incident = declare("SEV-1")
    _, key = make_token(founder, read_only=True)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    payload = {"channel": "status_page", "body": "x", "idempotency_key": str(uuid.uuid4())}
    assert (
        reader.post(f"/api/v1/incidents/{incident.ref}/comms/", payload, format="json").status_code
        == 403
    )
    assert APIClient().get("/api/v1/comms-templates/").status_code == 401


@pytest.mark.parametrize("n", [2, 20])
def test_lists_use_constant_queries(
    api: APIClient,
    declare: Callable[..., Incident],
    send: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
    n: int,
) -> None:
    incident = declare("SEV-1")
    for i in range(n):
        send(incident, "banner", body=f"b{i}")
    with django_assert_num_queries(4):
        assert api.get("/api/v1/comms-templates/").status_code == 200
    with django_assert_num_queries(4):  # token, incident, count, page
        assert api.get(f"/api/v1/incidents/{incident.ref}/comms/").status_code == 200
