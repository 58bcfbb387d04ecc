"""Issue 23: Telnyx's messaging webhooks. A page Telnyx carried (Twilio answering 500) is
answered by SMS to the Telnyx number: the reply code acknowledges the page and the
incident as the paged person, and the portal's answer goes back through Telnyx; a wrong
code is answered and changes nothing; a repeated webhook changes nothing twice; a
missing, wrong or stale signature is refused 403; delivery receipts move the outbox
row's delivery state forward; a body that is not a Telnyx event is a 400 naming why.

Events are Telnyx's published examples filled in and signed with a test Ed25519 key
pair as Telnyx signs them (`standins/telnyx_webhooks.py`); the answers go through the
`telnyx` library to the stand-in of Telnyx's API (`standins/telnyx_standin.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from portal.notifications.choices import DeliveryState
from portal.notifications.models import OutboxMessage
from portal.notifications.tasks import deliver_outbox_message
from tests.notifications.phone_pages import (
    OTHER_PHONE,
    PHONE,
    assert_acknowledged_by_reply,
    later,
    page_to_phone,
)
from tests.notifications.standins import telnyx_standin, telnyx_webhooks, twilio_standin
from tests.notifications.standins.telnyx_webhooks import PATH, post, receipt, received, signed

REPLY = "sms_reply"


@pytest.fixture
def twilio(settings: Any) -> Iterator[twilio_standin.RunningTwilio]:
    yield from twilio_standin.running(settings)


@pytest.fixture
def telnyx(settings: Any) -> Iterator[telnyx_standin.RunningTelnyx]:
    settings.TELNYX_PUBLIC_KEY = telnyx_webhooks.PUBLIC_KEY
    yield from telnyx_standin.running(settings)


@pytest.fixture
def paged(
    load_policy: Any,
    founder: Any,
    twilio: twilio_standin.RunningTwilio,
    telnyx: telnyx_standin.RunningTelnyx,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    """A SEV-1 page texted to PHONE through Telnyx (Twilio answered 500); Twilio is back."""
    twilio.fail(500)
    incident, page, message = page_to_phone(
        load_policy, django_capture_on_commit_callbacks, kind="phone_sms"
    )
    assert message.provider_ref.startswith("telnyx:")
    twilio.fail(0)
    return incident, page, message


def _answers() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=REPLY).order_by("pk"))


def _deliver_answers(at: float) -> None:
    with time_machine.travel(later(at), tick=False):
        for answer in _answers():
            deliver_outbox_message(answer.pk)


def _nothing_changed(incident: Any, page: Any) -> None:
    incident.refresh_from_db()
    page.refresh_from_db()
    assert incident.acknowledged_at is None
    assert page.acknowledged_at is None
    assert not incident.timeline.filter(data__via="SMS (Telnyx)").exists()


@pytest.mark.django_db
def test_a_reply_code_to_a_telnyx_page_acknowledges_as_the_person_and_is_answered_by_telnyx(
    paged: Any, client: Client, telnyx: Any, twilio: Any
) -> None:
    incident, page, message = paged
    # The page named the portal's Telnyx webhook for its receipts.
    [texted] = telnyx.received
    assert texted.webhook_url == f"{settings.PORTAL_BASE_URL}{PATH}"
    with time_machine.travel(later(40), tick=False):
        response = post(client, received(sender=PHONE, text=f" {message.pk}A "))
    assert response.status_code == 200
    assert_acknowledged_by_reply(incident, page, at=later(40), via="SMS (Telnyx)")
    # The answer leaves through the outbox after the commit, by Telnyx (the number the
    # person texted) although Twilio answers again.
    [answer] = _answers()
    assert answer.recipient == PHONE
    assert answer.subject == f"Acknowledged {incident.ref}. Thank you."
    _deliver_answers(41)
    assert telnyx.texts_to(PHONE)[-1] == f"Acknowledged {incident.ref}. Thank you."
    assert telnyx.received[-1].sender == telnyx_standin.FROM_NUMBER
    assert twilio.received == []
    answer.refresh_from_db()
    assert answer.provider_ref == f"telnyx:{telnyx.received[-1].id}"


@pytest.mark.django_db
def test_the_answer_comes_from_the_telnyx_number_the_person_texted(
    paged: Any, client: Client, telnyx: Any
) -> None:
    incident, page, message = paged
    with time_machine.travel(later(40), tick=False):
        post(client, received(sender=PHONE, text=f"{message.pk}e", to="+15005550100"))
    _deliver_answers(41)
    assert telnyx.received[-1].text == f"Escalation requested for {incident.ref}."
    assert telnyx.received[-1].sender == "+15005550100"


@pytest.mark.django_db
def test_the_answer_goes_through_twilio_when_telnyx_cannot_take_it(
    paged: Any, client: Client, telnyx: Any, twilio: Any
) -> None:
    incident, page, message = paged
    with time_machine.travel(later(40), tick=False):
        post(client, received(sender=PHONE, text=f"{message.pk}a"))
    telnyx.fail(503)
    _deliver_answers(41)
    assert twilio.texts_to(PHONE) == [f"Acknowledged {incident.ref}. Thank you."]
    [answer] = _answers()
    assert answer.provider_ref.startswith("twilio:SM")


@pytest.mark.django_db
def test_the_answer_is_not_held_back_by_the_per_number_limit(
    paged: Any, client: Client, telnyx: Any, settings: Any
) -> None:
    incident, page, message = paged
    settings.PHONE_MAX_PER_MINUTE = 1  # the page was this minute's one text
    with time_machine.travel(later(20), tick=False):
        post(client, received(sender=PHONE, text=f"{message.pk}a"))
    _deliver_answers(21)
    assert telnyx.texts_to(PHONE)[1:] == [f"Acknowledged {incident.ref}. Thank you."]
    [answer] = _answers()
    assert answer.delivery_state == DeliveryState.ACCEPTED


@pytest.mark.django_db
def test_a_repeated_webhook_changes_nothing_and_answers_once(
    paged: Any, client: Client, telnyx: Any
) -> None:
    incident, page, message = paged
    with time_machine.travel(later(40), tick=False):
        body, headers = signed(received(sender=PHONE, text=f"{message.pk}a"))
        assert telnyx_webhooks.send(client, body, headers).status_code == 200
    # Telnyx delivers the same event again (no 2xx seen in time): same body, same headers.
    with time_machine.travel(later(100), tick=False):
        assert telnyx_webhooks.send(client, body, headers).status_code == 200
    incident.refresh_from_db()
    assert incident.acknowledged_at == later(40)
    assert incident.timeline.filter(data__via="SMS (Telnyx)").count() == 1
    assert len(_answers()) == 1
    _deliver_answers(101)
    assert telnyx.texts_to(PHONE)[1:] == [f"Acknowledged {incident.ref}. Thank you."]


@pytest.mark.django_db
def test_a_wrong_code_is_answered_through_telnyx_and_changes_nothing(
    paged: Any, client: Client, telnyx: Any
) -> None:
    incident, page, message = paged
    missing = message.pk + 1000
    with time_machine.travel(later(30), tick=False):
        for sender, text in (
            (OTHER_PHONE, f"{message.pk}a"),
            (PHONE, f"{missing}a"),
            (PHONE, "ok on it"),
        ):
            assert post(client, received(sender=sender, text=text)).status_code == 200
    _nothing_changed(incident, page)
    _deliver_answers(31)
    assert telnyx.texts_to(OTHER_PHONE) == [
        f"Code {message.pk}a matches no page sent to this number. Nothing was changed."
    ]
    assert telnyx.texts_to(PHONE)[1:] == [
        f"Code {missing}a matches no page sent to this number. Nothing was changed.",
        "Not a reply code. Reply with the code from your page, e.g. 42a to acknowledge or "
        "42e to escalate.",
    ]


@pytest.mark.django_db
def test_the_code_of_a_page_folded_into_a_summary_was_never_texted_and_changes_nothing(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    OutboxMessage.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.SUMMARISED)
    with time_machine.travel(later(30), tick=False):
        post(client, received(sender=PHONE, text=f"{message.pk}a"))
    _nothing_changed(incident, page)
    [answer] = _answers()
    assert answer.subject == (
        f"Code {message.pk}a matches no page sent to this number. Nothing was changed."
    )


@pytest.mark.django_db
def test_a_missing_or_wrong_signature_is_refused_and_changes_nothing(
    paged: Any, client: Client, settings: Any
) -> None:
    incident, page, message = paged
    event = received(sender=PHONE, text=f"{message.pk}a")
    with time_machine.travel(later(30), tick=False):
        body, headers = signed(event)
        unsigned = client.post(PATH, body, content_type="application/json")
        assert unsigned.status_code == 403
        assert "telnyx-signature-ed25519" in unsigned.content.decode()
        # Signed with another account's key.
        assert post(client, event, key=telnyx_webhooks.OTHER_KEY).status_code == 403
        # The body changed after signing ("a" → "e").
        tampered = body.replace(f'"{message.pk}a"'.encode(), f'"{message.pk}e"'.encode())
        assert tampered != body
        assert telnyx_webhooks.send(client, tampered, headers).status_code == 403
        # A signature that is not base64 of 64 bytes; a timestamp that is not a number.
        garbled = {**headers, "telnyx-signature-ed25519": "not a signature"}
        assert telnyx_webhooks.send(client, body, garbled).status_code == 403
        no_time = {**headers, "telnyx-timestamp": "yesterday"}
        assert telnyx_webhooks.send(client, body, no_time).status_code == 403
        # No public key set: nothing is trusted.
        settings.TELNYX_PUBLIC_KEY = ""
        no_key = telnyx_webhooks.send(client, body, headers)
        assert no_key.status_code == 403
        assert "TELNYX_PUBLIC_KEY" in no_key.content.decode()
        # A GET is not a webhook.
        assert client.get(PATH).status_code == 405
    _nothing_changed(incident, page)
    assert _answers() == []


@pytest.mark.django_db
def test_a_timestamp_older_than_five_minutes_is_refused_as_a_replay(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    event = received(sender=PHONE, text=f"{message.pk}a")
    with time_machine.travel(later(400), tick=False):
        stale = post(client, event, timestamp=int(later(400 - 301).timestamp()))
        assert stale.status_code == 403
        assert "too old" in stale.content.decode()
        future = post(client, event, timestamp=int(later(400 + 301).timestamp()))
        assert future.status_code == 403
    _nothing_changed(incident, page)
    assert _answers() == []
    # Signed 5 minutes before it arrived: still accepted.
    with time_machine.travel(later(500), tick=False):
        fresh = post(client, event, timestamp=int(later(500 - 300).timestamp()))
    assert fresh.status_code == 200
    incident.refresh_from_db()
    assert incident.acknowledged_at == later(500)


@pytest.mark.django_db
def test_receipts_move_the_delivery_state_of_the_page_telnyx_carried_forward_once(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    telnyx_id = message.provider_ref.removeprefix("telnyx:")
    assert message.delivery_state == DeliveryState.ACCEPTED
    with time_machine.travel(later(1), tick=False):
        sent = post(client, receipt("message.sent", message_id=telnyx_id, status="sent"))
    assert sent.status_code == 200
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    with time_machine.travel(later(3), tick=False):
        done = receipt("message.finalized", message_id=telnyx_id, status="delivered")
        assert post(client, done).status_code == 200
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED
    assert message.delivered_at == later(3)
    # Repeated, and a late message.sent: nothing moves back or twice.
    with time_machine.travel(later(9), tick=False):
        post(client, done)
        post(client, receipt("message.sent", message_id=telnyx_id, status="sent"))
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED
    assert message.delivered_at == later(3)
    # A receipt about a message the portal did not send changes nothing.
    with time_machine.travel(later(10), tick=False):
        other = receipt("message.finalized", message_id="9b1e0c2a-0000", status="delivery_failed")
        assert post(client, other).status_code == 200
    assert OutboxMessage.objects.filter(delivery_state=DeliveryState.UNDELIVERED).count() == 0


@pytest.mark.django_db
def test_a_failed_delivery_says_so_with_telnyxs_error_code(paged: Any, client: Client) -> None:
    incident, page, message = paged
    telnyx_id = message.provider_ref.removeprefix("telnyx:")
    errors = [{"code": "40002", "title": "Blocked as spam - temporary",
               "detail": "Flagged by a spam filter and not delivered."}]  # fmt: skip
    event = receipt(
        "message.finalized", message_id=telnyx_id, status="delivery_failed", errors=errors
    )
    with time_machine.travel(later(5), tick=False):
        assert post(client, event).status_code == 200
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.UNDELIVERED
    assert message.last_error == "Telnyx reported not delivered (error 40002)"
    assert message.delivered_at is None


@pytest.mark.django_db
def test_a_body_that_is_not_a_telnyx_event_is_a_400_naming_the_problem(
    paged: Any, client: Client
) -> None:
    incident, page, message = paged
    no_sender = received(sender=PHONE, text=f"{message.pk}a")
    del no_sender["data"]["payload"]["from"]
    no_status = receipt("message.finalized", message_id="x", status="delivered")
    no_status["data"]["payload"]["to"] = []
    cases: list[tuple[dict[str, Any] | bytes, str]] = [
        (b"{not json", "The body is not JSON"),
        (b"[]", "data is missing"),
        (b'{"data": {"payload": {}}}', "data.event_type is missing"),
        (no_sender, "data.payload.from.phone_number is missing"),
        (no_status, "data.payload.to[0].status is missing"),
        ("📟".encode("utf-16"), "not UTF-8"),
    ]
    with time_machine.travel(later(30), tick=False):
        for event, problem in cases:
            response = post(client, event)
            assert response.status_code == 400, event
            assert problem in response.content.decode(), response.content
        # An event the portal does not read is taken and ignored.
        call = received(sender=PHONE, text=f"{message.pk}a")
        call["data"]["event_type"] = "call.initiated"
        assert post(client, call).status_code == 200
    _nothing_changed(incident, page)
    assert _answers() == []
