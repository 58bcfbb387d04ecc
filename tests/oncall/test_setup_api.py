"""Set-up API: members, overrides, channels (with a test send), services with owners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from incidents.models import PolicyVersion, Service
from incidents.oncall.models import Override, RotationMember
from portal.audit.models import AuditEntry
from portal.notifications.models import NotificationChannel


@pytest.mark.django_db
def test_members_and_overrides_through_the_api(
    api: APIClient, load_policy: Callable[..., PolicyVersion], people: dict[str, Any], founder: User
) -> None:
    load_policy("follow-the-sun")
    r = api.post(
        "/api/v1/oncall/members/", {"schedule": "Platform", "username": "alice"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["position"] == 1
    assert AuditEntry.objects.filter(
        object_type="oncall.rotationmember", actor_user_id=founder.pk
    ).exists()
    r = api.get("/api/v1/oncall/members/?schedule=Platform")
    assert [m["username"] for m in r.json()] == ["alice"]
    member_id = r.json()[0]["id"]
    r = api.post(
        "/api/v1/oncall/overrides/",
        {
            "schedule": "Platform",
            "username": "bob",
            "start": "2026-03-02T00:00:00Z",
            "end": "2026-03-02T04:00:00Z",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert api.delete(f"/api/v1/oncall/overrides/{r.json()['id']}/").status_code == 204
    assert not Override.objects.exists()
    assert api.delete(f"/api/v1/oncall/members/{member_id}/").status_code == 204
    assert not RotationMember.objects.filter(rotation__name="follow-the-sun").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/oncall/members/", {"schedule": "Nope", "username": "alice"}, "schedule"),
        ("/api/v1/oncall/members/", {"schedule": "Platform", "username": "ghost"}, "username"),
        ("/api/v1/oncall/members/", {"schedule": "Platform"}, "username"),
        (
            "/api/v1/oncall/overrides/",
            {
                "schedule": "Platform",
                "username": "alice",
                "start": "2026-03-02T04:00:00Z",
                "end": "2026-03-02T01:00:00Z",
            },
            "end",
        ),
        ("/api/v1/channels/", {"name": "#new"}, "kind"),
        ("/api/v1/channels/", {"name": "#new", "kind": "pigeon"}, "kind"),
        ("/api/v1/services/", {"name": "Checkout", "owner": "ghost"}, "owner"),
    ],
)
def test_bad_setup_input_is_a_400_naming_the_field(
    api: APIClient,
    load_policy: Callable[..., PolicyVersion],
    people: dict[str, Any],
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    load_policy("follow-the-sun")
    r = api.post(path, body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.content.decode()


@pytest.mark.django_db
def test_channels_and_services_through_the_api(api: APIClient, people: dict[str, Any]) -> None:
    r = api.post(
        "/api/v1/channels/", {"name": "Ops log", "kind": "console", "enabled": True}, format="json"
    )
    assert r.status_code == 200, r.content
    channel = NotificationChannel.objects.get(name="Ops log")
    r = api.post(f"/api/v1/channels/{channel.pk}/test/")
    assert r.json() == {"status": "sent", "error": ""}
    # The founder, who may change the target, reads it whole (everyone else reads it
    # masked: test_setup_api_roles.py)
    api.post("/api/v1/channels/", {"name": "Ops log", "target": "secret"}, format="json")
    listed = api.get("/api/v1/channels/").json()
    assert listed[0]["has_target"] is True
    assert listed[0]["target"] == "secret"
    r = api.post("/api/v1/services/", {"name": "Checkout", "owner": "alice"}, format="json")
    assert r.status_code == 200, r.content
    assert Service.objects.get(name="Checkout").owner == people["alice"]
    r = api.post("/api/v1/services/", {"name": "Checkout", "owner": None}, format="json")
    assert r.json()["owner"] is None


@pytest.mark.django_db
def test_setup_lists_are_a_constant_number_of_queries(
    api: APIClient, load_policy: Callable[..., PolicyVersion], people: dict[str, Any]
) -> None:
    """Each set-up list costs the same whether it holds one row or several."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_policy("follow-the-sun")

    def add(n: int) -> None:
        for name in list(people)[:n]:
            api.post(
                "/api/v1/oncall/members/",
                {"schedule": "Platform", "username": name},
                format="json",
            )
            api.post("/api/v1/services/", {"name": f"svc-{name}", "owner": name}, format="json")
            api.post("/api/v1/channels/", {"name": f"ch-{name}", "kind": "console"}, format="json")

    def counts() -> dict[str, int]:
        found = {}
        for path in ("/api/v1/oncall/members/", "/api/v1/services/", "/api/v1/channels/"):
            with CaptureQueriesContext(connection) as queries:
                assert api.get(path).status_code == 200
            found[path] = len(queries.captured_queries)
        return found

    add(1)
    few = counts()
    add(len(people))
    assert len(api.get("/api/v1/oncall/members/?schedule=Platform").json()) == len(people)
    assert len(api.get("/api/v1/services/").json()) >= len(people)
    assert counts() == few
