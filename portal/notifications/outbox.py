"""The outbox's state machine: claim, send, mark; retry with backoff; recover stuck sends.

pending --claim--> sending --provider accepted--> sent
                           --provider refused---> pending (next attempt after a backoff)
                                                  or failed (after NOTIFY_MAX_ATTEMPTS)
sending --older than the send timeout (its worker died)--> pending

Writing messages into the outbox is `services.py`; the doors that drive this module are
the tasks (`tasks.py`: one message, a batch, the minute pass over due messages) and the
paging engine's delivery loop.

Delivery is at least once at the provider boundary: if a worker dies after the
provider accepted a message but before it was marked sent, the message goes back to
pending after `NOTIFY_SENDING_TIMEOUT` and is sent again. Everything before the
provider (the outbox row, the claim) is exactly once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from portal.kernel.batches import batch_size, max_batches
from portal.notifications import delivery, replies
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import NotificationChannel, OutboxMessage
from portal.notifications.providers import DeliveryError
from portal.notifications.replies import Reply, ReplyKind

logger = logging.getLogger("portal.notifications")

DELIVER_MANY_TASK = "portal.notifications.tasks.deliver_outbox_messages"


def max_attempts() -> int:
    return settings.NOTIFY_MAX_ATTEMPTS


def sending_timeout() -> datetime.timedelta:
    """How long a message may stay "sending" before it is presumed lost with its worker."""
    return datetime.timedelta(seconds=settings.NOTIFY_SENDING_TIMEOUT_SECONDS)


def backoff(attempts: int) -> datetime.timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at one hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claim(message_id: int, now: datetime.datetime) -> bool:
    """Pending and due -> sending, in one conditional UPDATE: only one worker wins."""
    claimed = (
        OutboxMessage.objects.filter(
            pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
        )
        .exclude(channel__in=NotificationChannel.objects.filter(enabled=False))
        .update(status=OutboxStatus.SENDING, sending_since=now, attempts=F("attempts") + 1)
    )
    return claimed == 1


def deliver_outbox_message(message_id: int) -> str:
    """Send one message if it is still pending and due; safe to run any number of times.

    Returns the resulting status (or "skipped" when another run owns it / it is done).
    """
    now = timezone.now()
    with transaction.atomic():
        if not _claim(message_id, now):
            return "skipped"
    message = OutboxMessage.objects.select_related("channel").get(pk=message_id)
    if replies.still_wanted(message_id=message_id) is False:
        # Its reason is gone (a page acknowledged, resolved or closed before it went
        # out): a stale page never reaches a phone.
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.CANCELLED, sending_since=None, next_attempt_at=None
        )
        return str(OutboxStatus.CANCELLED)
    try:
        provider, _ = delivery.provider_and_target(message)
        sent = delivery.send(message)
    except DeliveryError as exc:
        return _record_failure(message, str(exc))
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must not strand the row
        logger.exception("outbox message %s: unexpected error", message_id)
        return _record_failure(message, f"{type(exc).__name__}: {exc}")
    sent_at = timezone.now()
    # Two-way providers (an emergency push's receipt…) are checked back for the reply.
    follow_up = (
        {"provider_ref": sent.ref[:64], "follow_up_at": sent_at + provider.poll_every()}
        if sent.follow_up and provider.poll is not None
        else {"provider_ref": sent.ref[:64]}
    )
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SENT,
        sent_at=sent_at,
        sending_since=None,
        last_error="",
        **follow_up,
    )
    return str(OutboxStatus.SENT)


def _record_failure(message: OutboxMessage, error: str) -> str:
    now = timezone.now()
    gave_up = message.attempts >= max_attempts()
    status = OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=status,
        sending_since=None,
        last_error=f"attempt {message.attempts} at {now:%Y-%m-%d %H:%M:%S}Z: {error}"[:2000],
        next_attempt_at=None if gave_up else now + backoff(message.attempts),
    )
    logger.warning("outbox message %s attempt %s failed: %s", message.pk, message.attempts, error)
    if message.attempts == 1:
        # Said at the first failure, not after the last retry: whoever sent it (on-call,
        # for a page) tells the incident and tries another way now.
        try:
            provider, _ = delivery.provider_and_target(message)
            via = provider.label
        except DeliveryError:
            via = "its provider"
        replies.receive(
            message_id=message.pk,
            reply=Reply(ReplyKind.UNDELIVERABLE, via=via, detail=error[:200]),
        )
    return str(status)


def deliver_outbox_messages(message_ids: list[int]) -> dict[str, int]:
    """Deliver a batch (one task per sweeper batch instead of one per message)."""
    counts: dict[str, int] = {}
    for message_id in message_ids:
        result = str(deliver_outbox_message(message_id))
        counts[result] = counts.get(result, 0) + 1
    return counts


def release_stuck_messages(now: datetime.datetime | None = None) -> int:
    """A worker that died mid-send left its message in "sending": put it back."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING, sending_since__lt=now - sending_timeout()
    ).update(status=OutboxStatus.PENDING, sending_since=None, next_attempt_at=now)


def due_message_ids(now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .exclude(channel__enabled=False)  # they wait until the channel is enabled
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due_messages(now: datetime.datetime | None = None) -> int:
    """The minute pass: stuck "sending" rows back to pending, then the due pending rows
    (first sends and retries) to one worker batch. Returns how many were handed over."""
    now = now or timezone.now()
    release_stuck_messages(now)
    ids = due_message_ids(now, limit=batch_size() * max_batches())
    if ids:
        async_task(DELIVER_MANY_TASK, ids)
    return len(ids)
