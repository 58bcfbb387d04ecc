"""The war room feeds the timeline: a message pinned in it, or marked with the
:memo: reaction, becomes a timeline entry with its author and its time (once)."""

from __future__ import annotations

from typing import Any

from incidents import events
from incidents.choices import TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.services.guards import lock_incident
from incidents.slack.identities import portal_user_for
from incidents.slack.models import SlackApp, WarRoom
from incidents.slack.operations import message_time, web_client
from portal.audit.scope import audited_service
from portal.kernel.actors import Actor

MARK_REACTION = "memo"


@audited_service
def record_channel_message(
    *, incident: Incident, author: Actor, text: str, ts: str, how: str
) -> TimelineEntry | None:
    """One timeline entry per Slack message, however often it is pinned or marked."""
    incident = lock_incident(incident)
    if TimelineEntry.objects.filter(incident=incident, data__slack_ts=ts).exists():
        return None
    return events.record(
        incident,
        TimelineKind.NOTE,
        f"From Slack ({how}): {text.strip()}"[:4000],
        actor=author,
        at=message_time(ts),
        data={"slack": how, "slack_ts": ts},
    )


def _author(slack_user_id: str, client: Any) -> Actor:
    user = portal_user_for(slack_user_id, client) if slack_user_id else None
    if user is not None:
        return Actor.for_user(user)
    return Actor.system(f"Slack user {slack_user_id or 'unknown'}")


def _room(channel_id: str) -> WarRoom | None:
    return WarRoom.objects.select_related("incident").filter(channel_id=channel_id).first()


def _marked_message(client: Any, room: WarRoom, channel: str, ts: str) -> dict[str, Any]:
    if room.thread_ts:
        found = client.conversations_replies(
            channel=channel, ts=room.thread_ts, latest=ts, oldest=ts, inclusive=True, limit=1
        )
    else:
        found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    for message in found.get("messages") or []:
        if message.get("ts") == ts:
            return dict(message)
    return {}


def run_event(payload: dict[str, Any]) -> str:
    event = payload.get("event") or {}
    kind = event.get("type")
    app = SlackApp.objects.filter(pk=1).first()
    if app is None or not app.is_ready:
        return "not installed"
    client = web_client(app)
    if kind == "pin_added":
        channel = event.get("channel_id", "")
        message = (event.get("item") or {}).get("message") or {}
        how = "pinned"
    elif kind == "reaction_added" and event.get("reaction") == MARK_REACTION:
        item = event.get("item") or {}
        channel = item.get("channel", "")
        room = _room(channel)
        if room is None:
            return "not a war room"
        message = _marked_message(client, room, channel, item.get("ts", ""))
        how = f":{MARK_REACTION}:"
    else:
        return "ignored"
    room = _room(channel)
    if room is None or not message.get("ts"):
        return "not a war room"
    if message.get("bot_id"):
        return "the app's own message"  # the runbook it pinned is on the timeline already
    entry = record_channel_message(
        incident=room.incident,
        author=_author(message.get("user", ""), client),
        text=message.get("text", ""),
        ts=message["ts"],
        how=how,
    )
    return "recorded" if entry is not None else "already on the timeline"
