"""Reads of the outbox for the doors: what became of a message, in words.

The outbox row is the one place that knows whether a message left (`status`,
`sent_at`, the provider's reference); pages that show a delivery read it here rather
than keeping a copy of their own that would go stale.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import formats, timezone

from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage

# The outbox prefixes each error with its attempt and time ("attempt 2 at 2026-03-02
# 13:00:05Z: …"); the words below say the attempts already.
_ATTEMPT_STAMP = re.compile(r"^attempt \d+ at [0-9-]+ [0-9:]+Z: ")


def human_time(value: datetime.datetime) -> str:
    """The admin's own date style ("March 2, 2026, 1:00:02 p.m."), with seconds: the
    pages beside it (paged at, acknowledged at) read the same way (issue 25)."""
    return formats.date_format(timezone.localtime(value), "N j, Y, g:i:s a")


def delivery_words(message: OutboxMessage, channel: Any = None) -> str:
    """A message's state in words: "sent March 2, 2026, 1:00:02 a.m. by Vonage",
    "pending (2 attempts): connection refused", "held: #alerts is disabled…".

    `channel` (the message's, when the caller has it loaded): a pending message of a
    disabled channel is not on its way, it is held; "pending" read as if it were."""
    if (
        message.status == OutboxStatus.PENDING
        and channel is not None
        and channel.pk == message.channel_id
        and not channel.enabled
    ):
        return (
            f"held: {channel.name} is disabled (sent when it is enabled, "
            "unless acknowledged or closed first)"
        )
    if message.sent_at:
        carrier = message.provider_ref.split(":", 1)[0] if ":" in message.provider_ref else ""
        by = f" by {carrier.capitalize()}" if carrier else ""
        return f"sent {human_time(message.sent_at)}{by}"
    words = message.get_status_display().lower()
    if message.last_error:
        error = _ATTEMPT_STAMP.sub("", message.last_error)
        return f"{words} ({message.attempts} attempts): {error[:120]}"
    return words
