"""A person's Slack direct message as a notification provider: the contact method of
kind `slack_dm` (a Slack member ID), carried by the installed Slack app.

`chat.postMessage` with the member ID as `channel` posts in the app's direct-message
conversation with them (https://api.slack.com/methods/chat.postMessage, "channel":
"an encoded ID or name … or a user ID to send a DM"), with Acknowledge and Open buttons
(Block Kit `actions`, https://api.slack.com/reference/block-kit/block-elements#button).
Acknowledge is an interactive button: Slack signs the click and names who clicked, so
it counts only when that is the member the message went to, and it goes back through
the one door of replies (`portal.notifications.replies`) like an SMS reply code.

The provider lives here, not in `portal/notifications/providers/`, because it needs the
app's token from this add-on's tables; `SlackConfig.ready()` registers it.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackApiError

from portal.notifications import replies
from portal.notifications.models import OutboxMessage
from portal.notifications.providers import DeliveryError, Provider, Sent
from portal.notifications.replies import Reply, ReplyKind

KIND = "slack_dm"
ACK_ACTION = "page.acknowledge_mine"
VIA = "Slack"
MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{6,20}$")


def _escape(text: str) -> str:
    # Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def blocks(message: Any) -> list[dict[str, Any]]:
    data = message.data or {}
    text = f"*{_escape(message.subject)}*\n{_escape(message.body)}"
    found: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    ]
    buttons: list[dict[str, Any]] = []
    if message.kind == "page" and message.pk:
        buttons.append(
            {
                "type": "button",
                "action_id": ACK_ACTION,
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": str(message.pk),
                "style": "primary",
            }
        )
    if data.get("incident_url"):
        buttons.append(
            {
                "type": "button",
                "action_id": "page.open",
                "text": {"type": "plain_text", "text": "Open incident"},
                "url": data["incident_url"],
            }
        )
    if data.get("verify_url"):
        buttons.append(
            {
                "type": "button",
                "action_id": "contact.verify",
                "text": {"type": "plain_text", "text": "Verify"},
                "url": data["verify_url"],
                "style": "primary",
            }
        )
    if buttons:
        found.append({"type": "actions", "elements": buttons})
    return found


def _send(message: Any, target: str) -> Sent:
    from incidents.slack.operations import web_client
    from incidents.slack.war_room import installed_app

    app = installed_app()
    if app is None:
        raise DeliveryError(
            "the Slack app is not set up (Admin → Slack), so no Slack direct message can be sent"
        )
    try:
        response = web_client(app).chat_postMessage(
            channel=target,
            text=f"{message.subject}\n{message.body}",
            blocks=blocks(message),
            unfurl_links=False,
        )
    except SlackApiError as exc:
        raise DeliveryError(f"Slack refused: {exc.response.get('error', 'error')}") from exc
    except OSError as exc:
        raise DeliveryError(f"Slack could not be reached: {type(exc).__name__}") from exc
    return Sent(ref=str(response.get("ts", "")))


def _check(target: str) -> str:
    if MEMBER_ID.match(target.strip()):
        return ""
    return "Give a Slack member ID, e.g. U012AB3CD (profile → ⋮ → Copy member ID)."


def acknowledge_from_slack(payload: dict[str, Any], value: str) -> str:
    """The Acknowledge button of a page DM: the answer to show the one who clicked."""
    clicked_by = str((payload.get("user") or {}).get("id", ""))
    message = (
        OutboxMessage.objects.select_related("incident")
        .filter(pk=int(value) if value.isdigit() else 0, provider_kind=KIND, kind="page")
        .first()
    )
    if message is None:
        return "This page is no longer known: nothing changed."
    if message.recipient != clicked_by:
        return "This page was sent to someone else: nothing changed."
    ref = message.incident.ref if message.incident is not None else "The page"
    reply = Reply(kind=ReplyKind.ACKNOWLEDGED, via=VIA)
    if replies.receive(message_id=message.pk, reply=reply):
        return f"{ref}: acknowledged, you are on it."
    return f"{ref}: already acknowledged or over; nothing changed."


PROVIDER = Provider(
    kind=KIND,
    label="Slack direct message (through the Slack app)",
    position=60,
    target_help="a Slack member ID, e.g. U012AB3CD",
    send=_send,
    check=_check,
    here_mention="<!here>",
)
