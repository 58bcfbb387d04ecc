"""Carrying out one outbox call against Slack's Web API with `slack_sdk`.

Called only by the worker (`tasks.deliver_calls`). Each operation is written so that
running it again after a partial failure does no harm (the channel id, thread and
announcement timestamps are saved as soon as Slack returns them).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from incidents import events
from incidents.choices import TimelineKind
from incidents.models import Incident
from incidents.slack import direct_messages, messages
from incidents.slack.choices import IdentitySource, Operation, WarRoomMode
from incidents.slack.identities import remember_identity
from incidents.slack.models import SlackApp, SlackCall, SlackIdentity, WarRoom
from portal.audit.choices import AuditAction
from portal.audit.scope import audited_service
from portal.audit.services import record_action
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage

SLACK_ACTOR = Actor.system("slack")


class CallFailed(Exception):
    """Slack refused or could not be reached; the call is retried with backoff."""


def web_client(app: SlackApp) -> WebClient:
    # No SDK-level retries: the outbox retries with backoff and keeps the error visible.
    return WebClient(token=app.bot_token, base_url=app.api_url, timeout=10, retry_handlers=[])


def channel_id_of(name: str) -> str:
    return name.lstrip("#")


@audited_service
def record_step(incident: Incident, message: str, *, operation: str, **data: Any) -> None:
    """Each Slack step lands on the incident's timeline (with its audit entry)."""
    events.record(
        incident,
        TimelineKind.NOTE,
        f"Slack: {message}",
        actor=SLACK_ACTOR,
        data={"slack": operation, **data},
    )


def save_room(room: WarRoom, fields: list[str], before: dict[str, Any]) -> None:
    """Save what Slack returned on the war room, with its audit entry."""
    with transaction.atomic():
        room.save(update_fields=fields)
        record_action(
            SLACK_ACTOR,
            AuditAction.UPDATE,
            room,
            before=before,
            after={f: str(getattr(room, f)) for f in fields},
        )


def _room(call: SlackCall) -> WarRoom:
    if call.incident_id is None:
        raise CallFailed(f"{call.operation} needs an incident")
    return WarRoom.objects.select_related("incident").get(incident_id=call.incident_id)


def _target(room: WarRoom) -> tuple[str, str | None]:
    """Where to post: the channel, and in thread mode the thread."""
    channel = room.channel_id or channel_id_of(room.channel_name)
    return channel, (room.thread_ts or None)


def _open(client: WebClient, call: SlackCall) -> None:
    room = _room(call)
    if room.channel_id:
        return
    name = channel_id_of(room.channel_name)[:80]
    try:
        response = client.conversations_create(name=name, is_private=False)
    except SlackApiError as exc:
        if exc.response.get("error") != "name_taken":
            raise
        # Same title on the same day: keep the playbook's name, made unique by the ref.
        name = f"{name[:70]}-{room.incident.ref.rsplit('-', 1)[-1]}"
        response = client.conversations_create(name=name, is_private=False)
    channel = response["channel"]
    before = {"channel_id": "", "channel_name": room.channel_name}
    room.channel_id, room.channel_name, room.opened_at = channel["id"], f"#{name}", timezone.now()
    save_room(room, ["channel_id", "channel_name", "opened_at"], before)
    record_step(room.incident, f"channel #{name} created.", operation="open", channel=channel["id"])


def slack_user_id_for(client: WebClient, user: Any) -> str | None:
    """The user's Slack id: known already, or looked up by e-mail (and remembered)."""
    known = SlackIdentity.objects.filter(user=user).values_list("slack_user_id", flat=True).first()
    if known:
        return known
    if not user.email:
        return None
    try:
        response = client.users_lookupByEmail(email=user.email)
    except SlackApiError as exc:
        if exc.response.get("error") == "users_not_found":
            return None
        raise
    slack_id = str(response["user"]["id"])
    remember_identity(user=user, slack_user_id=slack_id, source=IdentitySource.EMAIL, actor=None)
    return slack_id


def _invite(client: WebClient, call: SlackCall) -> None:
    from django.contrib.auth import get_user_model

    from incidents.slack.war_room import responders

    room = _room(call)
    if call.params.get("user_ids"):
        users = list(get_user_model().objects.filter(pk__in=call.params["user_ids"]))
    else:
        users = responders(room.incident)
    found = {u.get_username(): slack_user_id_for(client, u) for u in users}
    slack_ids = sorted({s for s in found.values() if s})
    missing = sorted(name for name, s in found.items() if not s)
    channel, thread = _target(room)
    if slack_ids and room.mode == WarRoomMode.CHANNEL:
        try:
            client.conversations_invite(channel=channel, users=",".join(slack_ids))
        except SlackApiError as exc:
            if exc.response.get("error") != "already_in_channel":
                raise
    elif slack_ids:
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text="Responders: " + " ".join(f"<@{s}>" for s in slack_ids),
        )
    text = f"{len(slack_ids)} responder(s) invited to {room.channel_name}."
    if missing:
        text += f" No Slack account found for: {', '.join(missing)}."
    record_step(room.incident, text, operation="invite", slack_users=slack_ids)


