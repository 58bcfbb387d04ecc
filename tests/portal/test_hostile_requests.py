"""Issue 14, "Inputs that give 5xx": URLs, query strings and API bodies a careless
sender (or an attacker) writes. Each gets a 4xx naming what is wrong, never a 5xx.
"""

from __future__ import annotations

from typing import Any

import pytest

from drills.models import Drill
from postmortems.models import ActionItem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/status/incidents/INC%00/", "/oncall/ical/%00.ics"])
def test_anonymous_nul_in_public_url_is_4xx(client: Any, policy: Any, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/alerts/?incident=%00",
        "/api/v1/postmortems/INC%00/",
        "/api/v1/drills/?status=%00",
        "/api/v1/action-items/?owner=%00",
        "/api/v1/incidents/?limit=99999999999999999999",
        "/api/v1/incidents/?offset=99999999999999999999",
    ],
)
def test_api_hostile_url_is_4xx_or_works(api: Any, policy: Any, url: str) -> None:
    response = api.get(url)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()


def test_api_nul_in_url_names_the_problem(api: Any, policy: Any) -> None:
    response = api.get("/api/v1/drills/?status=%00")
    assert response.status_code == 400
    assert "NUL" in str(response.json())


def test_api_huge_limit_is_clamped(api: Any, declare: Any) -> None:
    declare()
    response = api.get("/api/v1/incidents/?limit=99999999999999999999")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_nul_in_drill_facilitator_is_400_naming_field(api: Any, policy: Any) -> None:
    before = Drill.objects.count()
    response = api.post(
        "/api/v1/drills/", {"planned_on": "2026-08-18", "facilitator": "fo\x00under"}, format="json"
    )
    assert response.status_code == 400
    assert "facilitator" in response.json()
    assert Drill.objects.count() == before


def test_nul_in_action_item_owner_is_400_naming_field(api: Any, policy: Any) -> None:
    response = api.post(
        "/api/v1/action-items/",
        {"description": "Add a check", "owner": "fo\x00under", "due_date": "2026-08-18"},
        format="json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()
    assert ActionItem.objects.count() == 0


def test_lone_surrogate_in_api_body_is_400_naming_field(api: Any, policy: Any) -> None:
    response = api.post(
        "/api/v1/incidents/",
        '{"title": "Checkout \\ud800 errors", "severity": "SEV-2"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "title" in response.json()
