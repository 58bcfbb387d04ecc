"""Demo rows and the housekeeping task."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.test import Client

from incidents.comms.demo import DEMO_TITLE, load_demo
from incidents.comms.models import CommsMessage, Subscriber
from incidents.comms.tasks import SCHEDULES, purge_unconfirmed_subscribers
from incidents.models import PolicyVersion
from portal.kernel.actors import Actor


def test_demo_loads_once_and_stays_off_the_status_page(
    policy: PolicyVersion, founder_actor: Actor
) -> None:
    load_demo(actor=founder_actor)
    load_demo(actor=founder_actor)
    assert CommsMessage.objects.filter(incident__title=DEMO_TITLE).count() == 2
    html = Client().get("/status/").content.decode()
    # Demo data is never shown to customers (issue 15)
    assert DEMO_TITLE not in html
    assert "All Systems Operational" in html


def test_unconfirmed_subscribers_are_forgotten_after_30_days(db: None, subscriber: Any) -> None:
    now = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    Subscriber.objects.create(email="old@x.test", created_at=now - datetime.timedelta(days=31))
    Subscriber.objects.create(email="new@x.test", created_at=now - datetime.timedelta(days=1))
    subscriber("kept@x.test")
    with time_machine.travel(now, tick=False):
        assert purge_unconfirmed_subscribers() == 1
        assert purge_unconfirmed_subscribers() == 0
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "kept@x.test",
        "new@x.test",
    ]
    assert SCHEDULES[0]["func"] == "incidents.comms.tasks.purge_unconfirmed_subscribers"
