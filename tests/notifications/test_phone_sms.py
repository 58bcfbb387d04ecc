"""Issue 23, item 3: a page by SMS through Twilio (its official library, against the local
stand-in of its REST API), Telnyx carrying it when Twilio refuses or cannot be reached,
and at most PHONE_MAX_PER_MINUTE texts to one phone a minute plus one summary."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from portal.notifications.choices import DeliveryState, OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.providers import DeliveryError
from portal.notifications.providers.phone_sms import (
    carrier_label,
    gsm_length,
    send_text,
    sms_text,
)
from portal.notifications.tasks import deliver_outbox_message
from tests.notifications.phone_pages import PHONE, T0, later, page_to_phone
from tests.notifications.standins import telnyx_standin, twilio_standin


@pytest.fixture
def twilio(settings: Any) -> Iterator[twilio_standin.RunningTwilio]:
    yield from twilio_standin.running(settings)


@pytest.fixture
def telnyx(settings: Any) -> Iterator[telnyx_standin.RunningTelnyx]:
    yield from telnyx_standin.running(settings)


@pytest.mark.django_db
def test_a_page_is_texted_with_its_reply_codes_through_twilio(
    load_policy: Any,
    founder: Any,
    twilio: Any,
    telnyx: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    incident, page, message = page_to_phone(
        load_policy, django_capture_on_commit_callbacks, kind="phone_sms"
    )
    [received] = twilio.received
    assert received.phone == PHONE
    assert received.at == T0
    n = message.pk
    assert received.text == (
        f"PAGE SEV-1 {incident.ref}: Checkout down. Reply {n}a to acknowledge, {n}e to escalate."
    )
    assert received.status_callback == f"{settings.PORTAL_BASE_URL}/notify/twilio/status/"
    assert message.provider_ref == f"twilio:{received.sid}"
    assert carrier_label(message.provider_ref) == "Twilio"
    assert message.delivery_state == DeliveryState.ACCEPTED
    assert telnyx.received == []


@pytest.mark.django_db
def test_a_long_or_accented_title_is_cut_to_one_gsm_segment_and_keeps_the_codes(
    load_policy: Any, founder: Any, twilio: Any, django_capture_on_commit_callbacks: Any
) -> None:
    title = "Façade für Kund·innen in Köln fällt aus 💥 " + "sehr lange " * 12
    incident, page, message = page_to_phone(
        load_policy, django_capture_on_commit_callbacks, kind="phone_sms", title=title
    )
    [text] = twilio.texts_to(PHONE)
    assert gsm_length(text) <= 160
    assert text.startswith(
        f"PAGE SEV-1 {incident.ref}: Facade für Kund?innen in Köln fällt aus ? sehr"
    )
    assert text.endswith(f"... Reply {message.pk}a to acknowledge, {message.pk}e to escalate.")


@pytest.mark.django_db
def test_twilio_answering_500_sends_the_page_through_telnyx_and_the_ref_says_so(
    load_policy: Any,
    founder: Any,
    twilio: Any,
    telnyx: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    twilio.fail(500)
    incident, page, message = page_to_phone(
        load_policy, django_capture_on_commit_callbacks, kind="phone_sms"
    )
    assert twilio.received == []
    [received] = telnyx.received
    assert received.phone == PHONE
    assert received.text == sms_text(message)
    assert message.status == OutboxStatus.SENT
    assert message.provider_ref == f"telnyx:{received.id}"
    assert carrier_label(message.provider_ref) == "Telnyx"


@pytest.mark.django_db
def test_twilio_unreachable_sends_the_page_through_telnyx(
    load_policy: Any,
    founder: Any,
    twilio: Any,
    telnyx: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    twilio.stop()
    incident, page, message = page_to_phone(
        load_policy, django_capture_on_commit_callbacks, kind="phone_sms"
    )
    assert telnyx.texts_to(PHONE) == [sms_text(message)]
    assert carrier_label(message.provider_ref) == "Telnyx"


@pytest.mark.django_db
def test_both_carriers_down_is_a_delivery_error_naming_both_and_the_outbox_retries(
    load_policy: Any,
    founder: Any,
    twilio: Any,
    telnyx: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    twilio.fail(500)
    telnyx.fail(503)
    with pytest.raises(DeliveryError) as raised:
        send_text(to=PHONE, body="hello")
    assert "Twilio refused: HTTP 500 error 20500" in str(raised.value)
    assert "Telnyx refused: HTTP 503 error 10007" in str(raised.value)
    load_policy("founder-24x7")
    from portal.kernel.actors import Actor
    from portal.notifications.channels import update_channel

    update_channel(
        name="#alerts", kind="phone_sms", target=PHONE, enabled=True, actor=Actor.system("t")
    )
    from incidents.oncall.models import Page
    from incidents.services import declare_incident

    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            declare_incident(actor=Actor.system("t"), title="Checkout down", severity="SEV-1")
        page = Page.objects.get()
        assert page.message_id is not None
        assert deliver_outbox_message(page.message_id) == "pending"
    message = OutboxMessage.objects.get(pk=page.message_id)
    assert "Twilio refused: HTTP 500" in message.last_error
    assert "Telnyx refused: HTTP 503" in message.last_error
    assert message.provider_ref == ""
    assert twilio.received == []
    assert telnyx.received == []


def _pages_to(phone: str, count: int, now: datetime.datetime) -> list[int]:
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind="page",
            provider_kind="phone_sms",
            recipient=phone,
            destination=f"phone:{phone}",
            dedupe_key=f"storm:{i}",
            subject=f"PAGE SEV-2 INC-{i:02d}: Disk full on db-{i}",
            body="",
            created_at=now,
            next_attempt_at=now,
        )
        for i in range(count)
    )
    return [row.pk for row in rows]


@pytest.mark.django_db
def test_twenty_pages_to_one_phone_in_a_minute_send_the_limit_and_one_summary(
    twilio: Any, settings: Any
) -> None:
    settings.PHONE_MAX_PER_MINUTE = 5
    ids = _pages_to(PHONE, 20, T0)
    for i, pk in enumerate(ids):
        with time_machine.travel(later(i * 2), tick=False):  # 20 pages within 40 s
            assert deliver_outbox_message(pk) == "sent"
    texts = twilio.texts_to(PHONE)
    assert len(texts) == 5 + 1
    assert all("Reply" in text for text in texts[:5])
    assert texts[5] == (
        "+15 more messages not texted (over 5 a minute to this phone). "
        f"Open the portal: {settings.PORTAL_BASE_URL}/admin/"
    )
    # None is lost silently: each is marked sent, the 15 as summarised.
    rows = OutboxMessage.objects.filter(pk__in=ids).order_by("pk")
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    states = [row.delivery_state for row in rows]
    assert states == [DeliveryState.ACCEPTED] * 5 + [DeliveryState.SUMMARISED] * 15
    # The summary's carrier reference is on the first summarised message.
    assert rows[5].provider_ref.startswith("twilio:SM")
    assert [row.provider_ref for row in rows[6:]] == [""] * 14


@pytest.mark.django_db
def test_the_limit_is_per_phone_and_per_minute(twilio: Any, settings: Any) -> None:
    settings.PHONE_MAX_PER_MINUTE = 2
    first = _pages_to(PHONE, 3, T0)
    with time_machine.travel(T0, tick=False):
        other = OutboxMessage.objects.create(
            kind="page", provider_kind="phone_sms", recipient="+15551230002",
            destination="phone:+15551230002", dedupe_key="other", subject="PAGE X",
            created_at=timezone.now(), next_attempt_at=timezone.now(),
        )  # fmt: skip
        for pk in [*first, other.pk]:
            assert deliver_outbox_message(pk) == "sent"
    assert len(twilio.texts_to(PHONE)) == 3  # two pages and the summary
    assert len(twilio.texts_to("+15551230002")) == 1
    # A minute later the phone gets pages again.
    [again] = OutboxMessage.objects.bulk_create(
        [OutboxMessage(kind="page", provider_kind="phone_sms", recipient=PHONE,
                       destination=f"phone:{PHONE}", dedupe_key="again", subject="PAGE Y",
                       created_at=later(61), next_attempt_at=later(61))]
    )  # fmt: skip
    with time_machine.travel(later(61), tick=False):
        assert deliver_outbox_message(again.pk) == "sent"
    assert (
        twilio.texts_to(PHONE)[-1]
        == f"PAGE Y. Reply {again.pk}a to acknowledge, {again.pk}e to escalate."
    )
