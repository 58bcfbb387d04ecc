"""Opening the incident of a new alert: the second of a first trigger's two transactions.

A first trigger used to insert its alert and declare its incident in one transaction.
Every repeat of the key then waited on the uncommitted alert row for the whole
declaration: in an alert storm (`bench/alert_storm.py`) the 200 declarations took
10 s of a 26 s run, with the repeats of their keys queued behind them.

Now the first transaction (`ingestion._count_trigger`) commits the alert alone,
*unopened* (no incident yet), and the second (`open_incident`) declares the incident
and links the alert last (`upsert.link_alert`). Repeats that arrive meanwhile count on
the alert without waiting. The link carries their count to the incident under the
alert's row lock, so every trigger is counted exactly once on both. Folded timeline
entries (×10, ×100…) that the opening window passed are written by the opener.

An opener that dies between the two transactions (a killed worker) leaves its alert
unopened: the next trigger of the key after `OPENING_GRACE` takes over, and the
minute task `open_unopened_alerts` opens what no trigger comes back for. Two openers
may race; the link is the referee, and the loser's transaction (its declaration and
its reference number with it) rolls back. An opener that fails (no policy in force,
the database gone) gives its trigger back (`withdraw_trigger`) and the sender is told
to retry.

Where the second transaction runs is `settings.ALERT_OPENING`:

- `engine` (the default): the request answers 202 as soon as the alert is committed,
  and the paging engine (`manage.py engine`, which pages the first step anyway)
  declares the incident in its own process, woken at the commit
  (`announce_unopened`, a PostgreSQL NOTIFY; SQLite engines poll every cycle). A
  declaration costs tens of milliseconds of CPU and queues on the day's reference
  counter: in an alert storm the requests waiting for it made the p99
  (`BENCHMARKS.md`), and in the web processes it competed with every repeat for the
  interpreter. An opening that fails there is logged and tried again next cycle; the
  sender was already answered.
- `inline`: the request opens the incident itself and answers with it (the tests,
  and a door whose caller needs the incident at once).

With `inline`, a trigger inside the caller's transaction (a webhook's batch of
events, the heartbeat sweep) has both steps in it: they commit or roll back together.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, prefetch_related_objects
from django.utils import timezone

from incidents import events
from incidents.choices import OPEN_STATUSES, DetectionSource, TimelineKind
from incidents.integrations.choices import AlertAction
from incidents.integrations.formats import AlertEvent
from incidents.integrations.models import Alert, Integration
from incidents.integrations.routing import choose_severity
from incidents.integrations.services import integration_actor
from incidents.integrations.sources import source_for
from incidents.integrations.upsert import link_alert
from incidents.models import Incident, TimelineEntry
from incidents.selectors import active_policy_version
from incidents.services import (
    acknowledge_incident,
    declare_incident,
    mitigate_incident,
    resolve_incident,
)
from portal.audit.scope import audited_service
from portal.audit.services import prepare_changed, prepare_created, record_entries
from portal.kernel.actors import Actor

logger = logging.getLogger(__name__)

# The engine's opening loop listens here; `announce_unopened` notifies at commit.
NOTIFY_CHANNEL = "portal_alert_unopened"
SQLITE_POLL = 0.2  # seconds between the engine's looks for unopened alerts on SQLite
RETRY_FAILED_AFTER = 60  # seconds before this process tries a failed opening again

# How long an opener may take before a later trigger (or the minute task) opens its
# alert instead: far above a declaration's tens of milliseconds, far below a page's
# patience.
OPENING_GRACE = datetime.timedelta(seconds=30)


@dataclass(frozen=True)
class Unopened:
    """A committed open alert that has no incident yet, for this caller to open."""

    alert_id: int
    integration_id: int


class _OpenedElsewhere(Exception):
    """Another opener linked the alert first: this declaration must roll back."""


def _detection_source(kind: str) -> str:
    source = source_for(kind)
    return source.detection_source if source is not None else DetectionSource.MONITORING_ALERT


def folded(count: int) -> bool:
    """Timeline entries at 1, 10, 100, 1,000… repeats: a storm adds a handful of rows, not thousands."""
    return count >= 1 and 10 ** round(math.log10(count)) == count


def alert_title(summary: str) -> str:
    summary = " ".join(summary.split())
    return summary if len(summary) <= 200 else summary[:199] + "…"


def open_incident(unopened: Unopened, event: AlertEvent, at: datetime.datetime) -> int | None:
    """Declare (or, for a flap, join) the alert's incident and link it; the incident's id,
    or None when another opener linked the alert first."""
    try:
        return _open(unopened.alert_id, unopened.integration_id, event, at).pk
    except _OpenedElsewhere:
        return None


@audited_service
def _open(alert_id: int, integration_id: int, event: AlertEvent, at: datetime.datetime) -> Incident:
    integration = (
        Integration.objects.select_related("service")
        .prefetch_related("routing_rules")
        .get(pk=integration_id)
    )
    actor = integration_actor(integration.name)
    previous = (
        Alert.objects.filter(
            integration_id=integration_id,
            dedup_key=event.dedup_key,
            open_key__isnull=True,
            incident__status__in=OPEN_STATUSES,
        )
        .order_by("-id")
        .values_list("incident_id", flat=True)
        .first()
    )
    if previous is not None:
        incident = Incident.objects.get(pk=previous)
        message = f"Alert fired again from {integration.name}: {event.summary}"
    else:
        version = active_policy_version()
        prefetch_related_objects([version], "levels")  # read once for choosing the severity
        incident = declare_incident(
            actor=actor,
            title=alert_title(event.summary) or f"Alert from {integration.name}",
            severity=choose_severity(integration, event, version),
            summary=f"Opened by integration {integration.name} (alert {event.dedup_key}).",
            detection_source=_detection_source(integration.kind),
            services=[integration.service] if integration.service else [],
            detected_at=at,
        )
        message = f"Alert received from {integration.name}: {event.summary}"
    # Last, so that repeats of the key never wait on this transaction but for its commit.
    linked = link_alert(alert_id=alert_id, incident_id=incident.pk)
    if linked is None:
        raise _OpenedElsewhere
    Incident.objects.filter(pk=incident.pk).update(alert_count=F("alert_count") + linked.count)
    alert_count = (
        linked.count
        if previous is None
        else Incident.objects.filter(pk=incident.pk).values_list("alert_count", flat=True)[0]
    )
    data = {"dedup_key": event.dedup_key, "alert": alert_id}
    timeline = [
        events.timeline_row(
            incident,
            TimelineKind.ALERT,
            message,
            actor=actor,
            at=at,
            data={**data, "count": 1, "integration": integration.name},
        ),
        *(
            events.timeline_row(
                incident,
                TimelineKind.ALERT,
                f"Alert received ×{count}: {event.summary}",
                actor=actor,
                at=at,
                data={**data, "count": count},
            )
            for count in _folds_up_to(linked.count)
        ),
    ]
    TimelineEntry.objects.bulk_create(timeline)
    record_entries(
        [
            prepare_changed(
                actor,
                incident,
                before={"alert_count": alert_count - linked.count},
                after={"alert_count": alert_count, "alert": alert_id, "dedup_key": event.dedup_key},
                at=at,
            ),
            *(prepare_created(actor, row, at=at) for row in timeline),
        ]
    )
    if not linked.still_open:  # resolved while its incident was being opened
        settle_incident(incident, integration, actor)
    elif linked.acknowledged and incident.is_open and incident.acknowledged_at is None:
        # Acknowledged by its sender while its incident was being opened.
        acknowledge_incident(incident=incident, actor=actor)
    return incident


def _folds_up_to(count: int) -> list[int]:
    """The folds past ×1 that `count` triggers reached: 10, 100… up to `count`."""
    return [10**k for k in range(1, len(str(count))) if 10**k <= count]


def settle_incident(incident: Incident, integration: Integration, actor: Actor) -> None:
    """Once none of its alerts is open, mitigate the incident (resolve it, when the
    integration auto-resolves). The caller holds the incident's lock or created it."""
    if (
        incident.is_open
        and not Alert.objects.filter(incident=incident, open_key__isnull=False).exists()
    ):
        if integration.auto_resolve:
            resolve_incident(incident=incident, actor=actor)
        else:
            mitigate_incident(incident=incident, actor=actor)


