"""The channel admin writes through `save_channel` (issue 12, item 4): it refuses what
the service refuses, naming the field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from portal.audit.models import AuditEntry
from portal.notifications.models import NotificationChannel

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/notifications/notificationchannel/add/"


def _errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


def test_admin_refuses_a_retired_teams_connector_naming_the_target(admin_client: Any) -> None:
    audit_before = AuditEntry.objects.count()
    response = admin_client.post(
        ADD_URL, {"name": "Teams", "kind": "msteams", "target": "msteams://a/b/c/d"}
    )
    assert "Power Automate" in _errors(response)["target"][0]
    assert not NotificationChannel.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_admin_change_refuses_what_update_channel_refuses(admin_client: Any) -> None:
    channel = NotificationChannel.objects.create(
        name="Teams", kind="msteams", target="workflows://host:443/wf/sig"
    )
    response = admin_client.post(
        f"/admin/notifications/notificationchannel/{channel.pk}/change/",
        {"kind": "msteams", "target": "msteams://x/y/z", "enabled": "on"},
    )
    assert "target" in _errors(response)
    channel.refresh_from_db()
    assert channel.target == "workflows://host:443/wf/sig"


def test_admin_change_writes_through_the_service_as_the_admin_user(
    admin_client: Any, admin_user: Any
) -> None:
    channel = NotificationChannel.objects.create(name="#errors", kind="console")
    response = admin_client.post(
        f"/admin/notifications/notificationchannel/{channel.pk}/change/",
        {"kind": "console", "description": "the errors room"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.description, channel.enabled) == ("the errors room", False)
    [entry] = AuditEntry.objects.filter(
        object_type="notifications.notificationchannel", action="update"
    )
    assert entry.actor_user_id == admin_user.pk
    assert entry.after == {"description": "the errors room", "enabled": False}


def test_routing_rule_pages_write_through_the_service_as_the_admin_user(
    admin_client: Any, admin_user: Any
) -> None:
    from portal.notifications.models import NotificationRoute

    channel = NotificationChannel.objects.create(name="#errors", kind="console")
    response = admin_client.post(
        "/admin/notifications/notificationroute/add/",
        {"level_code": " SEV-1 ", "channel": channel.pk, "enabled": "on"},
    )
    assert response.status_code == 302
    rule = NotificationRoute.objects.get()
    assert (rule.level_code, rule.enabled) == ("SEV-1", True)
    response = admin_client.post(f"/admin/notifications/notificationroute/{rule.pk}/change/", {})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.enabled is False
    created, switched = AuditEntry.objects.filter(
        object_type="notifications.notificationroute", object_id=str(rule.pk)
    ).order_by("id")
    assert (created.action, created.actor_user_id) == ("create", admin_user.pk)
    assert (switched.actor_user_id, switched.after) == (admin_user.pk, {"enabled": False})
