"""Writes of the notification channels and routes (admin, API, CLI, presets), with
the rules every write path shares, and the CLI's test message.

A channel's target can carry a provider's credentials: the audit log records it
masked with a fingerprint, and which of its parts a change moved (scheme, host,
secret), never its value (portal.notifications.targets).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.audit.scope import audited_service
from portal.audit.services import prepare_created, record_changed, record_created, record_entries
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import NotificationChannel, NotificationRoute, OutboxMessage
from portal.notifications.providers import kinds, provider_for
from portal.notifications.services import deliver_after_commit, enqueue_notification
from portal.notifications.targets import changed_parts, described, internal_address

CHANNEL_ATTS = ("kind", "target", "enabled", "description")


def target_audit(
    before: tuple[str, str] | None, after: tuple[str, str]
) -> dict[str, dict[str, Any]] | None:
    """The audit entry's lines about a target moving from `before` to `after` ((kind,
    target) pairs; None before for a new channel), or None when it did not move.

    Before and after show the target masked with its fingerprint; `target_changed`
    lists the parts that moved (scheme, host, secret). Never the target itself."""
    if before is None:
        return {"before": {}, "after": {"target": described(*after)}}
    if before[1] == after[1]:
        return None
    return {
        "before": {"target": described(*before)},
        "after": {"target": described(*after), "target_changed": changed_parts(before, after)},
    }


def _check_channel(channel: NotificationChannel, *, stored_target: str | None) -> None:
    """The rules of every write path (admin, API, CLI, presets); DomainError names the field.

    `stored_target` is the target saved before (None for a new channel): a retired URL
    already stored (disabled by migration 0005) does not block other edits."""
    if provider_for(channel.kind) is None:
        raise DomainError(
            f"Unknown channel kind {channel.kind!r}; one of {', '.join(kinds())}.",
            field="kind",
        )
    if channel.target != stored_target and channel.target.lower().startswith("msteams://"):
        raise DomainError(
            "Microsoft retired Office 365 connectors (msteams://): create a Power Automate "
            "workflow and use its apprise workflows:// URL.",
            field="target",
        )
    validate_model(channel)


@audited_service
def save_channel(
    *,
    name: str,
    kind: str,
    target: str = "",
    enabled: bool = True,
    description: str = "",
    actor: Actor,
) -> NotificationChannel:
    """Create or update a channel by name, every field given (presets, demo, the admin)."""
    channel = NotificationChannel.objects.select_for_update().filter(name=name).first()
    created = channel is None
    if channel is None:
        channel = NotificationChannel(name=name)
    # The target (an apprise URL) carries the provider's credentials: the audit log
    # says what part of it changed, never what it is (`target_audit`).
    before = snapshot(channel, [name for name in CHANNEL_ATTS if name != "target"])
    stored_target = None if created else channel.target
    stored = None if created else (channel.kind, channel.target)
    channel.kind, channel.target, channel.enabled, channel.description = (
        kind,
        target,
        enabled,
        description,
    )
    _check_channel(channel, stored_target=stored_target)
    channel.save()
    target_lines = target_audit(stored, (channel.kind, channel.target))
    if created:
        entry = prepare_created(actor, channel)
        entry.after = {**(entry.after or {}), **(target_lines or {}).get("after", {})}
        record_entries([entry])
    else:
        record_changed(actor, channel, before, extra=target_lines)
    return channel


@audited_service
def save_notification_route(
    *, level_code: str, channel: NotificationChannel, actor: Actor, enabled: bool | None = None
) -> NotificationRoute:
    """Route `level_code` (or * for all) to `channel`; idempotent. `enabled` switches an
    existing rule; left out, a rule someone disabled stays disabled (preset reloads)."""
    level_code = (level_code or "").strip()
    if not level_code:
        raise DomainError("A severity code (or *) is required.", field="level_code")
    rule, created = NotificationRoute.objects.select_for_update().get_or_create(
        level_code=level_code,
        channel=channel,
        defaults={"enabled": True if enabled is None else enabled},
    )
    if created:
        record_created(actor, rule)
    elif enabled is not None and enabled != rule.enabled:
        before = snapshot(rule, ["enabled"], redacted=False)
        rule.enabled = enabled
        rule.save(update_fields=["enabled"])
        record_changed(actor, rule, before)
    return rule


@audited_service
def update_channel(
    *,
    name: str,
    actor: Actor,
    kind: str | None = None,
    target: str | None = None,
    enabled: bool | None = None,
    description: str | None = None,
) -> NotificationChannel:
    """Create (`kind` needed) or change a channel by name; only the given fields change.
    Messages already waiting for a disabled channel go out once it is enabled."""
    channel = NotificationChannel.objects.select_for_update().filter(name=name).first()
    stored_target = None if channel is None else channel.target
    stored = None if channel is None else (channel.kind, channel.target)
    if channel is None:
        if not kind:
            raise DomainError(f"No channel named {name!r}; give --kind to create it.", field="kind")
        channel = NotificationChannel(name=name, kind=kind)
        before = None
    else:
        before = snapshot(channel, [name for name in CHANNEL_ATTS if name != "target"])
    if kind is not None:
        channel.kind = kind
    if target is not None:
        channel.target = target
    if enabled is not None:
        channel.enabled = enabled
    if description is not None:
        channel.description = description
    _check_channel(channel, stored_target=stored_target)
    channel.save()
    # The target carries the provider's secret: the audit says which part of it moved.
    target_lines = target_audit(stored, (channel.kind, channel.target))
    if before is None:
        entry = prepare_created(actor, channel)
        entry.after = {**(entry.after or {}), **(target_lines or {}).get("after", {})}
        record_entries([entry])
    else:
        record_changed(actor, channel, before, extra=target_lines)
    if channel.enabled:
        waiting = list(
            OutboxMessage.objects.filter(channel=channel, status=OutboxStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        deliver_after_commit(waiting)
    return channel


def send_test_message(*, channel: NotificationChannel, actor: Actor) -> OutboxMessage:
    """Write a test message to `channel` and deliver it now, in this process; returns the
    message with its resulting status and error (the API, the CLI `channel test NAME`).

    Refused (DomainError on `target`) when the channel's server is on this machine or a
    private network, unless `CHANNEL_TEST_PRIVATE_TARGETS` allows it: a test send
    reports how the server answered, which would map the portal's own network."""
    from portal.notifications.outbox import deliver_outbox_message

    if not channel.enabled:
        raise DomainError(f"Channel {channel.name} is disabled; enable it first.", field="enabled")
    if not settings.CHANNEL_TEST_PRIVATE_TARGETS:
        address = internal_address(channel.kind, channel.target)
        if address is not None:
            raise DomainError(
                f"Channel {channel.name} points at an internal address ({address}); a test "
                "send goes only to public servers unless CHANNEL_TEST_PRIVATE_TARGETS is on.",
                field="target",
            )
    now = timezone.now()
    [message] = enqueue_notification(
        kind="test",
        subject=f"Test from the incident portal ({actor.label})",
        body=f"A test message to {channel.name}, sent {now:%Y-%m-%d %H:%M:%S}Z.",
        dedupe_key=f"test:{channel.pk}:{now.isoformat()}",
        channel=channel,
    )
    deliver_outbox_message(message.pk)
    message.refresh_from_db()
    return message
