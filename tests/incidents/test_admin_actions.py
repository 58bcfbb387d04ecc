"""The incident page's actions in the admin: acknowledge, update, severity, resolve, cancel, roles."""

from __future__ import annotations

from typing import Any

from incidents.choices import IncidentRole, IncidentStatus
from tests.incidents.admin_pages import timeline_messages, view_url

# --- transition views -------------------------------------------------------------------


def test_acknowledge_button(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(view_url("acknowledge", incident), follow=True)
    page = response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert f"{incident.ref} acknowledged" in page
    assert "I am on it" in page
    assert 'id="incident-acknowledge"' not in page  # done: the button is gone


def test_acknowledging_a_cancelled_incident_is_an_error_not_a_500(
    admin_client: Any, declare: Any
) -> None:
    incident = declare("SEV-2")
    admin_client.post(view_url("cancel", incident), {"reason": "false alarm"})
    response = admin_client.post(view_url("acknowledge", incident))
    assert response.status_code == 200
    assert "only open incidents can be acknowledged" in response.content.decode()


def test_post_update(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    assert admin_client.get(view_url("post_update", incident)).status_code == 200
    response = admin_client.post(
        view_url("post_update", incident),
        {
            "status": "identified",
            "message": "Bad deploy of the payment worker",
            "next_steps": "Roll back",
            "eta": "30 min",
            "public": "on",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    update = incident.status_updates.get()
    assert update.public
    assert "[identified] Bad deploy of the payment worker" in timeline_messages(incident)


def test_post_update_without_message_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("post_update", incident), {"status": "identified", "message": ""}
    )
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert incident.status_updates.count() == 0


def test_change_severity(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    response = admin_client.post(
        view_url("change_severity", incident), {"severity": "SEV-1", "reason": "Card data exposed"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.severity.code == "SEV-1"
    assert "Severity raised SEV-3 → SEV-1: Card data exposed" in timeline_messages(incident)


def test_change_to_the_same_severity_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-3")
    response = admin_client.post(
        view_url("change_severity", incident), {"severity": "SEV-3", "reason": "x"}
    )
    assert response.status_code == 200
    assert "already SEV-3" in response.context["form"].errors["severity"][0]


def test_resolve_then_resolving_again_is_refused(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("resolve", incident), {"message": "Rolled back", "public": "on"}, follow=True
    )
    # The message says what happened once, not "resolved (resolved)"
    page = response.content.decode()
    assert f"{incident.ref} resolved; its post-mortem is due next." in page
    assert "resolved (resolved)" not in page
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED  # SEV-2 needs a post-mortem: stays resolved
    response = admin_client.post(view_url("resolve", incident), {"message": ""})
    assert response.status_code == 200
    assert "cannot become resolved" in response.content.decode()


def test_cancel(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("cancel", incident), {"reason": "Monitoring glitch"}, follow=True
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CANCELLED
    assert "Cancelled (was investigating). Monitoring glitch" in response.content.decode()


def test_assign_role(admin_client: Any, declare: Any, responder: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(
        view_url("assign_role", incident),
        {IncidentRole.COMMS_LEAD: responder.pk},
        follow=True,
    )
    page = response.content.decode()
    assert incident.role_assignments.filter(role=IncidentRole.COMMS_LEAD, user=responder).exists()
    assert "Comms lead: responder" in page


def test_assign_unknown_user_is_a_form_error(admin_client: Any, declare: Any) -> None:
    incident = declare("SEV-2")
    response = admin_client.post(view_url("assign_role", incident), {"scribe": "999"})
    assert response.status_code == 200
    assert "scribe" in response.context["form"].errors


def test_unknown_incident_redirects_with_a_message(admin_client: Any, policy: Any) -> None:
    response = admin_client.get("/admin/incidents/incident/999/resolve/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


# --- policy -------------------------------------------------------------------------------
