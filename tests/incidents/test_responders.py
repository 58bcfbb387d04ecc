"""Issue 15, seen 7: adding a responder is no trap; several roles in one submit."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from incidents.models import IncidentRoleAssignment
from portal.kernel.actors import Actor
from tests.incidents.admin_pages import view_url

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/incidents/incident/add-responder/"


def test_seen_7_add_responder_creates_a_staff_responder_offered_in_role_pickers(
    client: Any, founder: Any, declare: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    page = client.get(view_url("assign_role", incident)).content.decode()
    assert 'id="add-responder"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{ADD_URL}?next=/admin/incidents/incident/{incident.pk}/assign-role/",
            {"username": "dana", "email": "dana@example.com"},
        )
    assert response.status_code == 302
    dana = get_user_model().objects.get(username="dana")
    assert dana.is_staff
    assert dana.is_active
    assert not dana.has_usable_password()
    assert list(dana.groups.values_list("name", flat=True)) == ["Responders"]
    # The invitation link went out (email is configured in tests: locmem)
    assert len(mail.outbox) == 1
    assert "/admin/invitation/" in mail.outbox[0].body
    # And she is offered at once in the role pickers
    page = client.get(view_url("assign_role", incident)).content.decode()
    assert f'value="{dana.pk}"' in page


def test_seen_7_a_non_staff_responder_group_member_is_eligible(
    client: Any, founder: Any, declare: Any, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Group

    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    eve = django_user_model.objects.create_user("eve", is_staff=False)
    eve.groups.add(Group.objects.get_or_create(name="Responders")[0])
    page = client.get(view_url("assign_role", incident)).content.decode()
    assert f'value="{eve.pk}"' in page


def test_seen_7_duplicate_username_names_the_field(client: Any, founder: Any) -> None:
    client.force_login(founder)
    response = client.post(ADD_URL, {"username": "founder"})
    assert response.status_code == 200
    assert "&#x27;founder&#x27; already exists." in response.content.decode()


def test_seen_7_several_roles_in_one_submit(
    client: Any, founder: Any, responder: Any, declare: Any, django_user_model: Any
) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    third = django_user_model.objects.create_user("third", is_staff=True)
    response = client.post(
        view_url("assign_role", incident),
        {
            "commander": founder.pk,
            "comms_lead": responder.pk,
            "scribe": third.pk,
            "investigator": [responder.pk, third.pk],
        },
    )
    assert response.status_code == 302
    current = set(
        IncidentRoleAssignment.objects.filter(
            incident=incident, relieved_at__isnull=True
        ).values_list("role", "user__username")
    )
    assert {
        ("commander", "founder"),
        ("comms_lead", "responder"),
        ("scribe", "third"),
        ("investigator", "responder"),
        ("investigator", "third"),
    } <= current


def test_seen_7_empty_role_form_says_what_to_do(client: Any, founder: Any, declare: Any) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    response = client.post(view_url("assign_role", incident), {})
    assert "Pick someone for at least one role." in response.content.decode()


def _picker(page: str, role: str) -> str:
    """The <select> of one role on the assign-roles page."""
    import re

    match = re.search(rf'<select name="{role}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no picker for {role}"
    return match.group(1)


def test_issue_25_a_user_made_elsewhere_is_made_a_responder_from_the_role_picker(
    client: Any, founder: Any, declare: Any, django_user_model: Any
) -> None:
    """Users → Add made "ravi", whom "Assign roles" never listed, and "Add responder"
    refused the same name with no way forward."""
    client.force_login(founder)
    incident = declare("SEV-2", actor=Actor.for_user(founder))
    ravi = django_user_model.objects.create_user("ravi", email="ravi@example.com")
    url = view_url("assign_role", incident)
    page = client.get(url).content.decode()
    assert f'value="{ravi.pk}"' not in _picker(page, "commander")

    # The role picker offers him, one click away
    assert 'id="make-responder"' in page
    assert f'<option value="{ravi.pk}">ravi</option>' in page
    response = client.post(
        f"/admin/incidents/incident/make-responder/?next={url}", {"user": ravi.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    ravi.refresh_from_db()
    assert ravi.is_staff
    assert "Responders" in ravi.groups.values_list("name", flat=True)
    assert f'value="{ravi.pk}"' in _picker(client.get(url).content.decode(), "commander")


def test_issue_25_add_responder_with_a_taken_name_offers_to_make_them_a_responder(
    client: Any, founder: Any, django_user_model: Any
) -> None:
    client.force_login(founder)
    ravi = django_user_model.objects.create_user("ravi")
    response = client.post(f"{ADD_URL}?next=/admin/", {"username": "Ravi"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "&#x27;Ravi&#x27; already exists" in page
    assert 'id="make-existing-responder"' in page
    assert f'name="user" value="{ravi.pk}"' in page
    response = client.post(
        "/admin/incidents/incident/make-responder/?next=/admin/", {"user": ravi.pk}
    )
    assert response.status_code == 302
    ravi.refresh_from_db()
    assert ravi.is_staff


def test_issue_25_making_a_responder_needs_the_right_to_change_users(
    client: Any, responder: Any, django_user_model: Any
) -> None:
    client.force_login(responder)
    ravi = django_user_model.objects.create_user("ravi")
    response = client.post("/admin/incidents/incident/make-responder/", {"user": ravi.pk})
    assert response.status_code == 403
    ravi.refresh_from_db()
    assert not ravi.is_staff
