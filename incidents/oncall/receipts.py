"""Closing the loop from Pushover: poll the receipts of emergency pages.

Run by the engine's delivery loop (it talks to the provider, like delivery does) and by
the minute sweeper. A receipt is due when its `receipt_check_at` has passed; each poll
first pushes that time on by `PUSHOVER_RECEIPT_POLL_SECONDS` with a conditional UPDATE,
so two engines never poll the same receipt in the same round. An acknowledged receipt
acknowledges the page (and the incident) as the paged person, exactly once
(`services.acknowledge_by_receipt` locks and closes the row); an expired one, or one
whose incident was acknowledged or closed another way, is closed (and its retries
cancelled).
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from incidents.choices import OPEN_STATUSES
from incidents.oncall.models import Page
from incidents.oncall.services import acknowledge_by_receipt, close_receipt
from portal.notifications import pushover
from portal.notifications.choices import ChannelKind
from portal.notifications.models import OutboxMessage
from portal.notifications.outbox import receipt_poll_interval

logger = logging.getLogger("incidents.oncall.receipts")


def _claim(message: OutboxMessage, now: datetime.datetime) -> bool:
    return (
        OutboxMessage.objects.filter(
            pk=message.pk, receipt_check_at=message.receipt_check_at
        ).update(receipt_check_at=now + receipt_poll_interval())
        == 1
    )


def poll_receipts(now: datetime.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Poll every due receipt once; returns counts by outcome."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(receipt_check_at__lte=now)
        .select_related("channel")
        .order_by("receipt_check_at", "pk")[:limit]
    )
    counts: dict[str, int] = {}
    if not due:
        return counts
    pages = {
        p.message_id: p
        for p in Page.objects.filter(message__in=due).select_related("incident", "user")
    }
    for message in due:
        if not _claim(message, now):
            continue
        outcome = _poll_one(message, pages.get(message.pk))
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _poll_one(message: OutboxMessage, page: Page | None) -> str:
    channel = message.channel
    if page is None or channel is None or channel.kind != ChannelKind.PUSHOVER:
        close_receipt(message_id=message.pk)
        return "closed"
    try:
        token = pushover.parse_target(channel.target).app_token
        status = pushover.receipt_status(token, message.receipt)
    except pushover.PushoverError as exc:
        # Tried again at the next poll; the page's other steps go on meanwhile.
        logger.warning("receipt of outbox message %s: %s", message.pk, exc)
        return "error"
    if status.acknowledged:
        return "acknowledged" if acknowledge_by_receipt(message_id=message.pk) else "closed"
    incident = page.incident
    if status.expired:
        close_receipt(message_id=message.pk)
        return "expired"
    if incident.acknowledged_at is not None or incident.status not in OPEN_STATUSES:
        # Acknowledged elsewhere (the link, the admin, another page): stop the phone ringing.
        try:
            pushover.cancel_receipt(token, message.receipt)
        except pushover.PushoverError as exc:
            logger.warning("cancelling receipt of outbox message %s: %s", message.pk, exc)
            return "error"
        close_receipt(message_id=message.pk)
        return "cancelled"
    return "pending"