def _announce(client: WebClient, call: SlackCall) -> None:
    room = _room(call)
    if room.announcement_ts:
        return
    channel, _ = _target(room)
    from incidents.slack.war_room import level_setting

    text = call.params["text"]
    incident = room.incident
    setting = level_setting(incident)
    if incident.commander is not None and setting is not None:
        # Written in the declaring transaction, before anyone was looked up in Slack:
        # the commander becomes a mention now that the worker can ask Slack who they are.
        slack_id = slack_user_id_for(client, incident.commander)
        if slack_id:
            text = messages.announcement_text(
                incident, setting, room.channel_name, commander_mention=f"<@{slack_id}>"
            )
    response = client.chat_postMessage(
        channel=channel,
        text=text,
        blocks=messages.announcement_blocks(text, call.params["ref"]),
    )
    before = {"announcement_ts": "", "channel_id": room.channel_id, "thread_ts": room.thread_ts}
    room.announcement_ts = str(response["ts"])
    fields = ["announcement_ts"]
    if room.mode != WarRoomMode.CHANNEL:
        # The announcement is the war-room thread's first message (000's "#alerts").
        room.channel_id, room.thread_ts = str(response["channel"]), room.announcement_ts
        room.opened_at = room.opened_at or timezone.now()
        fields += ["channel_id", "thread_ts", "opened_at"]
    save_room(room, fields, before)
    where = "thread opened in " if room.mode == WarRoomMode.THREAD else "in "
    record_step(
        room.incident,
        f"announcement posted {where}{room.channel_name}.",
        operation="announce",
        ts=room.announcement_ts,
    )


def _pin_runbooks(client: WebClient, call: SlackCall) -> None:
    room = _room(call)
    channel, thread = _target(room)
    links = call.params.get("links", [])
    text = "📖 Runbook: " + " · ".join(links)
    posted = call.result.get("ts")
    if not posted:
        posted = str(client.chat_postMessage(channel=channel, thread_ts=thread, text=text)["ts"])
        SlackCall.objects.filter(pk=call.pk).update(result={"ts": posted})
    try:
        client.pins_add(channel=channel, timestamp=posted)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_pinned":
            raise
    record_step(room.incident, f"runbook pinned: {', '.join(links)}.", operation="pin", ts=posted)


def _post(client: WebClient, call: SlackCall) -> None:
    room = _room(call)
    channel, thread = _target(room)
    client.chat_postMessage(channel=channel, thread_ts=thread, text=call.params["text"])


def _close(client: WebClient, call: SlackCall) -> None:
    room = _room(call)
    if room.closed_at is not None:
        return
    channel, thread = _target(room)
    if room.mode == WarRoomMode.CHANNEL and room.channel_id:
        client.chat_postMessage(channel=channel, text=call.params.get("text", "Closed."))
        try:
            client.conversations_archive(channel=channel)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_archived":
                raise
        what = f"channel {room.channel_name} archived."
    elif room.announcement_ts:
        client.chat_postMessage(channel=channel, thread_ts=thread, text=call.params.get("text"))
        client.chat_update(
            channel=channel,
            ts=room.announcement_ts,
            text=f"[closed] {room.incident.severity.code}: {room.incident.title}",
            blocks=[],
        )
        what = f"thread in {room.channel_name} closed."
    else:
        what = "war room closed (it was never opened in Slack)."
    room.closed_at = timezone.now()
    save_room(room, ["closed_at"], {"closed_at": None})
    record_step(room.incident, what, operation="close")


def _page(client: WebClient, call: SlackCall) -> None:
    """A page as a direct message with the buttons (chat.postMessage to a user id)."""
    from django.contrib.auth import get_user_model

    from incidents.slack.war_room import still_paging

    user = get_user_model().objects.get(pk=call.params["user_id"])
    incident = Incident.objects.get(pk=call.params["incident_id"])
    # Through the incident's relation: on-call is another add-on, never imported here.
    answered = incident.pages.filter(user=user, acknowledged_at__isnull=False).exists()
    if answered or not still_paging(incident):
        # Queued before the incident was acknowledged, mitigated or closed: stale now.
        record_step(
            incident,
            f"page to {user.get_username()} not sent in Slack: already acknowledged or over.",
            operation="page",
        )
        return
    if OutboxMessage.objects.filter(
        incident=incident, recipient_user=user, kind="page", provider_kind=direct_messages.KIND
    ).exists():
        # Their own Slack contact method carries the page (with its rules): one DM, not two.
        record_step(
            incident,
            f"page to {user.get_username()} goes by their own Slack contact method.",
            operation="page",
        )
        return
    slack_id = slack_user_id_for(client, user)
    if slack_id is None:
        record_step(
            incident,
            f"no Slack account for {user.get_username()}: page not sent in Slack.",
            operation="page",
        )
        return
    text = call.params["text"]
    client.chat_postMessage(
        channel=slack_id, text=text, blocks=messages.announcement_blocks(text, incident.ref)
    )
    record_step(incident, f"page sent to {user.get_username()} in Slack.", operation="page")


def _respond(client: WebClient, call: SlackCall) -> None:
    """Answer a slash command or button through its response_url (ephemeral)."""
    url = call.params["response_url"]
    response = WebhookClient(url, timeout=10, retry_handlers=[]).send(
        text=call.params["text"], response_type="ephemeral", replace_original=False
    )
    if response.status_code >= 300:
        raise CallFailed(f"response_url answered {response.status_code}: {response.body[:200]}")


OPERATIONS = {
    Operation.OPEN: _open,
    Operation.INVITE: _invite,
    Operation.ANNOUNCE: _announce,
    Operation.PIN_RUNBOOKS: _pin_runbooks,
    Operation.POST: _post,
    Operation.CLOSE: _close,
    Operation.RESPOND: _respond,
    Operation.PAGE: _page,
}


def carry_out(call: SlackCall, app: SlackApp) -> None:
    """Do `call` once or raise CallFailed."""
    try:
        OPERATIONS[Operation(call.operation)](web_client(app), call)
    except SlackApiError as exc:
        raise CallFailed(f"Slack answered {exc.response.get('error') or exc}") from exc
    except CallFailed:
        raise
    except (OSError, ValueError) as exc:
        raise CallFailed(f"{type(exc).__name__}: {exc}") from exc


def message_time(ts: str) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(float(ts), tz=datetime.UTC)
