"""Done when: a founder-24x7 SEV-1 with no status-page post after 60 min shows the
comms deadline missed on its timeline, once (recorded by the incidents core's minute task)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import time_machine

from incidents.choices import DeadlineKind, TimelineKind
from incidents.models import Incident, TimelineEntry
from incidents.tasks import record_missed_deadlines as sweep

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def _missed(incident: Incident) -> list[TimelineEntry]:
    return [
        e
        for e in incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED)
        if e.data.get("kind") == "comms:status_page"
    ]


def test_sev1_without_status_page_post_after_60_min_is_missed_once(
    declare: Callable[..., Incident],
) -> None:
    # Given a SEV-1 declared at 10:00 under founder-24x7
    with time_machine.travel(T0, tick=False):
        incident = declare("SEV-1", title="Everything is down")
    # When the sweeper runs at 10:59 nothing is missed yet
    with time_machine.travel(T0 + datetime.timedelta(minutes=59), tick=False):
        sweep()
    assert _missed(incident) == []
    # When it runs at 11:01 and again at 11:02
    with time_machine.travel(T0 + datetime.timedelta(minutes=61), tick=False):
        sweep()
    with time_machine.travel(T0 + datetime.timedelta(minutes=62), tick=False):
        sweep()
    # Then the timeline shows the status-page deadline missed, once
    [entry] = _missed(incident)
    assert "Status page deadline missed" in entry.message
    deadline = incident.deadlines.get(kind=DeadlineKind.COMMS, channel="status_page")
    assert deadline.missed_recorded_at is not None
    assert deadline.met_at is None


def test_status_page_post_within_60_min_is_not_missed(
    declare: Callable[..., Incident], send: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        incident = declare("SEV-1", title="Everything is down")
    with time_machine.travel(T0 + datetime.timedelta(minutes=45), tick=False):
        send(incident, "status_page", body="Investigating.")
    with time_machine.travel(T0 + datetime.timedelta(minutes=90), tick=False):
        sweep()
    assert _missed(incident) == []
    deadline = incident.deadlines.get(kind=DeadlineKind.COMMS, channel="status_page")
    assert deadline.met_at == T0 + datetime.timedelta(minutes=45)


def test_drill_post_meets_the_drill_deadline(declare: Callable[..., Incident], send: Any) -> None:
    with time_machine.travel(T0, tick=False):
        incident = declare("SEV-1", title="Drill", is_drill=True, environment="staging")
    with time_machine.travel(T0 + datetime.timedelta(minutes=20), tick=False):
        send(incident, "status_page", body="Drill post")
    deadline = incident.deadlines.get(kind=DeadlineKind.COMMS, channel="status_page")
    assert deadline.met_at == T0 + datetime.timedelta(minutes=20)
