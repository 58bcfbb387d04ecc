"""Sending one outbox message to its provider: apprise for chat, webhooks and SMS,
Django's email backend for email, the log for the console. Called only by tasks."""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import apprise
from django.conf import settings
from django.core.mail import EmailMessage

from portal.notifications import pushover
from portal.notifications.choices import ChannelKind
from portal.notifications.email_headers import email_headers, reply_to
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
        EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            headers=email_headers(message),
            reply_to=reply_to(message),
        ).send(fail_silently=False)
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


def ntfy_payload(message: OutboxMessage, topic: str) -> dict[str, Any]:
    """ntfy's JSON publish body (https://docs.ntfy.sh/publish/#publish-as-json): a page
    rings at priority 5 (max) with an "Acknowledge" HTTP action that POSTs the page's
    signed one-click acknowledge link, so the phone closes the loop without an app of ours."""
    payload: dict[str, Any] = {
        "topic": topic,
        "title": message.subject[:250],
        "message": message.body,
        "priority": 5 if message.kind == "page" else 3,
        "tags": ["rotating_light"] if message.kind == "page" else [],
    }
    ack = (message.data or {}).get("ack_url")
    if ack:
        payload["actions"] = [
            {"action": "http", "label": "Acknowledge", "url": ack, "method": "POST", "clear": True},
            {"action": "view", "label": "Open", "url": ack},
        ]
    return payload


def _send_ntfy(message: OutboxMessage, url: str) -> None:
    """`url` is the topic URL, e.g. https://ntfy.sh/acme-pages (credentials, if any, as
    https://user:pass@host/topic)."""
    import requests

    parts = urlsplit(url)
    topic = parts.path.strip("/")
    if parts.scheme not in ("http", "https") or not topic or "/" in topic:
        raise DeliveryError("the channel's target is not an ntfy topic URL (https://host/topic)")
    base = urlunsplit((parts.scheme, parts.hostname or "", "", "", ""))
    if parts.port:
        base = urlunsplit((parts.scheme, f"{parts.hostname}:{parts.port}", "", "", ""))
    auth = (parts.username, parts.password or "") if parts.username else None
    try:
        response = requests.post(
            base + "/", json=ntfy_payload(message, topic), auth=auth, timeout=10
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"ntfy: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"ntfy refused: HTTP {response.status_code} {response.text[:200]}")


def _send_pushover(message: OutboxMessage, url: str) -> str:
    """A page at emergency priority (its receipt is returned, to be polled for the
    acknowledgement); anything else at normal priority."""
    ack = (message.data or {}).get("ack_url", "")
    try:
        return pushover.send_message(
            pushover.parse_target(url),
            title=message.subject,
            message=message.body,
            emergency=message.kind == "page",
            url=ack,
            url_title="Acknowledge" if ack else "",
        )
    except pushover.PushoverError as exc:
        raise DeliveryError(str(exc)) from exc


def send(message: OutboxMessage) -> str:
    """Deliver `message` once or raise DeliveryError; returns the provider's receipt to
    poll for an acknowledgement (Pushover emergency pages), else ""."""
    channel = message.channel
    if channel is None:
        if message.recipient:
            _send_email(message, message.recipient)
        elif message.destination == "console":
            _send_console(message)
        else:
            raise DeliveryError("no address to send to (the user has no email address)")
        return ""
    if channel.kind == ChannelKind.PUSHOVER:
        return _send_pushover(message, channel.target)
    if channel.kind == ChannelKind.CONSOLE:
        _send_console(message)
    elif channel.kind == ChannelKind.EMAIL:
        _send_email(message, channel.target)
    elif channel.kind == ChannelKind.NTFY:
        _send_ntfy(message, channel.target)
    else:
        _send_apprise(message, channel.target)
    return ""
