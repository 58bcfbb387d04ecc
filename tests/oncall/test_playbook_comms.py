"""Comms clocks the playbooks promise, walked with the presets and a frozen clock.

- 004: "For S1/S2 incidents, post a brief update in #ops immediately" — a clock that is
  met when the update is posted (never a 0-minute miss), and the update goes to #ops,
  not to the alert channel #errors.
- 000: "We'll post the next update at {now + 30min}" — the promise is tracked as the next
  status-update deadline, due at the promised time, missed or met like the others.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import time_machine

from incidents.choices import CommsChannel, DeadlineKind, TimelineKind
from incidents.comms.models import CommsTemplate
from incidents.comms.services import send_comms
from incidents.oncall.engine import run_cycle
from incidents.services import declare_incident, post_status_update
from portal.actors import Actor
from portal.notifications.models import OutboxMessage

T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def send(incident: Any, channel: str, **kwargs: Any) -> Any:
    return send_comms(
        incident=incident,
        actor=Actor.system("test"),
        channel=channel,
        idempotency_key=uuid.uuid4(),
        **kwargs,
    )


# --- 004 s-levels: "post a brief update in #ops immediately" ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["S1", "S2"])
def test_004_ops_update_immediately_has_a_clock_met_when_posted_never_a_0_min_miss(
    load_policy: Any, level: str
) -> None:
    load_policy("s-levels")
    with time_machine.travel(T0, tick=False) as clock:
        incident = declare_incident(actor=Actor.system("test"), title="DB unreachable", severity=level)
        # The internal update is owed from the declaration, "immediately": no due time.
        owed = incident.deadlines.get(kind=DeadlineKind.COMMS, channel=CommsChannel.INTERNAL)
        assert owed.target == "Immediately"
        assert owed.due_at is None and owed.met_at is None
        # A minute on, nothing is recorded missed (a 0-minute clock would have been).
        clock.move_to(at(1))
        run_cycle()
        assert not incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED).exists()
        # Posting the update meets it.
        clock.move_to(at(3))
        send(incident, CommsChannel.INTERNAL, body=f"[INCIDENT] {level} - Backend DB unreachable.")
    owed.refresh_from_db()
    assert owed.met_at == at(3)
    assert not incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["S1", "S2"])
def test_004_ops_update_is_routed_to_ops_not_errors(load_policy: Any, level: str) -> None:
    load_policy("s-levels")
    with time_machine.travel(T0, tick=False):
        incident = declare_incident(actor=Actor.system("test"), title="DB unreachable", severity=level)
        send(incident, CommsChannel.INTERNAL, body=f"[INCIDENT] {level} - Investigating.")
    routed = OutboxMessage.objects.filter(kind="comms_internal").select_related("channel")
    assert [m.channel.name for m in routed if m.channel] == ["#ops"]
    assert routed.count() == 1


@pytest.mark.django_db
def test_004_s3_internal_update_follows_the_level_routing_and_owes_no_ops_post(
    load_policy: Any,
) -> None:
    load_policy("s-levels")
    with time_machine.travel(T0, tick=False):
        incident = declare_incident(actor=Actor.system("test"), title="Exports fail", severity="S3")
        assert not incident.deadlines.filter(kind=DeadlineKind.COMMS).exists()
        send(incident, CommsChannel.INTERNAL, body="Exports failing, workaround posted.")
    [message] = OutboxMessage.objects.filter(kind="comms_internal").select_related("channel")
    assert message.channel is not None and message.channel.name == "#warnings"
