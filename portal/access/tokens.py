"""API token writes (the `apitoken` command, the admin and tests call these)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.access.models import ApiToken, hash_token_key
from portal.audit.choices import AuditAction
from portal.audit.roles import AUDITORS, RESPONDERS, ROLES
from portal.audit.scope import audited_service
from portal.audit.services import record_action, record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError

# What an audit entry of a new user made for a token shows (never the password hash).
TOKEN_USER_ATTS = ("username", "is_active", "is_staff", "is_superuser")


@audited_service
def create_api_token(
    *, user: Any, name: str, read_only: bool, actor: Actor
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the clear key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Name the token (where it is used).", field="name")
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        name=name[:100],
        user=user,
        key_hash=hash_token_key(key),
        prefix=key[:8],
        read_only=read_only,
    )
    record_created(actor, token)  # key_hash shows as [redacted]
    return token, key


@audited_service
def revoke_api_token(*, token: ApiToken, actor: Actor) -> ApiToken:
    token = ApiToken.objects.select_for_update(of=("self",)).select_related("user").get(pk=token.pk)
    if token.revoked_at is None:
        before = snapshot(token, ["revoked_at"])
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_changed(actor, token, before)
    return token


def default_token_role(*, read_only: bool) -> str:
    """The role a user made for a token gets when none is asked for."""
    return AUDITORS if read_only else RESPONDERS


@audited_service
def create_token_user(*, username: str, role: str, actor: Actor) -> Any:
    """A user for a machine's token (the `apitoken create` of an unknown name): no
    password, not staff, in `role` (a token can do what its user's roles allow, so a
    new user needs one). Raises DomainError on `role`."""
    user_model = get_user_model()
    user = user_model._default_manager.create_user(**{user_model.USERNAME_FIELD: username})
    user.set_unusable_password()
    user.save()
    record_created(actor, user, fields=[*TOKEN_USER_ATTS, "id"])
    grant_token_role(user=user, role=role, actor=actor)
    return user


@audited_service
def grant_token_role(*, user: Any, role: str, actor: Actor) -> bool:
    """Add a token's user to the role (group) `role`, audited as a grant by `actor`.
    Returns False when the user already had it (nothing written). Raises DomainError on
    `role` for an unknown role or one whose group is missing."""
    if role not in ROLES:
        raise DomainError(f"No role {role!r}; use one of {', '.join(ROLES)}.", field="role")
    group = Group.objects.filter(name=role).first()
    if group is None:
        raise DomainError(f"No group {role!r}; run migrate first.", field="role")
    if user.groups.filter(pk=group.pk).exists():
        return False
    user.groups.add(group)  # the audit signal stays silent inside a service: entry below
    change = {"groups": {"ids": [group.pk], "objects": [str(group)]}}
    record_action(
        actor,
        AuditAction.GRANT,
        user,
        after=change,
    )
    return True
