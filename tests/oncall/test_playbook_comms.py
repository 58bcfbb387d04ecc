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
from incidents.deadlines import PROMISED_TARGET
from incidents.models import Incident
from incidents.services import declare_incident, post_status_update
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from portal.project.engine import run_cycle

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
        incident = declare_incident(
            actor=Actor.system("test"), title="DB unreachable", severity=level
        )
        # The internal update is owed from the declaration, "immediately": a short clock
        # (COMMS_IMMEDIATE_MINUTES), so an update nobody posts is flagged (issue 26).
        owed = incident.deadlines.get(kind=DeadlineKind.COMMS, channel=CommsChannel.INTERNAL)
        assert owed.target == "immediately"  # the playbook's own word
        assert owed.due_at == T0 + datetime.timedelta(minutes=10)
        assert owed.met_at is None
        # A minute on, nothing is recorded missed (a 0-minute clock would have been).
        clock.move_to(at(1))
        run_cycle()
        assert not incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED).exists()
        # Posting the update meets it.
        clock.move_to(at(3))
        send(incident, CommsChannel.INTERNAL, body=f"[INCIDENT] {level} - DB unreachable.")
    owed.refresh_from_db()
    assert owed.met_at == at(3)
    assert not incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["S1", "S2"])
def test_004_ops_update_is_routed_to_ops_not_errors(load_policy: Any, level: str) -> None:
    load_policy("s-levels")
    with time_machine.travel(T0, tick=False):
        incident = declare_incident(
            actor=Actor.system("test"), title="DB unreachable", severity=level
        )
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
    assert message.channel is not None
    assert message.channel.name == "#warnings"


# --- 000 founder-24x7: "We'll post the next update at {now + 30min}" -------------------


def investigating(load_policy: Any) -> tuple[Incident, CommsTemplate]:
    """A founder-24x7 SEV-1 declared at T0, with the customer facts its template needs."""
    version = load_policy("founder-24x7")
    incident = declare_incident(actor=Actor.system("test"), title="Checkout down", severity="SEV-1")
    Incident.objects.filter(pk=incident.pk).update(
        what_is_broken="failed card payments", customer_impact="errors at checkout"
    )
    incident.refresh_from_db()
    template = CommsTemplate.objects.get(policy_version=version, key="status-page-investigating")
    return incident, template


def promises(incident: Incident) -> list[Any]:
    return list(
        incident.deadlines.filter(kind=DeadlineKind.STATUS_UPDATE, target=PROMISED_TARGET).order_by(
            "id"
        )
    )


def missed_status_updates(incident: Incident) -> list[Any]:
    return [
        e
        for e in incident.timeline.filter(kind=TimelineKind.DEADLINE_MISSED).order_by("id")
        if e.data.get("kind") == DeadlineKind.STATUS_UPDATE
    ]


@pytest.mark.django_db
def test_000_next_update_promise_becomes_the_status_update_deadline_and_is_missed(
    load_policy: Any,
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        incident, template = investigating(load_policy)
        # The status-page post at 10:12:40 promises "the next update at 10:42 UTC".
        clock.move_to(at(12) + datetime.timedelta(seconds=40))
        result = send(incident, CommsChannel.STATUS_PAGE, template=template)
        assert "We'll post the next update at 10:42 UTC." in result.message.body
        [promise] = promises(incident)
        assert promise.due_at == at(42)
        # Not missed at 10:41:59; missed (once) just after 10:42.
        clock.move_to(at(42) - datetime.timedelta(seconds=1))
        run_cycle()
        assert missed_status_updates(incident) == []
        clock.move_to(at(42) + datetime.timedelta(seconds=1))
        run_cycle()
        run_cycle()
    [missed] = missed_status_updates(incident)
    assert "(due 2026-03-02 10:42Z" in missed.message
    promise.refresh_from_db()
    assert promise.met_at is None
    assert promise.missed_recorded_at is not None


@pytest.mark.django_db
def test_000_next_update_promise_is_met_by_the_status_update_posted_in_time(
    load_policy: Any,
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        incident, template = investigating(load_policy)
        send(incident, CommsChannel.STATUS_PAGE, template=template)
        clock.move_to(at(25))
        post_status_update(
            incident=incident,
            actor=Actor.system("test"),
            status="identified",
            message="Card processor timeouts.",
        )
        clock.move_to(at(45))
        run_cycle()
    [promise] = promises(incident)
    assert promise.met_at == at(25)
    assert missed_status_updates(incident) == []


@pytest.mark.django_db
def test_000_next_status_page_post_keeps_the_promise_and_makes_the_next_one(
    load_policy: Any,
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        incident, template = investigating(load_policy)
        send(incident, CommsChannel.STATUS_PAGE, template=template)
        clock.move_to(at(28))
        send(incident, CommsChannel.STATUS_PAGE, template=template)
        first, second = promises(incident)
        assert first.due_at == at(30)
        assert first.met_at == at(28)
        assert second.due_at == at(58)
        assert second.met_at is None
        # A message without a promise creates no deadline.
        clock.move_to(at(40))
        send(incident, CommsChannel.STATUS_PAGE, body="Still investigating.")
    assert len(promises(incident)) == 2
    assert promises(incident)[1].met_at == at(40)


@pytest.mark.django_db
def test_000_status_update_promising_a_time_is_the_next_status_update_deadline(
    load_policy: Any,
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        incident, _ = investigating(load_policy)
        clock.move_to(at(10))
        post_status_update(
            incident=incident,
            actor=Actor.system("test"),
            status="investigating",
            message="Looking at the card processor.",
            next_update_at=at(40),
        )
        [promise] = promises(incident)
        assert promise.due_at == at(40)
        clock.move_to(at(41))
        run_cycle()
    [missed] = missed_status_updates(incident)
    assert "(due 2026-03-02 10:40Z" in missed.message


@pytest.mark.django_db
def test_status_update_api_takes_next_update_at_and_refuses_a_past_one(
    api: Any, declare: Any
) -> None:
    with time_machine.travel(T0, tick=False):
        incident = declare("SEV-1")
        path = f"/api/v1/incidents/{incident.ref}/status-updates/"
        past = api.post(
            path,
            {"status": "investigating", "message": "m", "next_update_at": "2026-03-02T09:00:00Z"},
            format="json",
        )
        assert past.status_code == 400
        assert "next_update_at" in past.json()
        ok = api.post(
            path,
            {"status": "investigating", "message": "m", "next_update_at": "2026-03-02T10:30:00Z"},
            format="json",
        )
        assert ok.status_code == 201, ok.json()
    [promise] = promises(incident)
    assert promise.due_at == at(30)
