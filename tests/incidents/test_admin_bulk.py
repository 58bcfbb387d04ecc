"""Bulk "Resolve selected" and "Cancel selected" ask first (issue 12, item 4).

Like Django's `delete_selected`: the first click lists the incidents and asks for a
reason; only the confirmation (POST with `post=yes`) calls the services, per incident,
with the reason and the admin user as actor.
"""

from __future__ import annotations

from typing import Any

import pytest

from incidents.choices import IncidentStatus, TimelineKind
from incidents.models import Incident, TimelineEntry
from portal.audit.models import AuditEntry

CHANGELIST = "/admin/incidents/incident/"
CONFIRMATION = "admin/incidents/incident/bulk_transition_confirmation.html"


def _owing_nothing(declare: Any, title: str) -> Incident:
    """An open SEV-4: no customer comms owed, so it can be resolved."""
    return declare("SEV-4", title=title)


@pytest.mark.parametrize("action", ["resolve_selected", "cancel_selected"])
def test_first_click_shows_the_confirmation_and_changes_nothing(
    admin_client: Any, declare: Any, action: str
) -> None:
    first, second = _owing_nothing(declare, "First"), _owing_nothing(declare, "Second")
    timeline_before = TimelineEntry.objects.count()
    response = admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [first.pk, second.pk]}
    )
    assert response.status_code == 200
    assert CONFIRMATION in [template.name for template in response.templates]
    page = response.content.decode()
    assert first.ref in page
    assert second.ref in page
    assert 'name="post" value="yes"' in page
    assert f'name="_selected_action" value="{first.pk}"' in page
    assert f'name="action" value="{action}"' in page
    assert set(Incident.objects.values_list("status", flat=True)) == {IncidentStatus.INVESTIGATING}
    assert TimelineEntry.objects.count() == timeline_before


@pytest.mark.parametrize(
    ("action", "status", "kind"),
    [
        ("resolve_selected", IncidentStatus.CLOSED, TimelineKind.RESOLVED),
        ("cancel_selected", IncidentStatus.CANCELLED, TimelineKind.CANCELLED),
    ],
)
def test_confirmation_with_a_reason_transitions_with_reason_and_actor(
    admin_client: Any, declare: Any, founder: Any, action: str, status: str, kind: str
) -> None:
    first, second = _owing_nothing(declare, "First"), _owing_nothing(declare, "Second")
    response = admin_client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [first.pk, second.pk],
            "post": "yes",
            "reason": "Duplicates of INC-1",
        },
        follow=True,
    )
    page = response.content.decode()
    assert first.ref in page
    assert second.ref in page
    for incident in (first, second):
        incident.refresh_from_db()
        assert incident.status == status  # SEV-4 needs no post-mortem: resolved is closed
        entry = TimelineEntry.objects.get(incident=incident, kind=kind)
        assert "Duplicates of INC-1" in entry.message
        assert entry.actor_id == founder.pk
        audit = AuditEntry.objects.get(object_type="incidents.timelineentry", object_id=entry.pk)
        assert audit.actor_user_id == founder.pk
        assert audit.after is not None
        assert "Duplicates of INC-1" in audit.after["message"]


@pytest.mark.parametrize("action", ["resolve_selected", "cancel_selected"])
def test_an_empty_reason_is_refused_on_its_field(
    admin_client: Any, declare: Any, action: str
) -> None:
    incident = _owing_nothing(declare, "First")
    timeline_before = TimelineEntry.objects.count()
    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [incident.pk], "post": "yes", "reason": "  "},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert TimelineEntry.objects.count() == timeline_before


def test_incidents_that_cannot_transition_are_reported_not_a_500(
    admin_client: Any, declare: Any
) -> None:
    open_one = _owing_nothing(declare, "Open")
    cancelled = _owing_nothing(declare, "Cancelled")
    owing = declare("SEV-2", title="Owes its status page")
    admin_client.post(
        CHANGELIST,
        {
            "action": "cancel_selected",
            "_selected_action": [cancelled.pk],
            "post": "yes",
            "reason": "false alarm",
        },
    )
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "resolve_selected",
            "_selected_action": [open_one.pk, cancelled.pk, owing.pk],
            "post": "yes",
            "reason": "Fixed by the rollback",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Resolved: {open_one.ref}." in page
    assert f"{cancelled.ref}: An incident that is cancelled cannot become resolved" in page
    assert f"{owing.ref}: The playbook still requires" in page
    owing.refresh_from_db()
    assert owing.status == IncidentStatus.INVESTIGATING
