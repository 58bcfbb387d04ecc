"""Issue 26, "sign-off is invented": 001–004 showed approver "loadpolicy", approved at
load time, and 001 ("Status: Planned") became the active, approved policy. A preset now
loads in force but awaiting a founder's sign-off, which is a person's act, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from incidents.policies import activate_policy_version
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "preset", ["founder-24x7", "rotation-small-team", "ops-platform", "follow-the-sun", "s-levels"]
)
def test_a_loaded_preset_is_in_force_and_awaits_a_founders_sign_off(
    preset: str, load_policy: Any
) -> None:
    version = load_policy(preset)
    assert version.status == "active"
    assert (version.approved_by, version.approver_name, version.approved_at) == (None, "", None)


def test_loadpolicy_says_it_awaits_sign_off_and_approve_as_a_founder_signs(founder: User) -> None:
    out = io.StringIO()
    call_command("loadpolicy", "rotation-small-team", stdout=out)
    assert "Awaiting a founder's sign-off" in out.getvalue()
    out = io.StringIO()
    call_command("loadpolicy", "rotation-small-team", "--approve", "--as", "founder", stdout=out)
    from incidents.selectors import active_policy_version

    version = active_policy_version()
    assert version.approved_by == founder
    assert version.approver_name == "founder"
    assert version.approved_at is not None
    assert "Signed off by founder" in out.getvalue()
    entry = AuditEntry.objects.filter(
        object_type="incidents.policyversion", actor_label="founder"
    ).latest("id")
    assert entry.after is not None
    assert entry.after["approver_name"] == "founder"


def test_nobody_signs_off_as_the_system(load_policy: Any) -> None:
    version = load_policy("founder-24x7")
    with pytest.raises(DomainError, match="a person's act"):
        activate_policy_version(version=version, actor=Actor.system("loadpolicy"))


def test_the_admin_action_signs_off_the_version_in_force(load_policy: Any, founder: User) -> None:
    version = load_policy("founder-24x7")
    client = Client()
    client.force_login(founder)
    response = client.post(
        "/admin/incidents/policyversion/",
        {"action": "sign_off_and_activate", "_selected_action": [version.pk]},
        follow=True,
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.approved_by == founder
    assert "signed off by founder" in response.content.decode()
