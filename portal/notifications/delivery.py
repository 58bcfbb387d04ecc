"""Sending one outbox message through its provider (`portal/notifications/providers/`).

A message goes to its channel's provider with the channel's target; a message without a
channel goes to its `provider_kind` at its recipient (a person's contact method), else
by e-mail to its recipient, or to the console. Called only by the outbox.
"""

from __future__ import annotations

from portal.notifications.models import OutboxMessage
from portal.notifications.providers import DeliveryError, Provider, Sent, provider_for


def provider_and_target(message: OutboxMessage) -> tuple[Provider, str]:
    channel = message.channel
    if channel is not None:
        kind, target = channel.kind, channel.target
    elif message.provider_kind:
        kind, target = message.provider_kind, message.recipient
    elif message.destination == "console":
        kind, target = "console", ""
    else:
        kind, target = "email", message.recipient
    provider = provider_for(kind)
    if provider is None:
        raise DeliveryError(f"no provider for the kind {kind!r}")
    return provider, target


def send(message: OutboxMessage) -> Sent:
    """Deliver `message` once or raise DeliveryError; returns what the provider answered."""
    provider, target = provider_and_target(message)
    return provider.send(message, target)
