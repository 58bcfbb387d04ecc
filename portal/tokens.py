"""API token writes (the `apitoken` command, the admin and tests call these)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.actors import Actor
from portal.audit.scope import audited_service
from portal.audit.services import record_changed, record_created
from portal.audit.snapshots import snapshot
from portal.errors import DomainError
from portal.models import ApiToken, hash_token_key

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


@audited_service
def create_token_user(*, username: str, actor: Actor) -> Any:
    """A user for a machine's token (the `apitoken create` of an unknown name): no
    password, not staff."""
    user_model = get_user_model()
    user = user_model._default_manager.create_user(**{user_model.USERNAME_FIELD: username})
    user.set_unusable_password()
    user.save()
    record_created(actor, user, fields=[*TOKEN_USER_ATTS, "id"])
    return user
