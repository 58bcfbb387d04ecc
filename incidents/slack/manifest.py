"""The Slack app manifest the portal serves: scopes (each with why) and request URLs
filled from PORTAL_BASE_URL."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

# Every bot scope the app asks for, and the one reason it needs it.
BOT_SCOPES: dict[str, str] = {
    "channels:manage": "create the incident channel, invite the responders, archive it at close "
    "(conversations.create, conversations.invite, conversations.archive)",
    "channels:read": "know the public channels it posts in (channel ids in events)",
    "channels:history": "read the message a responder marks with :memo: to copy it to the "
    "timeline (conversations.history, conversations.replies)",
    "chat:write": "post the announcement, status updates, the resolution and answers "
    "(chat.postMessage, chat.update, chat.postEphemeral)",
    "chat:write.public": "post in a named channel such as #alerts without being invited first",
    "commands": "the /incident slash command",
    "pins:read": "receive pin_added events: pinned messages land on the timeline",
    "pins:write": "pin the runbook links in the war room (pins.add)",
    "reactions:read": "receive reaction_added events for the :memo: mark",
    "users:read": "read a Slack user's profile to map them to a portal user (users.info)",
    "users:read.email": "map Slack users and portal users by e-mail address "
    "(users.lookupByEmail, users.info)",
}
BOT_EVENTS = ("pin_added", "reaction_added")


def request_url(name: str) -> str:
    return settings.PORTAL_BASE_URL + reverse(name)


def build_manifest() -> dict[str, Any]:
    name = settings.PORTAL_NAME[:35]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "War rooms, announcements and /incident for the incident portal.",
            "background_color": "#7a1f1f",
        },
        "features": {
            "bot_user": {"display_name": "incident-bot", "always_online": True},
            "slash_commands": [
                {
                    "command": "/incident",
                    "url": request_url("slack:commands"),
                    "description": "Open, acknowledge, update, resolve an incident; who is on call",
                    "usage_hint": 'open --sev 2 --summary "…" | ack | update | resolve | oncall',
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": sorted(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {
                "request_url": request_url("slack:events"),
                "bot_events": list(BOT_EVENTS),
            },
            "interactivity": {
                "is_enabled": True,
                "request_url": request_url("slack:interactions"),
            },
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
