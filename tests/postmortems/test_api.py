"""`/api/v1/postmortems/` and `/api/v1/action-items/`."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.utils import timezone

from postmortems import services

UTC = datetime.UTC
FRIDAY = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def make_postmortems(resolve_at: Any, count: int) -> list[Any]:
    return [resolve_at("SEV-1", title=f"Outage {n}").postmortem for n in range(count)]


def test_list_is_a_constant_number_of_queries(
    policy: Any,
    resolve_at: Any,
    api: Any,
    founder_actor: Any,
    founder: Any,
    django_assert_num_queries: Any,
) -> None:
    for size in (1, 4):
        pms = make_postmortems(resolve_at, size)
        for pm in pms:
            services.create_action_item(
                actor=founder_actor,
                postmortem=pm,
                description="Fix it",
                owner=founder,
                due_date=datetime.date(2026, 4, 1),
            )
        api.get(
            "/api/v1/postmortems/"
        )  # warm up: the token's last-used stamp is written at most once
        # token + count + page (incident, severity, author joined) + reviewers + action items
        with django_assert_num_queries(5):
            response = api.get("/api/v1/postmortems/")
        assert response.status_code == 200
    assert response.json()["count"] == 5
    row = response.json()["results"][0]
    assert row["severity"] == "SEV-1"
    assert row["status"] == "draft"
    assert row["action_items"][0]["owner"] == "founder"


def test_get_patch_submit_publish(
    resolved_pm: Any, api: Any, founder: Any, founder_actor: Any
) -> None:
    ref = resolved_pm.incident.ref
    url = f"/api/v1/postmortems/{ref}/"
    body = api.get(url).json()
    assert body["incident"] == ref
    assert body["duration_seconds"] == 4 * 3600
    assert body["due_at"] == "2026-03-12T14:00:00Z"
    first = body["timeline"][0]
    # Edit sections and exclude a timeline entry
    response = api.patch(
        url,
        {
            "root_cause": "Pool exhausted.",
            "contributing_causes": "No load test.",
            "what_worked": "Rollback.",
            "what_didnt": "Late status page.",
            "customer_impact_summary": "20% of checkouts failed.",
            "revenue_impact": "99.50",
            "revenue_currency": "EUR",
            "timeline": [{"id": first["id"], "included": False}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["timeline"][0]["included"] is False
    # Publishing before review lists every problem at once
    response = api.post(f"{url}publish/")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["It is draft: submit it for review (naming reviewers) before publishing."],
        "action_items": ["Add at least one action item."],
    }
    response = api.post(
        "/api/v1/action-items/",
        {
            "incident": ref,
            "description": "Load-test retries",
            "owner": "founder",
            "due_date": "2026-03-27",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["incident"] == ref
    assert response.json()["labels"] == ["post-mortem"]
    assert api.post(f"{url}submit/", {"reviewers": []}, format="json").status_code == 400
    response = api.post(f"{url}submit/", {"reviewers": ["founder"]}, format="json")
    assert response.json()["status"] == "in_review"
    assert response.json()["reviewers"] == ["founder"]
    with time_machine.travel(FRIDAY, tick=False):
        response = api.post(f"{url}publish/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"
    assert api.get(f"/api/v1/incidents/{ref}/").json()["status"] == "closed"
    assert api.patch(url, {"root_cause": "x"}, format="json").status_code == 400


def test_an_unknown_field_is_refused_naming_it_and_nothing_is_written(
    resolved_pm: Any, api: Any
) -> None:
    """Issue 26: `PATCH` of a post-mortem with an unknown field answered 200 and dropped it."""
    url = f"/api/v1/postmortems/{resolved_pm.incident.ref}/"
    response = api.patch(url, {"summary": "kept?", "fixes": "rolled back"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["fixes"]
    assert response.json()["fixes"][0].startswith("Unknown field; the known ones are:")
    resolved_pm.refresh_from_db()
    assert resolved_pm.summary != "kept?"


def test_bad_input_names_the_field(resolved_pm: Any, api: Any) -> None:
    url = f"/api/v1/postmortems/{resolved_pm.incident.ref}/"
    assert "customers_affected" in api.patch(url, {"customers_affected": -3}, format="json").json()
    assert "revenue_currency" in api.patch(url, {"revenue_currency": "E1"}, format="json").json()
    assert "timeline" in api.patch(url, {"timeline": [{"id": 999999}]}, format="json").json()
    assert api.get("/api/v1/postmortems/INC-19990101-01/").status_code == 404
    assert "status" in api.get("/api/v1/postmortems/?status=lost").json()
    assert (
        "incident"
        in api.post(
            "/api/v1/action-items/", {"incident": "INC-1", "description": "x"}, format="json"
        ).json()
    )


def test_action_item_filters_and_patch(
    policy: Any,
    api: Any,
    founder: Any,
    responder: Any,
    founder_actor: Any,
    django_assert_num_queries: Any,
) -> None:
    today = timezone.now().date()
    mine = services.create_action_item(
        actor=founder_actor,
        description="Mine, overdue",
        owner=founder,
        due_date=today - datetime.timedelta(days=1),
    )
    services.create_action_item(
        actor=founder_actor,
        description="Theirs",
        owner=responder,
        due_date=today + datetime.timedelta(days=9),
    )
    assert [
        r["description"] for r in api.get("/api/v1/action-items/?owner=me").json()["results"]
    ] == ["Mine, overdue"]
    assert [
        r["description"] for r in api.get("/api/v1/action-items/?overdue=true").json()["results"]
    ] == ["Mine, overdue"]
    assert api.get("/api/v1/action-items/?status=done").json()["count"] == 0
    assert "status" in api.get("/api/v1/action-items/?status=finished").json()
    response = api.patch(f"/api/v1/action-items/{mine.pk}/", {"status": "wont_do"}, format="json")
    assert response.status_code == 400
    assert "wont_do_reason" in response.json()
    response = api.patch(
        f"/api/v1/action-items/{mine.pk}/",
        {"status": "wont_do", "wont_do_reason": "Replaced by OPS-9."},
        format="json",
    )
    assert response.json()["status"] == "wont_do"
    assert (
        api.patch("/api/v1/action-items/999999/", {"status": "done"}, format="json").status_code
        == 404
    )
    # token + count + page (owner, post-mortem and incident joined), at two sizes
    with django_assert_num_queries(3):
        assert api.get("/api/v1/action-items/").json()["count"] == 2
    for n in range(5):
        services.create_action_item(
            actor=founder_actor, description=f"More {n}", owner=founder, due_date=today
        )
    with django_assert_num_queries(3):
        assert api.get("/api/v1/action-items/").json()["count"] == 7


def test_read_only_token_cannot_publish(resolved_pm: Any, founder: Any, make_token: Any) -> None:
    from rest_framework.test import APIClient

    _, key = make_token(founder, read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/postmortems/{resolved_pm.incident.ref}/"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}publish/").status_code == 403
