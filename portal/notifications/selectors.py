"""Reads of the outbox for the doors: what became of a message, in words.

The outbox row is the one place that knows whether a message left (`status`,
`sent_at`, the provider's reference); pages that show a delivery read it here rather
than keeping a copy of their own that would go stale.
"""

from __future__ import annotations

from portal.notifications.models import OutboxMessage


def delivery_words(message: OutboxMessage) -> str:
    """A message's state in words: "sent 01:00:02 UTC by Vonage", "pending (2 attempts): …"."""
    if message.sent_at:
        carrier = message.provider_ref.split(":", 1)[0] if ":" in message.provider_ref else ""
        by = f" by {carrier.capitalize()}" if carrier else ""
        return f"sent {message.sent_at:%b %d %H:%M:%S} UTC{by}"
    words = message.get_status_display().lower()
    if message.last_error:
        return f"{words} ({message.attempts} attempts): {message.last_error[:120]}"
    return words
