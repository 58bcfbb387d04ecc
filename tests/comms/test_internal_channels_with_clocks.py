"""Issue 26: "002's `#status` channel does not exist; 004's 'post a brief update in #ops
immediately' has no clock, so an S2 that never posts is never flagged". Both are routed
channels now, with comms deadlines enforced like any other."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from incidents.missed_deadlines import record_missed_deadlines
from incidents.models import Deadline
from incidents.services import declare_incident
from portal.kernel.actors import Actor
from portal.notifications.models import NotificationChannel, NotificationRoute

pytestmark = pytest.mark.django_db


def test_004_an_s2_that_never_posts_in_ops_is_flagged(load_policy: Any, settings: Any) -> None:
    load_policy("s-levels")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        incident = declare_incident(actor=Actor.system("test"), title="Auth broken", severity="S2")
    ops = Deadline.objects.get(incident=incident, kind="comms", channel="internal")
    assert ops.target == "immediately"
    assert ops.due_at == start + datetime.timedelta(minutes=settings.COMMS_IMMEDIATE_MINUTES)
    # Nobody posts: at the due time it is a missed deadline, on the timeline once
    with time_machine.travel(ops.due_at + datetime.timedelta(seconds=1), tick=False):
        record_missed_deadlines(now=timezone.now())
    ops.refresh_from_db()
    assert ops.missed_recorded_at is not None
    assert incident.timeline.filter(message__icontains="missed").exists()


def test_002_has_a_status_channel_routed_for_its_sev1_and_sev2_updates_with_a_clock(
    load_policy: Any,
) -> None:
    load_policy("ops-platform")
    status = NotificationChannel.objects.get(name="#status")
    routed = set(
        NotificationRoute.objects.filter(channel=status).values_list("level_code", flat=True)
    )
    assert routed == {"internal:SEV1", "internal:SEV2"}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        incident = declare_incident(actor=Actor.system("test"), title="Payments", severity="SEV2")
    first = Deadline.objects.get(incident=incident, kind="comms", channel="internal")
    assert first.due_at == start + datetime.timedelta(minutes=30)
