"""The one door replies come back through (GoAlert's `notification.Receiver`).

A two-way provider (an emergency push's receipt, an SMS reply code, a key pressed on a
call) turns what the recipient did into a `Reply` about one outbox message and hands it
to `receive()`. Whoever sent the message for a reason (on-call, for a page) registers a
`Receiver` at start-up and decides what the reply means; the providers never name
on-call, and on-call never names a provider.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.db import models


class ReplyKind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATE = "escalate", "Asked to escalate"
    EXPIRED = "expired", "Expired unanswered"
    # Not a person's answer but the provider's: the message could not be delivered
    # (refused, failed, a disabled channel). The sender may try another way at once.
    UNDELIVERABLE = "undeliverable", "Could not be delivered"


@dataclass(frozen=True)
class Reply:
    kind: str  # ReplyKind
    via: str  # the provider's label, for the timeline ("Pushover", "SMS via Twilio")
    at: datetime.datetime | None = None
    detail: str = ""


class Receiver(Protocol):
    def receive(self, *, message_id: int, reply: Reply) -> bool:
        """Act on the reply; True when it changed something (it may arrive twice)."""
        ...

    def still_wanted(self, *, message_id: int) -> bool | None:
        """False once the message's reason is gone (the incident acknowledged or closed):
        it is not sent, and a provider's own retries (an emergency push ringing every
        minute) are cancelled. None: not a message this receiver knows."""
        ...


_receivers: list[Receiver] = []


def register(receiver: Receiver) -> None:
    """Called from an AppConfig.ready(); idempotent."""
    if receiver not in _receivers:
        _receivers.append(receiver)


def receive(*, message_id: int, reply: Reply) -> bool:
    return any([r.receive(message_id=message_id, reply=reply) for r in _receivers])


def still_wanted(*, message_id: int) -> bool | None:
    """False when a receiver says the message's reason is gone; None when none knows it."""
    answers = [r.still_wanted(message_id=message_id) for r in _receivers]
    if any(answer is False for answer in answers):
        return False
    return True if any(answer for answer in answers) else None
