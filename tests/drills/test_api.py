"""The drills API: plan, sealed until start, start, complete, report; production refused; constant lists."""

from __future__ import annotations

from typing import Any

import pytest

from drills.choices import DrillStatus
from drills.models import Drill, DrillDraw
from portal.kernel.actors import Actor
from tests.drills.factories import held_drills


def test_a_planned_drill_is_sealed(api: Any, planned: Drill) -> None:
    response = api.get(f"/api/v1/drills/{planned.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["sealed"] is True
    assert body["scenario"] is None
    assert body["draw"] is None
    assert body["practice_incident"] is None
    listed = api.get("/api/v1/drills/").json()["results"]
    assert [(d["id"], d["sealed"], d["scenario"]) for d in listed] == [(planned.pk, True, None)]


def test_plan_a_drill(api: Any, policy: Any) -> None:
    Drill.objects.all().delete()
    response = api.post(
        "/api/v1/drills/", {"planned_on": "2026-08-18", "facilitator": "founder"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["environment"] == "staging"
    assert response.json()["facilitator"] == "founder"


def test_api_refuses_production_naming_the_field(api: Any, policy: Any) -> None:
    Drill.objects.all().delete()
    response = api.post(
        "/api/v1/drills/", {"planned_on": "2026-08-18", "environment": "production"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "environment": ["Drills never run against production; choose staging or development."]
    }
    assert not Drill.objects.exists()


def test_api_refuses_moving_a_drill_to_production(api: Any, planned: Drill) -> None:
    response = api.patch(
        f"/api/v1/drills/{planned.pk}/", {"environment": "production"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["environment"]


def test_the_date_is_editable(api: Any, planned: Drill) -> None:
    response = api.patch(
        f"/api/v1/drills/{planned.pk}/", {"planned_on": "2026-06-01"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["planned_on"] == "2026-06-01"


def test_start_then_complete_then_report(api: Any, planned: Drill) -> None:
    # When the drill starts through the API
    response = api.post(f"/api/v1/drills/{planned.pk}/start/")
    assert response.status_code == 200, response.content
    body = response.json()
    # Then the scenario is unsealed, with the draw and the practice incident
    assert body["status"] == "running"
    assert body["sealed"] is False
    assert body["scenario"]["title"] == DrillDraw.objects.get().scenario.title
    assert len(body["draw"]["candidate_ids"]) == 15
    ref = body["practice_incident"]
    incident = api.get(f"/api/v1/incidents/{ref}/").json()
    assert incident["is_drill"] is True
    assert incident["environment"] == "staging"
    # When it completes with findings
    response = api.post(
        f"/api/v1/drills/{planned.pk}/complete/",
        {
            "what_worked": "Alert fired",
            "gaps_found": "No runbook",
            "playbook_updates": ["Write the runbook"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed"
    assert [t["stage"] for t in body["timings"]] == ["detect", "triage", "mitigate", "notify"]
    assert len(body["action_items"]) == 1
    # Then the report is there as Markdown and HTML
    md = api.get(f"/api/v1/drills/{planned.pk}/report/?format=md")
    assert md.status_code == 200
    assert md["Content-Type"].startswith("text/markdown")
    assert f"# Drill #{planned.pk}" in md.content.decode()
    assert "| Triage (acknowledged and classified) |" in md.content.decode()
    assert "Write the runbook" in md.content.decode()
    html = api.get(f"/api/v1/drills/{planned.pk}/report/?format=html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert "<h2>Gaps found</h2>" in html.content.decode()


def test_report_of_a_sealed_drill_does_not_reveal_anything(api: Any, planned: Drill) -> None:
    text = api.get(f"/api/v1/drills/{planned.pk}/report/").content.decode()
    assert "sealed until the drill starts" in text


def test_report_format_is_validated(api: Any, planned: Drill) -> None:
    response = api.get(f"/api/v1/drills/{planned.pk}/report/?format=pdf")
    assert response.status_code == 400
    assert list(response.json()) == ["format"]


def test_unknown_drill_is_404(api: Any, policy: Any) -> None:
    assert api.get("/api/v1/drills/999/").status_code == 404
    assert api.post("/api/v1/drills/999/start/").status_code == 404


def test_start_twice_is_400(api: Any, planned: Drill) -> None:
    api.post(f"/api/v1/drills/{planned.pk}/start/")
    response = api.post(f"/api/v1/drills/{planned.pk}/start/")
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_read_only_token_cannot_start(planned: Drill, founder: Any, make_token: Any) -> None:
    from rest_framework.test import APIClient

    _, key = make_token(founder, read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(f"/api/v1/drills/{planned.pk}/start/").status_code == 403
    assert Drill.objects.get(pk=planned.pk).status == DrillStatus.PLANNED


def test_scenarios_lists_the_catalogue(api: Any, policy: Any) -> None:
    response = api.get("/api/v1/scenarios/?limit=100")
    assert response.status_code == 200
    assert response.json()["count"] == 15
    assert "injection_steps" in response.json()["results"][0]


@pytest.mark.parametrize("size", [2, 6])
def test_drill_list_query_count_is_constant(
    api: Any, policy: Any, system: Actor, size: int, django_assert_num_queries: Any
) -> None:
    held_drills(size, system)
    # token lookup (2) + count + drills + action items
    with django_assert_num_queries(5):
        response = api.get("/api/v1/drills/")
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [3, 12])
def test_scenario_list_query_count_is_constant(
    api: Any, policy: Any, size: int, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(4):
        response = api.get(f"/api/v1/scenarios/?limit={size}")
    assert len(response.json()["results"]) == size
