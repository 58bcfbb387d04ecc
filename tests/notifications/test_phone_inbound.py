"""Issue 23, item 3: Twilio's inbound webhooks. An SMS reply code acknowledges the page and
the incident as the paged person; a wrong, foreign or expired code gets a clear reply
and changes nothing; a request without Twilio's signature is refused; a repeated webhook
changes nothing twice; status callbacks move the delivery state forward only.

Requests are signed as Twilio signs them (`RequestValidator.compute_signature` over
PORTAL_BASE_URL + path and the POST parameters, keyed by the auth token)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from twilio.request_validator import RequestValidator

from incidents.services import acknowledge_incident
from portal.kernel.actors import Actor
from portal.notifications.choices import DeliveryState
from portal.notifications.models import OutboxMessage
from tests.notifications.phone_pages import (
    OTHER_PHONE,
    PHONE,
    assert_acknowledged_by_reply,
    later,
    page_to_phone,
    post_signed,
)
from tests.notifications.standins import twilio_standin

SMS = "/notify/twilio/sms/"
STATUS = "/notify/twilio/status/"


@pytest.fixture
def twilio(settings: Any) -> Iterator[twilio_standin.RunningTwilio]:
    yield from twilio_standin.running(settings)


@pytest.fixture
def paged(
    load_policy: Any, founder: Any, twilio: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    return page_to_phone(load_policy, django_capture_on_commit_callbacks, kind="phone_sms")


def reply(client: Client, text: str, *, sender: str = PHONE, **kwargs: Any) -> Any:
    params = {"From": sender, "To": twilio_standin.FROM_NUMBER, "Body": text,
              "MessageSid": "SM" + "f" * 32, "AccountSid": twilio_standin.ACCOUNT_SID}  # fmt: skip
    return post_signed(client, SMS, params, **kwargs)


def said(response: Any) -> str:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    return text.split("<Message>")[1].split("</Message>")[0]


@pytest.mark.django_db
def test_the_reply_code_acknowledges_the_page_and_incident_as_the_paged_person_once(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    with time_machine.travel(later(40), tick=False):
        response = reply(client, f" {message.pk}A ")
    assert said(response) == f"Acknowledged {incident.ref}. Thank you."
    assert_acknowledged_by_reply(incident, page, at=later(40), via="SMS (Twilio)")
    # Twilio repeats the webhook: nothing changes a second time.
    with time_machine.travel(later(50), tick=False):
        again = reply(client, f"{message.pk}a")
    assert said(again) == (
        f"{incident.ref} needs no answer any more (acknowledged, resolved or closed). "
        "Nothing was changed."
    )
    incident.refresh_from_db()
    assert incident.acknowledged_at == later(40)
    assert incident.timeline.filter(data__via="SMS (Twilio)").count() == 1


@pytest.mark.django_db
def test_the_escalate_code_is_answered_and_does_not_acknowledge(paged: Any, client: Client) -> None:
    incident, page, message = paged
    with time_machine.travel(later(30), tick=False):
        assert said(reply(client, f"{message.pk}e")) == f"Escalation requested for {incident.ref}."
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    # The escalation's next step is due now (it was due at the 15-minute repeat).
    page.escalation.refresh_from_db()
    assert page.escalation.next_step_at == later(30)
    note = incident.timeline.get(data__escalate=True)
    assert note.message == (
        f"{page.user.get_username()} asked to escalate (SMS (Twilio)): the next escalation "
        "step pages now."
    )
    assert note.actor_id == page.user.pk


def _nothing_changed(incident: Any, page: Any) -> None:
    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at is None
    assert page.acknowledged_at is None


@pytest.mark.django_db
def test_a_code_from_another_number_changes_nothing(paged: Any, client: Client) -> None:
    incident, page, message = paged
    text = said(reply(client, f"{message.pk}a", sender=OTHER_PHONE))
    assert text == f"Code {message.pk}a matches no page sent to this number. Nothing was changed."
    _nothing_changed(incident, page)


@pytest.mark.django_db
def test_a_code_that_does_not_exist_or_is_not_a_page_changes_nothing(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    missing = message.pk + 1000
    assert said(reply(client, f"{missing}a")) == (
        f"Code {missing}a matches no page sent to this number. Nothing was changed."
    )
    other = OutboxMessage.objects.create(
        kind="verification", provider_kind="phone_sms", recipient=PHONE,
        destination=f"phone:{PHONE}", dedupe_key="v", subject="Your code", body="123456",
        created_at=later(0), sent_at=later(0), status="sent",
    )  # fmt: skip
    assert said(reply(client, f"{other.pk}a")) == (
        f"Code {other.pk}a matches no page sent to this number. Nothing was changed."
    )
    _nothing_changed(incident, page)


@pytest.mark.django_db
def test_text_that_is_not_a_code_gets_help(paged: Any, client: Client) -> None:
    incident, page, message = paged
    for text in ("ok", "ack", f"{message.pk}x", "", f"{message.pk} a please"):
        assert said(reply(client, text)).startswith("Not a reply code. Reply with the code")
    _nothing_changed(incident, page)


@pytest.mark.django_db
def test_an_expired_code_after_someone_else_acknowledged_changes_nothing(
    paged: Any, client: Client, responder: Any
) -> None:
    incident, page, message = paged
    with time_machine.travel(later(30), tick=False):
        acknowledge_incident(incident=incident, actor=Actor.for_user(responder))
    with time_machine.travel(later(60), tick=False):
        text = said(reply(client, f"{message.pk}a"))
    assert text == (
        f"{incident.ref} needs no answer any more (acknowledged, resolved or closed). "
        "Nothing was changed."
    )
    page.refresh_from_db()
    assert page.acknowledged_at is None
    assert not incident.timeline.filter(data__via="SMS (Twilio)").exists()


@pytest.mark.django_db
def test_a_request_without_twilios_signature_is_refused_and_changes_nothing(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    unsigned = client.post(SMS, {"From": PHONE, "Body": f"{message.pk}a"})
    assert unsigned.status_code == 403
    forged = reply(client, f"{message.pk}a", token="not-the-auth-token")
    assert forged.status_code == 403
    # Signed for another URL (a replay against another endpoint) does not pass either.
    params = {"From": PHONE, "Body": f"{message.pk}a"}
    signature = RequestValidator(twilio_standin.AUTH_TOKEN).compute_signature(
        "https://elsewhere.example/notify/twilio/sms/", params
    )
    replayed = client.post(SMS, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert replayed.status_code == 403
    # A GET is not a webhook.
    assert client.get(SMS).status_code == 405
    _nothing_changed(incident, page)


@pytest.mark.django_db
def test_status_callbacks_move_the_delivery_state_forward_once(paged: Any, client: Client) -> None:
    incident, page, message = paged
    sid = message.provider_ref.removeprefix("twilio:")

    def callback(status: str, **extra: str) -> Any:
        params = {"MessageSid": sid, "MessageStatus": status, "SmsSid": sid,
                  "AccountSid": twilio_standin.ACCOUNT_SID, "To": PHONE, **extra}  # fmt: skip
        return post_signed(client, STATUS, params)

    assert callback("sent").status_code == 204
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    with time_machine.travel(later(3), tick=False):
        assert callback("delivered").status_code == 204
    # Repeated, and a late "sent": nothing moves back or twice.
    with time_machine.travel(later(9), tick=False):
        callback("delivered")
        callback("sent")
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED
    assert message.delivered_at == later(3)
    # Unsigned: refused, nothing changes.
    refused = client.post(STATUS, {"MessageSid": sid, "MessageStatus": "undelivered"})
    assert refused.status_code == 403
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED


@pytest.mark.django_db
def test_an_undelivered_status_says_so_with_twilios_error_code(paged: Any, client: Client) -> None:
    incident, page, message = paged
    sid = message.provider_ref.removeprefix("twilio:")
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert post_signed(client, STATUS, params).status_code == 204
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.UNDELIVERED
    assert message.last_error == "Twilio reported not delivered (error 30003)"
    assert message.delivered_at is None
