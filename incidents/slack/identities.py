"""Slack user ↔ portal user: matched by e-mail, or linked once by the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from incidents.slack.models import SlackIdentity
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor


@audited_service
def remember_identity(
    *, user: Any, slack_user_id: str, source: str, actor: Actor | None
) -> SlackIdentity:
    """Link `user` to `slack_user_id` (replacing an older link of either side)."""
    actor = actor or Actor.system("slack")
    rows = list(
        SlackIdentity.objects.select_for_update()
        .filter(Q(user=user) | Q(slack_user_id=slack_user_id))
        .order_by("pk")
    )
    for row in rows:
        if row.user_id == user.pk and row.slack_user_id == slack_user_id:
            return row
    before = None
    for old in rows:
        before = {"user": old.user_id, "slack_user_id": old.slack_user_id}
        old.delete()
    identity = SlackIdentity.objects.create(
        user=user, slack_user_id=slack_user_id, source=source, linked_at=timezone.now()
    )
    record_action(
        actor,
        AuditAction.CREATE if before is None else AuditAction.UPDATE,
        identity,
        before=before,
        after={"user": user.pk, "slack_user_id": slack_user_id, "source": source},
    )
    return identity


def user_by_email(email: str) -> Any:
    """The one active portal user with this e-mail address, else None."""
    if not email:
        return None
    users = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def portal_user_for(slack_user_id: str, client: Any) -> Any:
    """The portal user acting in Slack: linked already, or matched by the e-mail
    address Slack has for them (users.info, scope users:read.email)."""
    identity = (
        SlackIdentity.objects.select_related("user").filter(slack_user_id=slack_user_id).first()
    )
    if identity is not None:
        return identity.user if identity.user.is_active else None
    from slack_sdk.errors import SlackApiError

    try:
        info = client.users_info(user=slack_user_id)
    except SlackApiError:
        return None
    email = (info.get("user") or {}).get("profile", {}).get("email", "")
    user = user_by_email(email)
    if user is not None:
        remember_identity(user=user, slack_user_id=slack_user_id, source="email", actor=None)
    return user
