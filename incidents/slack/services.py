"""Writes of the Slack app's configuration: credentials (founders only) and retries.

The war-room writes are the incident hooks in `war_room.py`; the worker's are in
`operations.py`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from incidents.slack.choices import CallStatus
from incidents.slack.models import SlackApp, SlackCall, mask
from incidents.slack.outbox import deliver_after_commit
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model


def may_configure(user: Any) -> bool:
    """Founders (the group holds every permission) and superusers."""
    return bool(user is not None and user.is_active and user.has_perm("slack.change_slackapp"))


def _public(app: SlackApp) -> dict[str, Any]:
    return {
        "bot_token": mask(app.bot_token),
        "signing_secret": mask(app.signing_secret),
        "team_id": app.team_id,
        "api_url": app.api_url,
        "enabled": app.enabled,
    }


@audited_service
def configure_slack_app(
    *,
    actor: Actor,
    bot_token: str | None = None,
    signing_secret: str | None = None,
    team_id: str | None = None,
    api_url: str | None = None,
    enabled: bool | None = None,
) -> SlackApp:
    """Set or rotate the app's credentials and settings. Founders only.

    A secret left as None (or blank) keeps its value, so a form never needs to show it.
    The audit entry holds masked values only.
    """
    if not may_configure(actor.user):
        raise DomainError("Only founders may change the Slack app's credentials.", field="actor")
    app, created = SlackApp.objects.select_for_update().get_or_create(pk=1)
    before = None if created else _public(app)
    rotated = False
    if bot_token and bot_token.strip() != app.bot_token:
        token = bot_token.strip()
        if not token.startswith("xoxb-"):
            raise DomainError("A bot token starts with xoxb-.", field="bot_token")
        app.bot_token, rotated = token, True
    if signing_secret and signing_secret.strip() != app.signing_secret:
        app.signing_secret, rotated = signing_secret.strip(), True
    if team_id is not None:
        app.team_id = team_id.strip()
    if api_url:
        app.api_url = api_url.strip() if api_url.strip().endswith("/") else api_url.strip() + "/"
    if enabled is not None:
        app.enabled = enabled
    if rotated:
        app.rotated_at, app.rotated_by = timezone.now(), actor.user
    validate_model(app)
    app.save()
    record_action(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        app,
        before=before,
        after=_public(app),
    )
    return app


@audited_service
def retry_call(*, call: SlackCall, actor: Actor) -> SlackCall:
    """Put a failed (or stuck) call back in the queue now (admin "Retry now")."""
    locked = SlackCall.objects.select_for_update().get(pk=call.pk)
    if locked.status == CallStatus.SENT:
        raise DomainError(f"Slack call {locked.pk} was sent; nothing to retry.", field="status")
    before = {"status": locked.status, "attempts": locked.attempts}
    locked.status, locked.next_attempt_at, locked.sending_since = (
        CallStatus.PENDING,
        timezone.now(),
        None,
    )
    locked.save(update_fields=["status", "next_attempt_at", "sending_since"])
    record_action(
        actor,
        AuditAction.UPDATE,
        locked,
        before=before,
        after={"status": locked.status},
    )
    deliver_after_commit(locked.incident_id, locked.pk)
    return locked
