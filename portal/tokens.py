"""API token writes (the `apitoken` command, the admin and tests call these)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from incidents.exceptions import DomainError
from portal.actors import Actor
from portal.models import ApiToken, hash_token_key


@transaction.atomic
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
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