@audited_service
def withdraw_trigger(alert_id: int) -> None:
    """The opener failed and its sender is told to retry: take its trigger back, so that
    the retry is counted once. Alerts are not audited (ingested data)."""
    alert = Alert.objects.select_for_update(of=("self",)).filter(pk=alert_id, opening=True).first()
    if alert is None:
        return
    if alert.count <= 1:
        alert.delete()
    else:  # repeats counted meanwhile keep it; its opening is left to them and the minute task
        Alert.objects.filter(pk=alert_id).update(count=F("count") - 1)


def open_unopened_alerts(
    *,
    now: datetime.datetime | None = None,
    grace: datetime.timedelta = OPENING_GRACE,
    limit: int = 100,
) -> int:
    """Open the incident of every alert unopened for longer than `grace`, oldest first;
    how many it opened. The engine's opening loop runs it with no grace when it is the
    opener (`ALERT_OPENING=engine`); the minute task runs it past `OPENING_GRACE` for
    alerts whose opener died. Safe to run twice at once (the link is the referee).

    An alert whose opening fails (no policy in force…) is logged and tried again on
    the next run; the others are still opened."""
    now = now or timezone.now()
    rows = list(
        # Resolved ones too: a trigger resolved before its incident was declared
        # still opens it (and mitigates it at once), as it would have opened inline.
        Alert.objects.filter(opening=True, first_seen_at__lte=now - grace)
        .order_by("first_seen_at", "id")
        .values_list(
            "pk",
            "integration_id",
            "dedup_key",
            "summary",
            "details",
            "first_seen_at",
            "severity_hint",
        )[:limit]
    )
    opened = 0
    for pk in [pk for pk, at in _retry_after.items() if at <= time.monotonic()]:
        del _retry_after[pk]  # due again (or opened meanwhile by another process)
    for pk, integration_id, dedup_key, summary, details, first_seen_at, hint in rows:
        if pk in _retry_after:
            continue
        # The sender's severity travels with the alert: the engine opens the level the
        # request would have opened inline (issue 24).
        event = AlertEvent(AlertAction.TRIGGER, dedup_key, summary, hint, details or {})
        try:
            # Detected when the alert arrived, not when the engine got to it.
            if open_incident(Unopened(pk, integration_id), event, first_seen_at) is not None:
                opened += 1
        except (OperationalError, InterfaceError):
            # The connection failed, not the alert (a restart, a failover, terminated
            # backends): the engine's loop reconnects and opens it within a second.
            # Held for a minute like a bad alert, it opened 60 s late in a storm.
            raise
        except Exception:
            # Not again at the next poll (a fifth of a second on SQLite): once a minute.
            _retry_after[pk] = time.monotonic() + RETRY_FAILED_AFTER
            logger.exception(
                "opening the incident of alert %s failed; retrying in %d s", pk, RETRY_FAILED_AFTER
            )
        else:
            _retry_after.pop(pk, None)
    return opened


# Alerts whose opening failed in this process, and when to try them again.
_retry_after: dict[int, float] = {}


def opens_in_engine() -> bool:
    """Whether a request leaves its first trigger's incident to the engine (`ALERT_OPENING`)."""
    return settings.ALERT_OPENING == "engine"


def announce_unopened() -> None:
    """Wake the engine's opening loop when the caller's transaction commits: a
    PostgreSQL NOTIFY, which is transactional. (SQLite engines poll every cycle.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")


def wait_for_unopened(timeout: float) -> bool:
    """The engine's wait between opening runs: until a trigger announces an unopened
    alert (PostgreSQL LISTEN; True) or `timeout` seconds pass (False). On SQLite, a
    short poll (True: look now)."""
    if connection.vendor != "postgresql":
        # No LISTEN on SQLite: look again soon (one query on the `alert_opening` index).
        time.sleep(min(timeout, SQLITE_POLL))
        return True
    connection.ensure_connection()
    raw = connection.connection
    raw.execute(f"LISTEN {NOTIFY_CHANNEL}")  # again each time: the connection may be new
    return any(True for _notice in raw.notifies(timeout=timeout, stop_after=1))
