"""Worker side of the Slack app: deliver outbox calls in order, retry with backoff,
and do the work of slash commands, buttons and events after Slack got its answer.

`SCHEDULES` is installed by `setup_schedules`.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.slack import operations
from incidents.slack.choices import CallStatus
from incidents.slack.models import SlackApp, SlackCall
from portal.notifications.outbox import backoff, max_attempts, sending_timeout

logger = logging.getLogger("incidents.slack")

SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "slack-sweep",
        "func": "incidents.slack.tasks.sweep",
        "schedule_type": "I",
        "minutes": 1,
    },
]


def _claim(call_id: int, now: datetime.datetime) -> bool:
    """Pending and due → sending, in one conditional UPDATE: only one worker wins."""
    return (
        SlackCall.objects.filter(
            pk=call_id, status=CallStatus.PENDING, next_attempt_at__lte=now
        ).update(status=CallStatus.SENDING, sending_since=now, attempts=F("attempts") + 1)
        == 1
    )


def _fail(call: SlackCall, error: str) -> None:
    now = timezone.now()
    gave_up = call.attempts >= max_attempts()
    SlackCall.objects.filter(pk=call.pk, status=CallStatus.SENDING).update(
        status=CallStatus.FAILED if gave_up else CallStatus.PENDING,
        sending_since=None,
        last_error=f"attempt {call.attempts} at {now:%Y-%m-%d %H:%M:%S}Z: {error}"[:2000],
        next_attempt_at=None if gave_up else now + backoff(call.attempts),
    )
    logger.warning("slack call %s attempt %s failed: %s", call.pk, call.attempts, error)


def deliver_call(call_id: int, app: SlackApp) -> str:
    """Carry out one call if it is still pending and due; safe to run any number of times."""
    now = timezone.now()
    with transaction.atomic():
        if not _claim(call_id, now):
            return "skipped"
    call = SlackCall.objects.get(pk=call_id)
    try:
        operations.carry_out(call, app)
    except operations.CallFailed as exc:
        _fail(call, str(exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must not strand the row
        logger.exception("slack call %s: unexpected error", call_id)
        _fail(call, f"{type(exc).__name__}: {exc}")
        return "failed"
    SlackCall.objects.filter(pk=call_id, status=CallStatus.SENDING).update(
        status=CallStatus.SENT, sent_at=timezone.now(), sending_since=None, last_error=""
    )
    return "sent"


def deliver_calls(incident_id: int | None, call_id: int | None = None) -> dict[str, int]:
    """Run an incident's pending calls in order, stopping at the first one that is not
    done (a later step needs what the earlier one created); or one call of no incident."""
    app = SlackApp.objects.filter(pk=1).first()
    counts: dict[str, int] = {}
    if app is None or not app.is_ready:
        return counts
    if incident_id is None:
        ids = [call_id] if call_id is not None else []
    else:
        ids = list(
            SlackCall.objects.filter(
                incident_id=incident_id, status__in=(CallStatus.PENDING, CallStatus.SENDING)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    for pk in ids:
        result = deliver_call(pk, app)
        counts[result] = counts.get(result, 0) + 1
        if result != "sent" and incident_id is not None:
            break
    return counts


def release_stuck_calls(now: datetime.datetime) -> int:
    return SlackCall.objects.filter(
        status=CallStatus.SENDING, sending_since__lt=now - sending_timeout()
    ).update(status=CallStatus.PENDING, sending_since=None, next_attempt_at=now)


def page_recent_escalations(now: datetime.datetime) -> int:
    """Pages sent by later escalation steps reach Slack too (the sweeper writes them
    after the declaration, with no incident hook)."""
    from incidents.choices import OPEN_STATUSES
    from incidents.models import Incident
    from incidents.slack.war_room import page_in_slack

    recent = Incident.objects.filter(
        status__in=OPEN_STATUSES,
        pages__paged_at__gte=now - datetime.timedelta(hours=1),
        pages__acknowledged_at__isnull=True,
    ).distinct()
    queued = 0
    for incident in recent.select_related("severity").order_by("pk")[:200]:
        with transaction.atomic():
            queued += page_in_slack(incident)
    return queued


def sweep() -> dict[str, int]:
    """Every minute: new pages, retry due calls (per incident, in order), free stuck ones."""
    now = timezone.now()
    release_stuck_calls(now)
    page_recent_escalations(now)
    due = (
        SlackCall.objects.filter(status=CallStatus.PENDING, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("incident_id", "pk")[:500]
    )
    totals: dict[str, int] = {}
    seen: set[int] = set()
    for incident_id, pk in due:
        if incident_id is not None and incident_id in seen:
            continue
        if incident_id is not None:
            seen.add(incident_id)
        for key, value in deliver_calls(incident_id, pk).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def handle_command(payload: dict[str, str]) -> str:
    from incidents.slack.commands import run_command

    return run_command(payload)


def handle_interaction(payload: dict[str, Any]) -> str:
    from incidents.slack.interactions import run_interaction

    return run_interaction(payload)


def handle_event(payload: dict[str, Any]) -> str:
    from incidents.slack.channel_events import run_event

    return run_event(payload)
