"""Writes of the notification outbox (SPEC §5).

Every outgoing message is an `OutboxMessage` row written in the caller's
transaction; the worker delivers it after the commit. Nothing here talks to a
provider: that is `portal.notifications.delivery`, called by the tasks. The
channels and routes themselves are written by `portal.notifications.channels`.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.scope import audited_service
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.notifications.choices import Audience, OutboxStatus
from portal.notifications.models import NotificationChannel, NotificationRoute, OutboxMessage
from portal.notifications.providers import phone_sms

logger = logging.getLogger(__name__)

DELIVER_TASK = "portal.notifications.tasks.deliver_outbox_message"
DELIVER_MANY_TASK = "portal.notifications.tasks.deliver_outbox_messages"
CONSOLE_DESTINATION = "console"


@dataclass(frozen=True)
class Route:
    destination: str
    channel: NotificationChannel | None = None
    recipient: str = ""


def _level_code(incident: Any, severity: Any) -> str:
    if severity is not None:
        return str(getattr(severity, "code", severity))
    if incident is not None and incident.severity_id is not None:
        return str(incident.severity.code)
    return ""


def _routes_by_level(rules: list[NotificationRoute], code: str) -> list[Route]:
    channels = {r.channel_id: r.channel for r in rules if r.level_code in (code, "*")}
    return [
        Route(destination=f"channel:{c.pk}", channel=c)
        for c in sorted(channels.values(), key=lambda c: c.pk)
    ]


# A rule whose level code is "internal:S1" (or "internal:*") routes the team's own
# comms updates (the comms app's internal channel) of that level, instead of the
# level's alert routing: 004 alerts in #errors but posts its updates in #ops.
INTERNAL_COMMS_PREFIX = "internal:"


def internal_comms_channels(level_code: str) -> list[NotificationChannel]:
    """The channels routed for internal comms updates of `level_code` (may be [])."""
    codes = (INTERNAL_COMMS_PREFIX + level_code, INTERNAL_COMMS_PREFIX + "*")
    rules = NotificationRoute.objects.filter(enabled=True, level_code__in=codes).select_related(
        "channel"
    )
    channels = {rule.channel_id: rule.channel for rule in rules}
    return [channels[pk] for pk in sorted(channels)]


def notification_routes() -> list[NotificationRoute]:
    """Enabled rules, whatever their channel's state: a message routed to a disabled
    channel is written and stays pending until the channel is enabled (never diverted)."""
    return list(
        NotificationRoute.objects.filter(enabled=True).select_related("channel").order_by("pk")
    )


def _routes(
    *,
    incident: Any,
    severity: Any,
    channel: NotificationChannel | None,
    recipient_user: Any,
    recipient_email: str,
    audience: str,
    rules: list[NotificationRoute] | None,
) -> list[Route]:
    if channel is not None:
        return [Route(destination=f"channel:{channel.pk}", channel=channel)]
    if recipient_user is not None or recipient_email:
        address = recipient_email or (getattr(recipient_user, "email", "") or "")
        if not address:
            # Kept (and visible as failed in the admin) rather than silently dropped.
            return [Route(destination=f"user:{recipient_user.pk}", recipient="")]
        return [Route(destination=f"email:{address.lower()}", recipient=address)]
    if audience == Audience.CUSTOMER:
        raise DomainError("A customer message needs a recipient_email.", field="recipient_email")
    routes = _routes_by_level(
        rules if rules is not None else notification_routes(), _level_code(incident, severity)
    )
    # No rule matched: the worker log still shows it, so nothing vanishes unseen.
    return routes or [Route(destination=CONSOLE_DESTINATION)]


def build_messages(
    *,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    incident: Any = None,
    severity: Any = None,
    channel: NotificationChannel | None = None,
    recipient_user: Any = None,
    recipient_email: str = "",
    audience: str = Audience.INTERNAL,
    data: dict[str, Any] | None = None,
    rules: list[NotificationRoute] | None = None,
    now: datetime.datetime | None = None,
) -> list[OutboxMessage]:
    """Unsaved outbox rows for one notification (routing applied). `rules` lets a
    batch caller load the routing rules once."""
    if not dedupe_key or len(dedupe_key) > 255:
        raise DomainError("dedupe_key must be 1 to 255 characters.", field="dedupe_key")
    if audience not in Audience.values:
        raise DomainError(f"Unknown audience {audience!r}.", field="audience")
    now = now or timezone.now()
    sandboxed = audience == Audience.CUSTOMER and incident is not None and incident.is_drill
    messages = []
    for route in _routes(
        incident=incident,
        severity=severity,
        channel=channel,
        recipient_user=recipient_user,
        recipient_email=recipient_email,
        audience=audience,
        rules=rules,
    ):
        messages.append(
            OutboxMessage(
                kind=kind[:40],
                channel=route.channel,
                recipient=route.recipient,
                recipient_user=recipient_user,
                audience=audience,
                destination=route.destination[:300],
                dedupe_key=dedupe_key,
                subject=subject[:300],
                body=body,
                data=data or {},
                incident=incident,
                status=OutboxStatus.SANDBOXED if sandboxed else OutboxStatus.PENDING,
                next_attempt_at=None if sandboxed else now,
                created_at=now,
            )
        )
    return messages


def deliver_after_commit(ids: list[int]) -> None:
    if not ids:
        return

    def _enqueue() -> None:
        from django_q.tasks import async_task

        if len(ids) == 1:
            async_task(DELIVER_TASK, ids[0])
        else:
            async_task(DELIVER_MANY_TASK, ids)

    transaction.on_commit(_enqueue)


@audited_service
def enqueue_notification(
    *,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str,
    incident: Any = None,
    severity: Any = None,
    channel: NotificationChannel | None = None,
    recipient_user: Any = None,
    recipient_email: str = "",
    audience: str = Audience.INTERNAL,
    data: dict[str, Any] | None = None,
) -> list[OutboxMessage]:
    """Write the outbox rows of one notification in the caller's transaction.

    Routing: an explicit `channel`; else a user / email address (email); else the
    channels whose routing rules match the incident's (or `severity`'s) level code.
    Idempotent per (`dedupe_key`, destination): a repeated call writes nothing and
    returns []. A customer message about a drill is stored as sandboxed, never sent.
    Delivery is enqueued after the commit.
    """
    created: list[OutboxMessage] = []
    for message in build_messages(
        kind=kind,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        incident=incident,
        severity=severity,
        channel=channel,
        recipient_user=recipient_user,
        recipient_email=recipient_email,
        audience=audience,
        data=data,
    ):
        try:
            # A savepoint per row: a duplicate (even a concurrent one, which waits for
            # the other transaction) leaves the caller's transaction usable.
            with transaction.atomic():
                message.save()
        except IntegrityError:
            continue
        created.append(message)
    deliver_after_commit([m.pk for m in created if m.status == OutboxStatus.PENDING])
    return created


@audited_service
def enqueue_many(messages: list[OutboxMessage]) -> list[int]:
    """Insert rows built by `build_messages` in one statement, skipping duplicates, and
    enqueue one delivery task for the batch. Constant queries per batch (the sweeper).
    Returns the ids of the batch's pending messages."""
    if not messages:
        return []
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    ids = list(
        OutboxMessage.objects.filter(
            dedupe_key__in={m.dedupe_key for m in messages}, status=OutboxStatus.PENDING, attempts=0
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deliver_after_commit(ids)
    return ids


def enqueue_sms_reply(
    *, to: str, text: str, carrier: str, in_reply_to: str, data: dict[str, Any] | None = None
) -> OutboxMessage | None:
    """The portal's answer to an SMS (`phone_replies.answer_sms`), texted back to `to`
    through `carrier` first (the one the person texted; `phone_sms` sends it). One per
    inbound message (`in_reply_to`, the carrier's id for it): a repeated webhook writes
    nothing and gets None. Written in the caller's transaction, delivered after it."""
    now = timezone.now()
    message = OutboxMessage(
        kind=phone_sms.REPLY_KIND,
        provider_kind=phone_sms.KIND,
        recipient=to,
        audience=Audience.INTERNAL,
        destination=f"phone:{to}"[:300],
        dedupe_key=f"reply:{in_reply_to}"[:255],
        subject=text[:300],
        body="",
        data={**(data or {}), "carrier": carrier, "in_reply_to": in_reply_to},
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return None
    deliver_after_commit([message.pk])
    return message


def sms_reply_written(*, in_reply_to: str) -> bool:
    """The inbound message `in_reply_to` was answered already (a repeated webhook)."""
    return OutboxMessage.objects.filter(
        kind=phone_sms.REPLY_KIND, dedupe_key=f"reply:{in_reply_to}"[:255]
    ).exists()


@audited_service
def retry_message(*, message: OutboxMessage, actor: Actor) -> OutboxMessage:
    """Put a failed (or stuck) message back in the queue now (admin "Retry now")."""
    locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status in (OutboxStatus.SENT, OutboxStatus.SANDBOXED):
        raise DomainError(
            f"Message {locked.pk} is {locked.get_status_display().lower()}; nothing to retry.",
            field="status",
        )
    locked.status = OutboxStatus.PENDING
    locked.next_attempt_at = timezone.now()
    locked.sending_since = None
    locked.save(update_fields=["status", "next_attempt_at", "sending_since"])
    logger.info("outbox message %s queued again by %s", locked.pk, actor.label)
    deliver_after_commit([locked.pk])
    return locked
