"""Issue 23, item 3: a page by voice call through Twilio (`Calls.json` with inline TwiML
that reads the page and gathers one key); pressing 1 acknowledges the page and the
incident as the paged person; call status callbacks record ringing, answered, ended."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from incidents.choices import TimelineKind
from portal.notifications.choices import DeliveryState
from tests.notifications.phone_pages import PHONE, T0, later, page_to_phone, post_signed
from tests.notifications.standins import twilio_standin

VOICE = "/notify/twilio/voice/"
STATUS = "/notify/twilio/status/"


@pytest.fixture
def twilio(settings: Any) -> Iterator[twilio_standin.RunningTwilio]:
    yield from twilio_standin.running(settings)


@pytest.fixture
def called(
    load_policy: Any, founder: Any, twilio: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    return page_to_phone(load_policy, django_capture_on_commit_callbacks, kind="phone_call")


def press(client: Client, call_sid: str, digits: str) -> ElementTree.Element:
    params = {"CallSid": call_sid, "Digits": digits, "From": twilio_standin.FROM_NUMBER,
              "To": PHONE, "AccountSid": twilio_standin.ACCOUNT_SID}  # fmt: skip
    response = post_signed(client, VOICE, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own TwiML


@pytest.mark.django_db
def test_a_page_calls_the_phone_and_reads_it_with_a_one_key_gather(
    called: Any, twilio: Any
) -> None:
    incident, page, message = called
    [call] = twilio.received
    assert call.kind == "call"
    assert call.phone == PHONE
    assert call.at == T0
    assert message.provider_ref == f"twilio:{call.sid}"
    assert call.sid.startswith("CA")
    assert message.follow_up_at is None
    assert call.status_callback == f"{settings.PORTAL_BASE_URL}{STATUS}"
    twiml = ElementTree.fromstring(call.text)  # noqa: S314 - the portal's own TwiML
    gathers = twiml.findall("Gather")
    assert len(gathers) == 2  # said twice
    gather = gathers[0]
    assert gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == f"{settings.PORTAL_BASE_URL}{VOICE}"
    spoken = gather.findtext("Say") or ""
    assert spoken == (
        f"This is the incident portal. PAGE SEV-1 {incident.ref}: Checkout down. "
        "Press 1 to acknowledge. Press 2 to escalate."
    )
    assert [el.tag for el in twiml][-2:] == ["Say", "Hangup"]


@pytest.mark.django_db
def test_pressing_1_acknowledges_the_page_and_incident_as_the_paged_person(
    called: Any, client: Client
) -> None:
    incident, page, message = called
    sid = message.provider_ref.removeprefix("twilio:")
    with time_machine.travel(later(25), tick=False):
        answer = press(client, sid, "1")
    assert answer.findtext("Say") == f"Acknowledged {incident.ref}. Thank you."
    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at == later(25)
    assert page.acknowledged_at == later(25)
    [acked] = incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED)
    assert acked.actor_id == page.user.pk
    [note] = incident.timeline.filter(data__via="a phone call (Twilio)")
    assert note.message == (
        f"{page.user.get_username()} acknowledged their page in a phone call (Twilio)."
    )
    # Pressed again (or the webhook repeated): nothing changes twice.
    with time_machine.travel(later(30), tick=False):
        again = press(client, sid, "1")
    assert "needs no answer any more" in (again.findtext("Say") or "")
    incident.refresh_from_db()
    assert incident.acknowledged_at == later(25)


@pytest.mark.django_db
def test_another_key_asks_again_and_a_foreign_call_changes_nothing(
    called: Any, client: Client
) -> None:
    incident, page, message = called
    sid = message.provider_ref.removeprefix("twilio:")
    answer = press(client, sid, "9")
    gather = answer.find("Gather")
    assert gather is not None
    assert gather.findtext("Say") == (
        "That key does nothing. Press 1 to acknowledge. Press 2 to escalate."
    )
    foreign = press(client, "CA" + "0" * 32, "1")
    assert foreign.findtext("Say") == "This call is not about a page. Nothing was changed."
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


@pytest.mark.django_db
def test_call_status_callbacks_record_ringing_answered_and_ended(
    called: Any, client: Client
) -> None:
    incident, page, message = called
    sid = message.provider_ref.removeprefix("twilio:")
    for at, status in ((2, "ringing"), (9, "in-progress"), (40, "completed"), (41, "ringing")):
        with time_machine.travel(later(at), tick=False):
            params = {"CallSid": sid, "CallStatus": status, "To": PHONE}
            assert post_signed(client, STATUS, params).status_code == 204
        if status == "in-progress":
            message.refresh_from_db()
            assert message.delivery_state == DeliveryState.ANSWERED
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.COMPLETED
    assert message.delivered_at == later(9)
