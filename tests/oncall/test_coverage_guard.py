"""Issue 24, "Anyone on staff can leave the company with nobody on call": through the API
a staff user with no group and a Responder each deleted the founder's override and
removed the founder from the only 24/7 rotation, and `oncall now` said "nobody".

Only founders may leave an hour of the next 14 days with nobody on call, in every door
(API, CLI, admin); Responders take and give back their own overrides."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from incidents.oncall.models import Override, RotationMember
from incidents.oncall.selectors import who_is_on_call
from portal.kernel.actors import Actor

pytestmark = pytest.mark.django_db


def _client(user: User) -> APIClient:
    from portal.access.tokens import create_api_token

    _, key = create_api_token(user=user, name="t", read_only=False, actor=Actor.system("test"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _user(django_user_model: Any, name: str, group: str | None = None) -> User:
    user: User = django_user_model.objects.create_user(
        name, f"{name}@example.com", "pw-x-123456", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def only_founder(make_schedule: Any, founder: User) -> Any:
    """The only 24/7 rotation, with the founder its only member."""
    return make_schedule("Founders 24x7", [founder], start=datetime.date(2026, 1, 1))


@pytest.fixture
def lead(django_user_model: Any) -> User:
    """Not a founder, but granted the roster permissions (a "Team leads" group)."""
    user = _user(django_user_model, "lead")
    group = Group.objects.create(name="Team leads")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="oncall",
            codename__in=[
                "view_rotationmember",
                "add_rotationmember",
                "delete_rotationmember",
                "change_rotationmember",
                "view_rotation",
                "change_rotation",
                "view_override",
                "add_override",
                "delete_override",
                "view_schedule",
                "view_layer",
                "change_layer",
                "change_schedule",
            ],
        )
    )
    user.groups.add(group)
    return user


def _nobody_now() -> bool:
    return not who_is_on_call(timezone.now())


def test_a_staff_user_and_a_responder_cannot_remove_the_only_on_call_person(
    only_founder: Any, founder: User, django_user_model: Any
) -> None:
    member = RotationMember.objects.get(user=founder)
    for who in (_user(django_user_model, "staff"), _user(django_user_model, "resp", "Responders")):
        response = _client(who).delete(f"/api/v1/oncall/members/{member.pk}/")
        assert response.status_code == 403, response.content
    assert RotationMember.objects.filter(pk=member.pk).exists()
    assert not _nobody_now()


def test_a_non_founder_with_the_permission_is_refused_in_words_and_a_founder_may(
    only_founder: Any, founder: User, lead: User
) -> None:
    member = RotationMember.objects.get(user=founder)
    response = _client(lead).delete(f"/api/v1/oncall/members/{member.pk}/")
    assert response.status_code == 403, response.content
    words = response.json()["user"][0]
    assert words.startswith("This would leave Founders 24x7 with nobody on call from ")
    assert "only a founder may do that" in words
    assert RotationMember.objects.filter(pk=member.pk).exists()
    # With someone else in the rotation first, the lead may
    _client(lead).post(
        "/api/v1/oncall/members/", {"schedule": "Founders 24x7", "username": "lead"}, format="json"
    )
    assert _client(lead).delete(f"/api/v1/oncall/members/{member.pk}/").status_code == 204
    # A founder may leave it empty (and is told by `oncall check`, as before)
    last = RotationMember.objects.get()
    assert _client(founder).delete(f"/api/v1/oncall/members/{last.pk}/").status_code == 204
    assert _nobody_now()


def test_deleting_an_override_that_is_the_only_cover_is_refused(
    only_founder: Any, founder: User, lead: User, django_user_model: Any
) -> None:
    # Given the founder away tomorrow, the lead covering by an override
    RotationMember.objects.filter(user=founder).delete()
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    override = Override.objects.create(
        layer=only_founder.layer, user=lead, start=start, end=start + datetime.timedelta(days=30)
    )
    response = _client(lead).delete(f"/api/v1/oncall/overrides/{override.pk}/")
    assert response.status_code == 403, response.content
    assert "only a founder may do that" in response.json()["id"][0]
    assert Override.objects.filter(pk=override.pk).exists()


def test_responders_take_and_give_back_their_own_overrides_only(
    only_founder: Any, founder: User, django_user_model: Any
) -> None:
    resp = _user(django_user_model, "ravi", "Responders")
    client = _client(resp)
    start = timezone.now() + datetime.timedelta(days=2)
    window = {
        "schedule": "Founders 24x7",
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=8)).isoformat(),
    }
    taken = client.post("/api/v1/oncall/overrides/", {**window, "username": "ravi"}, format="json")
    assert taken.status_code == 201, taken.content
    # Not for someone else
    other = client.post(
        "/api/v1/oncall/overrides/", {**window, "username": "founder"}, format="json"
    )
    assert other.status_code == 403
    assert "your own overrides" in other.json()["username"][0]
    # Given back: the founder's rotation covers those hours again, so it is allowed
    assert client.delete(f"/api/v1/oncall/overrides/{taken.json()['id']}/").status_code == 204
    # Someone else's override is not theirs to delete
    theirs = Override.objects.create(
        layer=only_founder.layer, user=founder, start=start, end=start + datetime.timedelta(hours=1)
    )
    assert client.delete(f"/api/v1/oncall/overrides/{theirs.pk}/").status_code == 403


def test_the_cli_refuses_as_a_non_founder_in_one_line(
    only_founder: Any, founder: User, lead: User
) -> None:
    with pytest.raises(CommandError, match=r"^user: This would leave Founders 24x7 with nobody"):
        call_command("oncall", "--as", "lead", "member", "remove", "Founders 24x7", "founder")
    assert RotationMember.objects.filter(user=founder).exists()


def test_the_admin_inline_refuses_and_founders_alone_delete_schedules(
    only_founder: Any, founder: User, lead: User
) -> None:
    member = RotationMember.objects.get(user=founder)
    rotation = member.rotation
    client = Client()
    client.force_login(lead)
    url = f"/admin/oncall/rotation/{rotation.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {
        k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list)
    }
    data.update(
        {
            "name": rotation.name,
            "layer": rotation.layer_id,
            "kind": rotation.kind,
            "start_date": rotation.start_date.isoformat(),
            "handoff_time": rotation.handoff_time.strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": member.pk,
            "memberships-0-rotation": rotation.pk,
            "memberships-0-user": founder.pk,
            "memberships-0-position": member.position,
            "memberships-0-DELETE": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code  # the form again, with the error
    errors = [str(e) for e in response.context["errors"]] + [
        str(f.non_form_errors()) for f in response.context["inline_admin_formsets"]
    ]
    assert any("only a founder may do that" in e for e in errors), errors
    assert RotationMember.objects.filter(pk=member.pk).exists()
    # Deleting the schedule, layer or rotation: founders only
    assert client.get(f"/admin/oncall/rotation/{rotation.pk}/delete/").status_code == 403
    client.force_login(founder)
    assert client.get(f"/admin/oncall/rotation/{rotation.pk}/delete/").status_code == 200
