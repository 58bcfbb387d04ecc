"""Chat, webhooks and SMS gateways through apprise URLs (https://github.com/caronc/apprise/wiki):
`slack://…`, `discord://…`, `workflows://…` (Microsoft Teams), `json://host/path`, and
SMS gateways apprise speaks. One sending path, several kinds (so the admin can say what a
channel is); the URL is never logged, it carries the provider's secret."""

from __future__ import annotations

import logging
from typing import Any

import apprise

from portal.notifications.providers import DeliveryError, Provider, Sent


def _send(message: Any, target: str) -> Sent:
    client = apprise.Apprise()
    if not client.add(target):
        raise DeliveryError("the channel's target is not a URL apprise understands")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = client.notify(title=message.subject, body=message.body)
        details = captured.getvalue().strip().splitlines()
    if not ok:
        raise DeliveryError("provider refused: " + (details[-1] if details else "no detail"))
    return Sent()


def _check(target: str) -> str:
    if not apprise.Apprise().add(target):
        return "Not a URL apprise understands (e.g. slack://…, discord://…, json://host/path)."
    return ""


def _kind(kind: str, label: str, position: int, example: str, here: str = "") -> Provider:
    return Provider(
        kind=kind,
        label=label,
        position=position,
        target_help=example,
        send=_send,
        check=_check,
        here_mention=here,
    )


PROVIDERS = (
    _kind("slack", "Slack", 10, "slack://TokenA/TokenB/TokenC/#channel", here="<!here>"),
    _kind("discord", "Discord", 20, "discord://webhook_id/webhook_token", here="@here"),
    _kind("msteams", "Microsoft Teams (Power Automate workflows://)", 30, "workflows://…"),
    _kind("webhook", "Generic JSON webhook", 70, "json://host/path"),
    _kind("sms", "SMS (through a provider)", 80, "an apprise SMS URL"),
)
