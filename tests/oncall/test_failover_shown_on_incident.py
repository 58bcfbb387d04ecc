"""Issue 23: "Twilio returns 500 for a page → the second provider carries it; the incident
shows which provider delivered" — read on the incident page from the outbox row."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidents.oncall.models import ContactMethod, NotificationRule
from incidents.services import declare_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from tests.notifications.standins import telnyx_standin, twilio_standin

T0 = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def carriers(settings: Any) -> Iterator[tuple[Any, Any]]:
    twilio = twilio_standin.running(settings)
    telnyx = telnyx_standin.running(settings)
    yield next(twilio), next(telnyx)
    for stand_in in (twilio, telnyx):
        next(stand_in, None)  # the generator's own teardown stops the server


@pytest.mark.django_db
def test_twilio_down_telnyx_carries_the_page_and_the_incident_says_so(
    load_policy: Any, admin_client: Client, committed: Any, carriers: Any
) -> None:
    from django.contrib.auth.models import User

    twilio, telnyx = carriers
    load_policy("founder-24x7")
    founder = User.objects.get(username="admin")  # the first superuser is the rotation's
    sms = ContactMethod.objects.create(
        user=founder, kind="sms", address="+15551230001", verified_at=T0
    )
    NotificationRule.objects.create(user=founder, contact_method=sms, delay_minutes=0)
    twilio.fail(500)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=Actor.system("test"), title="Down", severity="SEV-1")
    message = OutboxMessage.objects.get(provider_kind="phone_sms")
    with time_machine.travel(T0 + datetime.timedelta(seconds=2), tick=False):
        assert deliver_outbox_message(message.pk) == "sent"
    message.refresh_from_db()
    assert message.provider_ref.startswith("telnyx:")
    assert [r.phone for r in telnyx.received] == ["+15551230001"]
    page = admin_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert "SMS …0001 (now): sent March 2, 2026, 1:00:02 a.m. by Telnyx" in page.content.decode()
