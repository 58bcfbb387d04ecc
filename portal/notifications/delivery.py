"""Sending one outbox message to its provider: apprise for chat, webhooks and SMS,
Django's email backend for email, the log for the console. Called only by tasks."""

from __future__ import annotations

import logging
import sys

import apprise
from django.conf import settings
from django.core.mail import send_mail

from portal.notifications.choices import ChannelKind
from portal.notifications.models import OutboxMessage

logger = logging.getLogger("portal.notifications")


class DeliveryError(Exception):
    """The provider refused or could not be reached; the message will be retried."""


def _send_console(message: OutboxMessage) -> None:
    where = message.channel.name if message.channel else message.destination
    text = f"[notification → {where}] {message.subject}\n{message.body}\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    logger.info("console notification %s: %s", message.pk, message.subject)


def _send_email(message: OutboxMessage, address: str) -> None:
    try:
        send_mail(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            fail_silently=False,
        )
    except Exception as exc:  # noqa: BLE001 - any backend error is a failed attempt
        raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from exc


def _send_apprise(message: OutboxMessage, url: str) -> None:
    client = apprise.Apprise()
    if not client.add(url):
        # The URL itself is never logged: it carries the provider's secret.
        raise DeliveryError("the channel's target is not a URL apprise understands")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = client.notify(title=message.subject, body=message.body)
        details = captured.getvalue().strip().splitlines()
    if not ok:
        raise DeliveryError("provider refused: " + (details[-1] if details else "no detail"))


def send(message: OutboxMessage) -> None:
    """Deliver `message` once or raise DeliveryError."""
    channel = message.channel
    if channel is None:
        if message.recipient:
            _send_email(message, message.recipient)
        elif message.destination == "console":
            _send_console(message)
        else:
            raise DeliveryError("no address to send to (the user has no email address)")
        return
    if channel.kind == ChannelKind.CONSOLE:
        _send_console(message)
    elif channel.kind == ChannelKind.EMAIL:
        _send_email(message, channel.target)
    else:
        _send_apprise(message, channel.target)
