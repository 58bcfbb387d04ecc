"""The incident hooks of the Slack app: what each incident event asks of the war room.

Each runs inside the incident service's transaction and only writes rows (the war
room, outbox calls): a Slack outage can never block or roll back the incident. The
first escalation step's pages are written after the declaration commits, so their
Slack messages are queued then too.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.utils import timezone

from incidents.choices import OPEN_STATUSES, IncidentStatus
from incidents.models import Incident
from incidents.services import war_room_channel_name
from incidents.slack import messages
from incidents.slack.choices import Operation, WarRoomMode
from incidents.slack.models import SlackApp, SlackLevelSetting, WarRoom
from incidents.slack.outbox import enqueue_call
from portal.audit.choices import AuditAction
from portal.audit.services import record_action
from portal.kernel.actors import Actor


def installed_app() -> SlackApp | None:
    app = SlackApp.objects.filter(pk=1).first()
    return app if app is not None and app.is_ready else None


def level_setting(incident: Incident) -> SlackLevelSetting | None:
    setting = SlackLevelSetting.objects.filter(level_code=incident.severity.code).first()
    if setting is None or setting.mode == WarRoomMode.NONE:
        return None
    return setting


def war_room_of(incident: Incident) -> WarRoom | None:
    return WarRoom.objects.filter(incident=incident).first()


def open_war_room(incident: Incident, actor: Actor) -> WarRoom | None:
    """Create the war room row and queue its steps: channel (or announcement that
    starts the thread), responders invited, announcement, runbooks pinned."""
    if installed_app() is None:
        return None
    setting = level_setting(incident)
    if setting is None or war_room_of(incident) is not None:
        return None
    if setting.mode == WarRoomMode.CHANNEL:
        name = incident.war_room_channel or war_room_channel_name(
            incident.declared_at, incident.title
        )
    else:
        name = setting.channel or "#alerts"
    room = WarRoom.objects.create(
        incident=incident, mode=setting.mode, channel_name=name, created_at=timezone.now()
    )
    record_action(
        actor,
        AuditAction.CREATE,
        room,
        after={"incident": incident.ref, "mode": room.mode, "channel_name": name},
    )
    key = f"incident:{incident.pk}"
    text = messages.announcement_text(incident, setting, name)
    if setting.mode == WarRoomMode.CHANNEL:
        enqueue_call(incident=incident, operation=Operation.OPEN, dedupe_key=f"{key}:open")
    enqueue_call(
        incident=incident,
        operation=Operation.ANNOUNCE,
        dedupe_key=f"{key}:announce",
        params={"text": text, "ref": incident.ref},
    )
    if setting.mode == WarRoomMode.ANNOUNCE:
        return room
    if setting.invite_responders:
        enqueue_call(incident=incident, operation=Operation.INVITE, dedupe_key=f"{key}:invite")
    links = list(incident.runbook_links or setting.runbooks)
    if setting.pin_runbooks and links:
        enqueue_call(
            incident=incident,
            operation=Operation.PIN_RUNBOOKS,
            dedupe_key=f"{key}:runbooks",
            params={"links": links},
        )
    return room


def post_in_war_room(incident: Incident, *, key: str, text: str) -> None:
    room = war_room_of(incident)
    if room is None or room.closed_at is not None or installed_app() is None:
        return
    if incident.slack_calls.filter(operation=Operation.CLOSE).exists():
        return  # resolved-and-closed in one go: the channel is about to be archived
    enqueue_call(
        incident=incident,
        operation=Operation.POST,
        dedupe_key=f"incident:{incident.pk}:{key}",
        params={"text": text},
    )


def still_paging(incident: Incident) -> bool:
    """Whether a page DM still asks for someone: not once the incident is acknowledged,
    mitigated or over (the page's own acknowledgement is checked per page)."""
    return (
        incident.status in OPEN_STATUSES
        and incident.acknowledged_at is None
        and incident.mitigated_at is None
    )


def page_in_slack(incident: Incident) -> int:
    """Each page of the incident also reaches the paged person in Slack, with the
    buttons (once per page; the on-call app wrote the Page rows)."""
    if installed_app() is None or level_setting(incident) is None:
        return 0
    if not still_paging(incident):
        # Seen: saving the Slack app sent "You are paged" for incidents already mitigated.
        return 0
    queued = 0
    done = set(
        incident.slack_calls.filter(operation=Operation.PAGE).values_list("dedupe_key", flat=True)
    )
    for page in incident.pages.filter(acknowledged_at__isnull=True).order_by("pk"):
        if f"page:{page.pk}" in done:
            continue
        text = (
            f"You are paged ({page.target}): {incident.severity.code}: {incident.title}\n"
            f"{incident.ref} · {messages.incident_url(incident)}"
        )
        queued += (
            1
            if enqueue_call(
                incident=incident,
                operation=Operation.PAGE,
                dedupe_key=f"page:{page.pk}",
                params={"user_id": page.user_id, "incident_id": incident.pk, "text": text},
            )
            else 0
        )
    return queued


def on_declared(incident: Incident, actor: Actor) -> None:
    open_war_room(incident, actor)
    # The on-call app pages the first step right after the declaration commits, from a
    # callback its hook (run first: its app is listed first) registered before this one.
    transaction.on_commit(functools.partial(_page_first_step, incident.pk), robust=True)


def _page_first_step(incident_id: int) -> None:
    """The first step's pages reach Slack too (later ones: through the Slack sweep)."""
    with transaction.atomic():
        page_in_slack(Incident.objects.select_related("severity").get(pk=incident_id))


def on_severity_changed(incident: Incident, actor: Actor) -> None:
    """Raised to a level with a war room: open it (000: the SEV-2 announcement in #alerts
    becomes the SEV-1 war-room thread). Otherwise the war room hears the new level."""
    if not incident.is_open or installed_app() is None:
        return
    room = war_room_of(incident)
    if room is None:
        open_war_room(incident, actor)
        return
    setting = level_setting(incident)
    code = incident.severity.code
    if (
        setting is not None
        and room.mode == WarRoomMode.ANNOUNCE
        and setting.mode == WarRoomMode.THREAD
    ):
        room.mode = WarRoomMode.THREAD
        room.save(update_fields=["mode"])
        record_action(
            actor,
            AuditAction.UPDATE,
            room,
            before={"mode": WarRoomMode.ANNOUNCE},
            after={"mode": room.mode},
        )
        post_in_war_room(
            incident, key=f"severity:{code}", text=f"Raised to {code}: war-room thread."
        )
        if setting.invite_responders:
            enqueue_call(
                incident=incident,
                operation=Operation.INVITE,
                dedupe_key=f"incident:{incident.pk}:invite",
            )
        return
    post_in_war_room(incident, key=f"severity:{code}", text=f"Severity changed to {code}.")


def on_acknowledged(incident: Incident, actor: Actor) -> None:
    room = war_room_of(incident)
    if room is None or installed_app() is None:
        return
    if actor.user is not None and room.mode == WarRoomMode.CHANNEL:
        enqueue_call(
            incident=incident,
            operation=Operation.INVITE,
            dedupe_key=f"incident:{incident.pk}:invite:{actor.user.pk}",
            params={"user_ids": [actor.user.pk]},
        )
    post_in_war_room(incident, key="ack", text=f"✋ {actor.label}: I am on it.")


def on_status_update(incident: Incident, actor: Actor) -> None:
    setting = level_setting(incident)
    if setting is not None and not setting.post_updates:
        return
    updates = list(incident.status_updates.order_by("-posted_at", "-id")[:1])
    if not updates:
        return
    number = incident.status_updates.count()
    post_in_war_room(
        incident,
        key=f"update:{updates[0].pk}",
        text=messages.status_update_text(updates[0], number),
    )


def on_resolved(incident: Incident, actor: Actor) -> None:
    post_in_war_room(incident, key="resolved", text=messages.resolution_text(incident))
    if incident.status == IncidentStatus.CLOSED:
        on_closed(incident, actor)


def on_closed(incident: Incident, actor: Actor) -> None:
    """Closed or cancelled: archive the channel (or close the thread)."""
    room = war_room_of(incident)
    if room is None or room.closed_at is not None or installed_app() is None:
        return
    enqueue_call(
        incident=incident,
        operation=Operation.CLOSE,
        dedupe_key=f"incident:{incident.pk}:close",
        params={"text": f"Incident {incident.ref} is {incident.status}: this war room is closed."},
    )


def responders(incident: Incident) -> list[Any]:
    """Who joins the war room: role holders, the declarer and everyone paged."""
    from django.contrib.auth import get_user_model

    ids: set[int] = set(
        incident.role_assignments.filter(relieved_at__isnull=True).values_list("user_id", flat=True)
    )
    if incident.declared_by_id:
        ids.add(incident.declared_by_id)
    pages = getattr(incident, "pages", None)
    if pages is not None:
        ids.update(pages.values_list("user_id", flat=True))
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))
