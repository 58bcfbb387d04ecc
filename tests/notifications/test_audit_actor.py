"""Channel configuration and routing are audited with their actor; the outbox is not."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.channels import save_channel, save_notification_route
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import NotificationChannel, OutboxMessage
from portal.notifications.services import enqueue_notification, retry_message


def _entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return list(found.filter(action=action) if action else found)


def test_channel_create_and_edit_and_rule_carry_the_actor(db: Any, founder: Any) -> None:
    actor = Actor.for_user(founder)
    channel = save_channel(name="#errors", kind="console", actor=actor)
    save_channel(name="#errors", kind="console", enabled=False, actor=Actor.system("preset"))
    rule = save_notification_route(level_code="*", channel=channel, actor=actor)
    save_notification_route(level_code="*", channel=channel, actor=actor)  # idempotent: no entry
    created, edited = _entries(channel)
    assert (created.action, created.actor_label, created.actor_user_id) == (
        "create",
        "founder",
        founder.pk,
    )
    assert (edited.actor_label, edited.before, edited.after) == (
        "preset",
        {"enabled": True},
        {"enabled": False},
    )
    [ruled] = _entries(rule)
    assert (ruled.action, ruled.actor_label) == ("create", "founder")


def test_generic_admin_channel_page_is_recorded_by_the_safety_net_as_the_user(
    admin_client: Any, admin_user: Any
) -> None:
    response = admin_client.post(
        "/admin/notifications/notificationchannel/add/",
        {"name": "Founder email", "kind": "email", "target": "f@example.com", "enabled": "on"},
    )
    assert response.status_code == 302
    [entry] = _entries(NotificationChannel.objects.get(name="Founder email"))
    assert (entry.action, entry.actor_label, entry.actor_user_id) == (
        "create",
        admin_user.username,
        admin_user.pk,
    )


def test_outbox_rows_and_retries_write_no_audit_entry(db: Any, founder: Any) -> None:
    [message] = enqueue_notification(
        kind="test", subject="Hi", body="Body", dedupe_key="k1", recipient_user=founder
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED)
    retry_message(message=message, actor=Actor.for_user(founder))
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING
    assert not AuditEntry.objects.filter(object_type="notifications.outboxmessage").exists()


def test_a_channel_target_never_reaches_the_audit_log(db: Any, founder: Any) -> None:
    # An apprise URL carries the provider's credentials (a webhook token, a password).
    actor = Actor.for_user(founder)
    first = "slack://T000/B000/first-secret-token"
    second = "slack://T000/B000/second-secret-token"
    channel = save_channel(name="#ops", kind="slack", target=first, actor=actor)
    save_channel(name="#ops", kind="slack", target=second, actor=actor)
    created, edited = _entries(channel)
    assert created.after is not None
    assert created.after["target"].startswith("slack://*** #")
    # The change is told by its parts and fingerprints, never by the URL
    assert edited.before is not None
    assert edited.after is not None
    assert edited.after["target_changed"] == ["secret"]
    assert edited.before["target"].startswith("slack://*** #")
    assert edited.before["target"] != edited.after["target"]
    for entry in AuditEntry.objects.all():
        text = f"{entry.before} {entry.after} {entry.object_repr}"
        assert "secret-token" not in text


def test_a_channel_target_applied_from_the_configuration_stays_out_of_the_audit_log(
    db: Any, founder: Any
) -> None:
    from portal.audit.scope import audited_service
    from portal.project.configuration.writers import write_channel

    item = {
        "name": "#ops",
        "kind": "slack",
        "target": "slack://T000/B000/config-secret-token",
        "enabled": True,
        "description": "",
    }
    # As `manage.py config apply` runs it: inside an audited service.
    apply = audited_service(write_channel)
    apply(item, None, None, Actor.for_user(founder), "channels[0]")  # type: ignore[arg-type]
    channel = NotificationChannel.objects.get(name="#ops")
    [created] = _entries(channel)
    assert created.after is not None
    assert created.after["target"].startswith("slack://*** #")
    assert "config-secret-token" not in str(created.after)
