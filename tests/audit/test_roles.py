"""What Founders, Responders and Auditors can and cannot do in the admin and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from portal.audit.roles import AUDITORS, FOUNDERS, RESPONDERS, remove_roles, setup_roles


@pytest.fixture
def member(db: Any, django_user_model: Any, roles: None) -> Any:
    def _member(role: str) -> Any:
        user = django_user_model.objects.create_user(
            role.lower(), f"{role}@example.com", "pw-x-123456", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return _member


def _token_client(make_token: Any, user: Any) -> APIClient:
    _, key = make_token(user)  # a read-write token: the role must still limit it
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_roles_are_created_idempotently_and_removable(roles: None) -> None:
    founders = Group.objects.get(name=FOUNDERS)
    before = founders.permissions.count()
    setup_roles(apps)
    assert founders.permissions.count() == before
    assert set(Group.objects.values_list("name", flat=True)) >= {FOUNDERS, RESPONDERS, AUDITORS}
    remove_roles(apps)
    assert not Group.objects.filter(name__in=[FOUNDERS, RESPONDERS, AUDITORS]).exists()


def test_role_permissions(roles: None) -> None:
    def perms(name: str) -> set[str]:
        return {
            f"{app}.{code}"
            for app, code in Group.objects.get(name=name).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }

    responders, auditors = perms(RESPONDERS), perms(AUDITORS)
    assert {
        "incidents.add_incident",
        "incidents.change_incident",
        "postmortems.change_postmortem",
    } <= responders
    assert "incidents.change_policyversion" not in responders
    assert "incidents.view_policyversion" in responders
    assert "oncall.view_schedule" in responders
    assert "oncall.change_schedule" not in responders
    assert not any(p.split(".")[1].startswith("delete_") for p in responders)
    assert "reports.export" in auditors
    assert "reports.export" not in responders
    assert all(p.split(".")[1].startswith("view_") or p == "reports.export" for p in auditors)
    assert "incidents.view_incident" in auditors
    assert "audit.view_auditentry" in auditors


def test_admin_responder_runs_incidents_but_cannot_edit_policy_or_users(
    client: Any, member: Any, policy: Any
) -> None:
    client.force_login(member(RESPONDERS))
    assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
    assert client.get(reverse("admin:incidents_incident_declare")).status_code == 200
    version_url = reverse("admin:incidents_policyversion_change", args=[policy.pk])
    page = client.get(version_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view only
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


def test_admin_auditor_sees_everything_and_changes_nothing(
    client: Any, member: Any, declare: Any, founder: Any
) -> None:
    incident = declare("SEV-2")
    client.force_login(member(AUDITORS))
    assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    assert b'name="_save"' not in client.get(change).content
    assert client.post(change, {"title": "renamed"}).status_code == 403
    assert client.get(reverse("admin:incidents_incident_declare")).status_code == 403
    assert client.get(reverse("admin:auth_group_add")).status_code == 403


def test_admin_founder_can_do_everything(client: Any, member: Any) -> None:
    user = member(FOUNDERS)
    client.force_login(user)
    assert user.has_perm("auth.change_user")
    assert user.has_perm("reports.export")
    assert client.get(reverse("admin:auth_group_add")).status_code == 200


def test_api_auditor_reads_but_cannot_write_even_with_a_read_write_token(
    member: Any, make_token: Any, policy: Any, audit_wired: Any
) -> None:
    client = _token_client(make_token, member(AUDITORS))
    assert client.get("/api/v1/incidents/").status_code == 200
    response = client.post("/api/v1/incidents/", {"title": "x", "severity": "SEV-1"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Auditors have read-only access."


def test_api_responder_and_founder_can_write(
    member: Any, make_token: Any, policy: Any, audit_wired: Any
) -> None:
    for role in (RESPONDERS, FOUNDERS):
        client = _token_client(make_token, member(role))
        response = client.post(
            "/api/v1/incidents/", {"title": f"by {role}", "severity": "SEV-3"}, format="json"
        )
        assert response.status_code == 201, response.content
