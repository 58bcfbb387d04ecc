"""API tokens: created and revoked with an audit entry naming the actor of each door
(`manage.py apitoken --as USER`, the CLI default, the admin); the key hash is redacted."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.access.models import ApiToken
from portal.access.tokens import grant_token_role
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

pytestmark = pytest.mark.django_db


def _entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return list(found.filter(action=action) if action else found)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("apitoken", *args, stdout=out)
    return out.getvalue()


def test_cli_as_user_creates_user_and_token_audited_as_that_user(founder: Any) -> None:
    run("--as", "founder", "create", "grafana", "--name", "dashboards")
    user = get_user_model().objects.get(username="grafana")
    token = ApiToken.objects.get(user=user)
    [made_user] = _entries(user, "create")
    [made_token] = _entries(token, "create")
    for entry in (made_user, made_token):
        assert (entry.actor_label, entry.actor_user_id) == ("founder", founder.pk)
    assert made_token.after is not None
    assert made_token.after["key_hash"] == "[redacted]"
    assert made_user.after is not None
    assert "password" not in made_user.after


def test_cli_without_as_audits_as_cli_and_revoke_records_before_and_after(
    founder: Any,
) -> None:
    run("create", "founder", "--name", "ci")
    token = ApiToken.objects.get(name="ci")
    run("revoke", token.prefix)
    created, revoked = _entries(token)
    assert (created.actor_label, created.actor_user_id) == ("cli", None)
    assert (revoked.action, revoked.actor_label) == ("update", "cli")
    assert revoked.before == {"revoked_at": None}
    assert revoked.after is not None
    assert revoked.after["revoked_at"] is not None


def test_cli_as_unknown_user_is_one_line_and_writes_nothing(founder: Any) -> None:
    with pytest.raises(CommandError, match=r"^--as: no active user 'ghost'$"):
        run("--as", "ghost", "create", "founder")
    assert not ApiToken.objects.exists()


def test_admin_create_and_revoke_audit_as_the_logged_in_user(
    admin_client: Any, admin_user: Any, founder: Any
) -> None:
    admin_client.post("/admin/portal/apitoken/add/", {"name": "Grafana", "user": founder.pk})
    token = ApiToken.objects.get(name="Grafana")
    admin_client.post(
        "/admin/portal/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    created, revoked = _entries(token)
    for entry in (created, revoked):
        assert (entry.actor_label, entry.actor_user_id) == (admin_user.username, admin_user.pk)
    assert revoked.after is not None
    assert revoked.after["revoked_at"] is not None


def test_role_of_a_new_token_user_is_granted_and_audited_as_the_actor(founder: Any) -> None:
    # Given a name no user has, when a founder creates a read-only token for it
    run("--as", "founder", "create", "grafana", "--read-only")
    # then the new user is in Auditors, and the grant names the founder
    user = get_user_model().objects.get(username="grafana")
    assert list(user.groups.values_list("name", flat=True)) == ["Auditors"]
    [grant] = _entries(user, "grant")
    assert (grant.actor_label, grant.actor_user_id) == ("founder", founder.pk)
    assert grant.after is not None
    assert grant.after["groups"]["objects"] == ["Auditors"]


def test_role_for_an_existing_user_is_granted_once(founder: Any, responder: Any) -> None:
    run("--as", "founder", "create", "responder", "--role", "Auditors", "--name", "a")
    run("--as", "founder", "create", "responder", "--role", "Auditors", "--name", "b")
    assert responder.groups.filter(name="Auditors").exists()
    assert len(_entries(responder, "grant")) == 1


def test_role_whose_group_is_missing_is_refused_naming_the_role(founder: Any) -> None:
    Group.objects.filter(name="Auditors").delete()
    with pytest.raises(CommandError, match=r"^role: No group 'Auditors'; run migrate first\.$"):
        run("create", "founder", "--role", "Auditors")
    assert not ApiToken.objects.exists()


def test_grant_token_role_refuses_an_unknown_role(founder: Any) -> None:
    with pytest.raises(DomainError) as exc:
        grant_token_role(user=founder, role="Janitors", actor=Actor.system("cli"))
    assert exc.value.field == "role"
