"""Issue 14, "API permissions ignore Django's": the API follows the model permissions
and the Founders / Responders / Auditors groups, as the admin does.

Matrix: who (anonymous, read-only token, Responders, Auditors, staff without a
group, revoked token) × every endpoint kind (list, detail, create, transition,
partial update, computed read, export).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from incidents.models import Incident
from portal.access.tokens import revoke_api_token
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/incidents/",
    "/api/v1/incidents/{ref}/",
    "/api/v1/incidents/{ref}/timeline/",
    "/api/v1/incidents/{ref}/comms/",
    "/api/v1/alerts/",
    "/api/v1/integrations/",
    "/api/v1/comms-templates/",
    "/api/v1/postmortems/",
    "/api/v1/action-items/",
    "/api/v1/drills/",
    "/api/v1/scenarios/",
    "/api/v1/oncall/",
    "/api/v1/policy/",
]
WRITES = [
    ("post", "/api/v1/incidents/", {"title": "Checkout down", "severity": "SEV-3"}),
    ("post", "/api/v1/incidents/{ref}/acknowledge/", {}),
    ("patch", "/api/v1/incidents/{ref}/", {"summary": "Payments fail"}),
    (
        "post",
        "/api/v1/incidents/{ref}/status-updates/",
        {"status": "investigating", "message": "Looking"},
    ),
]
EXPORT = "/api/v1/exports/incident-register/?format=csv&from=2026-01-01&to=2026-01-31"

# who: (reads, writes, export) expected status codes
MATRIX = {
    "anonymous": (401, 401, 401),
    "read_only_token": (200, 403, 200),
    "responder": (200, "ok", 403),
    "auditor": (200, 403, 200),
    "staff_without_group": (403, 403, 403),
    "revoked_token": (401, 401, 401),
}


@pytest.fixture
def incident(declare: Any) -> Incident:
    return declare(severity="SEV-3")


def _client_for(who: str, django_user_model: Any, founder: Any, make_token: Any) -> APIClient:
    client = APIClient()
    if who == "anonymous":
        return client
    if who == "read_only_token":
        _, key = make_token(founder, read_only=True)
    else:
        user = django_user_model.objects.create_user(who, f"{who}@example.com", "pw", is_staff=True)
        if who in ("responder", "auditor"):
            user.groups.add(
                Group.objects.get(name={"responder": "Responders", "auditor": "Auditors"}[who])
            )
        token, key = make_token(user)
        if who == "revoked_token":
            user.groups.add(Group.objects.get(name="Responders"))
            revoke_api_token(token=token, actor=Actor.system("test"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("who", list(MATRIX))
def test_api_permission_matrix(
    who: str, incident: Incident, django_user_model: Any, founder: Any, make_token: Any
) -> None:
    client = _client_for(who, django_user_model, founder, make_token)
    reads, writes, export = MATRIX[who]
    for url in READS:
        response = client.get(url.format(ref=incident.ref))
        assert response.status_code == reads, (who, url, response.content[:200])
    before = Incident.objects.count()
    for method, url, body in WRITES:
        response = getattr(client, method)(url.format(ref=incident.ref), body, format="json")
        if writes == "ok":
            assert response.status_code in (200, 201), (who, url, response.content[:300])
        else:
            assert response.status_code == writes, (who, url, response.content[:200])
    if writes != "ok":
        assert Incident.objects.count() == before
    response = client.get(EXPORT)
    assert response.status_code == export, (who, response.content[:200] if export != 200 else "")


def test_leaving_responders_takes_away_api_writes(
    incident: Incident, django_user_model: Any, make_token: Any
) -> None:
    user = django_user_model.objects.create_user("ex", "ex@example.com", "pw", is_staff=True)
    responders = Group.objects.get(name="Responders")
    user.groups.add(responders)
    _, key = make_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(f"/api/v1/incidents/{incident.ref}/acknowledge/").status_code == 200
    # When they leave the Responders group, the same token can no longer write
    user.groups.remove(responders)
    assert client.post(f"/api/v1/incidents/{incident.ref}/mitigate/").status_code == 403
    assert client.get("/api/v1/incidents/").status_code == 403
