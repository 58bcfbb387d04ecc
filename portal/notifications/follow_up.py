"""Checking back with two-way providers for the recipient's reply.

Run by the engine's delivery loop (it talks to providers, like delivery does) and by the
minute sweeper. A message is due when its `follow_up_at` has passed; each check first
pushes that time on by the provider's interval with a conditional UPDATE, so two engines
never check the same message in the same round. A reply goes through the one door
(`replies.receive`); a message whose reason is gone (`replies.still_wanted` is False:
acknowledged elsewhere, closed) has the provider's own retries cancelled; either way the
follow-up is then closed.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from portal.audit.scope import audited_service
from portal.audit.services import record_changed
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.notifications import replies
from portal.notifications.delivery import provider_and_target
from portal.notifications.models import OutboxMessage
from portal.notifications.providers import DeliveryError

logger = logging.getLogger("portal.notifications.follow_up")


def _claim(message: OutboxMessage, now: datetime.datetime, every: datetime.timedelta) -> bool:
    return (
        OutboxMessage.objects.filter(pk=message.pk, follow_up_at=message.follow_up_at).update(
            follow_up_at=now + every
        )
        == 1
    )


def poll_due(now: datetime.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Check every due message once; returns counts by outcome."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(follow_up_at__lte=now)
        .select_related("channel")
        .order_by("follow_up_at", "pk")[:limit]
    )
    counts: dict[str, int] = {}
    for message in due:
        outcome = _check_one(message, now)
        if outcome:
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _check_one(message: OutboxMessage, now: datetime.datetime) -> str:
    try:
        provider, target = provider_and_target(message)
    except DeliveryError:
        close_follow_up(message_id=message.pk)
        return "closed"
    if not _claim(message, now, provider.poll_every()):
        return ""
    if provider.poll is None:
        close_follow_up(message_id=message.pk)
        return "closed"
    try:
        reply = provider.poll(message, target)
    except DeliveryError as exc:
        # Checked again next time; the page's other steps go on meanwhile.
        logger.warning("follow-up of outbox message %s: %s", message.pk, exc)
        return "error"
    if reply is not None:
        handled = replies.receive(message_id=message.pk, reply=reply)
        close_follow_up(message_id=message.pk)
        return str(reply.kind) if handled or reply.kind != "acknowledged" else "closed"
    if replies.still_wanted(message_id=message.pk) is False:
        # Acknowledged elsewhere (the link, the admin, another page): stop the phone ringing.
        if provider.cancel is not None:
            try:
                provider.cancel(message, target)
            except DeliveryError as exc:
                logger.warning("cancelling outbox message %s: %s", message.pk, exc)
                return "error"
        close_follow_up(message_id=message.pk)
        return "cancelled"
    return "pending"


@audited_service
def close_follow_up(*, message_id: int, actor: Actor | None = None) -> bool:
    """Stop checking a message (answered, expired, cancelled); True when this call closed it."""
    message = OutboxMessage.objects.select_for_update(of=("self",)).filter(pk=message_id).first()
    if message is None or message.follow_up_at is None:
        return False
    before = snapshot(message, ["follow_up_at"])
    message.follow_up_at = None
    message.save(update_fields=["follow_up_at"])
    record_changed(actor or Actor.system("provider follow-up"), message, before)
    return True
