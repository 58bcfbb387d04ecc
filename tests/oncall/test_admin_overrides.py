"""The override admin adds and deletes through the roster services (issue 12, item 4)."""

from __future__ import annotations

from typing import Any

from incidents.oncall.models import Override
from portal.audit.models import AuditEntry


def test_override_admin_adds_and_deletes_through_the_services(
    admin_client: Any, admin_user: Any, make_schedule: Any, people: dict[str, Any]
) -> None:
    rotation = make_schedule("Platform", [people["alice"]])
    response = admin_client.post(
        "/admin/oncall/override/add/",
        {
            "layer": rotation.layer.pk,
            "user": people["bob"].pk,
            "start_0": "2026-03-02",
            "start_1": "00:00:00",
            "end_0": "2026-03-02",
            "end_1": "04:00:00",
            "reason": "swap",
        },
    )
    assert response.status_code == 302
    override = Override.objects.get()
    response = admin_client.post(f"/admin/oncall/override/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Override.objects.exists()
    created, deleted = AuditEntry.objects.filter(
        object_type="oncall.override", object_id=str(override.pk)
    ).order_by("id")
    assert (created.action, created.actor_user_id) == ("create", admin_user.pk)
    assert created.after is not None
    assert created.after["user"] == "bob"  # the service's entry, not the generic snapshot
    assert (deleted.action, deleted.actor_user_id) == ("delete", admin_user.pk)
