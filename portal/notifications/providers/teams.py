"""Microsoft Teams through a Workflows webhook ("When a Teams webhook request is
received" → "Post card in a chat or channel"): a person's own chat with the Workflows bot,
or a team channel. Office 365 connectors are retired; Workflows take Adaptive Cards only.

Reference: https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
(the `{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": {AdaptiveCard}}]}` body) and
.../how-to/add-incoming-webhook (28 KB per message; more than four requests a second are
throttled with HTTP 429). The trigger answers 202 Accepted.

The card's buttons are links (Action.OpenUrl): the page's signed one-click acknowledge
link, the incident, a verification link. A workflow cannot call back into the portal
without a premium connector, so the acknowledgement comes back through the link, as
from an e-mail.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from portal.notifications.providers import DeliveryError, Provider, Sent, post

KIND = "teams"
LABEL = "Microsoft Teams (Workflows webhook)"
MAX_BYTES = 28 * 1024
# Plain http only to this machine (a local relay, a test stand-in): a workflow URL
# carries its signature (`sig=`) and must not cross a network in clear.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _buttons(message: Any) -> list[dict[str, str]]:
    data = message.data or {}
    found = []
    for key, title in (
        ("ack_url", "Acknowledge"),
        ("incident_url", "Open incident"),
        ("verify_url", "Verify"),
    ):
        if data.get(key):
            found.append({"type": "Action.OpenUrl", "title": title, "url": data[key]})
    return found


def card(message: Any, *, body_limit: int = 4000) -> dict[str, Any]:
    """The Workflows message: one Adaptive Card with the subject, the body and buttons."""
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.subject[:300],
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                **({"color": "Attention"} if message.kind == "page" else {}),
            },
            {"type": "TextBlock", "text": message.body[:body_limit], "wrap": True},
        ],
        "actions": _buttons(message),
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def _payload(message: Any) -> bytes:
    limit = 4000
    while True:
        data = json.dumps(card(message, body_limit=limit)).encode()
        if len(data) <= MAX_BYTES or limit <= 200:
            return data
        limit //= 2


def _check(target: str) -> str:
    parts = urlsplit(target.strip())
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return ""
    return (
        "Give the Workflows webhook URL (https://…), from Teams: Workflows → "
        '"Send webhook alerts to a chat" → copy the URL.'
    )


def _send(message: Any, target: str) -> Sent:
    problem = _check(target)
    if problem:
        raise DeliveryError(f"Teams: {problem}")
    post(
        "Teams",
        target,
        data=_payload(message),
        headers={"Content-Type": "application/json"},
        detail=_detail,
    )
    return Sent()


def _detail(response: Any) -> str:
    """Logic Apps' `{"error": {"code", "message"}}`, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return str(response.text[:200])
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code', '')} {error.get('message', '')}".strip()
    return str(response.text[:200])


PROVIDERS = (
    Provider(
        kind=KIND,
        label=LABEL,
        position=55,
        target_help="the Workflows webhook URL (Teams → Workflows → "
        '"Send webhook alerts to a chat/channel")',
        send=_send,
        check=_check,
    ),
)
