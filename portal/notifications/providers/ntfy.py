"""ntfy: push to phones subscribed to a topic, a page at priority 5 with an Acknowledge
button (https://docs.ntfy.sh/publish/#publish-as-json, #action-buttons).

The button POSTs the page's signed one-click acknowledge link, so the reply needs no
callback of ours: it comes back through the link like a click in an e-mail.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from portal.notifications.providers import DeliveryError, Provider, Sent, post

KIND = "ntfy"


def ntfy_payload(message: Any, topic: str) -> dict[str, Any]:
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


def _split(url: str) -> tuple[str, str, tuple[str, str] | None]:
    parts = urlsplit(url)
    topic = parts.path.strip("/")
    if parts.scheme not in ("http", "https") or not topic or "/" in topic:
        raise DeliveryError("the target is not an ntfy topic URL (https://host/topic)")
    host = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "")
    base = urlunsplit((parts.scheme, host, "", "", ""))
    auth = (parts.username, parts.password or "") if parts.username else None
    return base, topic, auth


def _send(message: Any, target: str) -> Sent:
    """`target` is the topic URL, e.g. https://ntfy.sh/acme-pages (credentials, if any,
    as https://user:pass@host/topic)."""
    base, topic, auth = _split(target)
    post("ntfy", base + "/", json=ntfy_payload(message, topic), auth=auth)
    return Sent()


def _check(target: str) -> str:
    try:
        _split(target)
    except DeliveryError as exc:
        return str(exc)
    return ""


PROVIDERS = (
    Provider(
        kind=KIND,
        label="ntfy (push to phones, with an Acknowledge button)",
        position=40,
        target_help="https://ntfy.sh/<topic> (or https://user:pass@host/topic)",
        send=_send,
        check=_check,
    ),
)
