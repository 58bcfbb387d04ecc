"""Issue 23, "Must show": on PostgreSQL with the engine running, a rotation of two people
with SMS + voice methods and rules (SMS at 0, voice at 2 min): an alert opens a SEV-1;
the on-call person's phone gets the SMS within 5 s; nobody answers, the voice call at
+2 min; after the step's delay, the next person's SMS; that person's SMS reply code
acknowledges the incident as them; nothing more goes to anyone.

The engine's three loops run in this process (their own connections, their own
threads); the clock is moved with time_machine (`shift`), which the loops read too; the
phones are Twilio's stand-in, driven by the `twilio` library."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from incidents.choices import TimelineKind
from incidents.integrations.services import create_integration
from incidents.models import Incident
from incidents.oncall.choices import TargetKind
from incidents.oncall.models import (
    ContactMethod,
    EscalationPolicy,
    EscalationStep,
    Layer,
    NotificationRule,
    Rotation,
    RotationMember,
    Schedule,
    SeverityEscalation,
)
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from portal.project.engine import Engine
from tests.notifications.phone_pages import post_signed
from tests.notifications.standins import twilio_standin

ANA, BO = "+15550000001", "+15550000002"
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def twilio(settings: Any) -> Iterator[twilio_standin.RunningTwilio]:
    yield from twilio_standin.running(settings)


def _person(django_user_model: type[User], name: str, phone: str) -> User:
    user = django_user_model.objects.create_user(name, is_staff=True)
    sms = ContactMethod.objects.create(user=user, kind="sms", address=phone, verified_at=T0)
    voice = ContactMethod.objects.create(user=user, kind="voice", address=phone, verified_at=T0)
    NotificationRule.objects.create(user=user, contact_method=sms, delay_minutes=0)
    NotificationRule.objects.create(user=user, contact_method=voice, delay_minutes=2)
    return user


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sev1_rings_the_on_call_phone_then_the_next_person_and_an_sms_code_stops_it(
    load_policy: Any,
    django_user_model: type[User],
    twilio: twilio_standin.RunningTwilio,
    settings: Any,
) -> None:
    settings.ALERT_OPENING = "engine"
    load_policy("founder-24x7")
    ana, bo = _person(django_user_model, "ana", ANA), _person(django_user_model, "bo", BO)
    schedule = Schedule.objects.create(name="Platform", time_zone="UTC")
    layer = Layer.objects.create(schedule=schedule, name="primary", order=1)
    rotation = Rotation.objects.create(
        layer=layer, name="weekly", kind="weekly", start_date=datetime.date(2026, 3, 2)
    )
    RotationMember.objects.create(rotation=rotation, user=ana, position=0)
    RotationMember.objects.create(rotation=rotation, user=bo, position=1)
    policy = EscalationPolicy.objects.create(name="Phones", repeat=0)
    EscalationStep.objects.create(
        policy=policy, order=1, delay_minutes=0, target_kind=TargetKind.SCHEDULE,
        schedule=schedule, layer=layer,
    )  # fmt: skip
    EscalationStep.objects.create(
        policy=policy, order=2, delay_minutes=5, target_kind=TargetKind.NEXT_IN_ROTATION,
        schedule=schedule, layer=layer,
    )  # fmt: skip
    SeverityEscalation.objects.update_or_create(level_code="SEV-1", defaults={"policy": policy})
    pd = create_integration(actor=Actor.system("test"), name="Prometheus", kind="pagerduty")
    client = Client()
    with time_machine.travel(T0, tick=True) as clock:
        engine = Engine(every=0.2).start()
        try:
            event = {
                "routing_key": pd.key, "event_action": "trigger", "dedup_key": "db-down",
                "payload": {"summary": "Primary database down", "source": "db-1",
                            "severity": "critical"},
            }  # fmt: skip
            sent_at = time.monotonic()
            answer = client.post(
                "/integrations/pagerduty/v2/enqueue", data=event, content_type="application/json"
            )
            assert answer.status_code == 202
            # The on-call person's phone gets the SMS within 5 s.
            assert _wait(lambda: bool(twilio.texts_to(ANA)), 5), twilio.received
            assert time.monotonic() - sent_at < 5
            incident = Incident.objects.get()
            assert incident.severity.code == "SEV-1"
            [first] = twilio.texts_to(ANA)
            assert "SEV-1" in first
            assert "to acknowledge" in first
            # Nobody answers: the voice call at +2 min.
            clock.shift(datetime.timedelta(minutes=2, seconds=1))
            assert _wait(lambda: any(r.kind == "call" and r.phone == ANA
                                     for r in twilio.received), 5)  # fmt: skip
            assert not twilio.texts_to(BO)
            # After the step's delay (5 min), the next person in the rotation.
            clock.shift(datetime.timedelta(minutes=3))
            assert _wait(lambda: bool(twilio.texts_to(BO)), 5), twilio.received
            message = OutboxMessage.objects.get(recipient=BO, provider_kind="phone_sms")
            # Bo answers the code by SMS.
            reply = post_signed(
                client,
                "/notify/twilio/sms/",
                {"From": BO, "To": twilio_standin.FROM_NUMBER, "Body": f"{message.pk}a",
                 "MessageSid": "SM" + "e" * 32, "AccountSid": twilio_standin.ACCOUNT_SID},
            )  # fmt: skip
            assert reply.status_code == 200
            assert f"Acknowledged {incident.ref}" in reply.content.decode()
            incident.refresh_from_db()
            assert incident.acknowledged_at is not None
            acked = incident.timeline.get(kind=TimelineKind.ACKNOWLEDGED)
            assert acked.actor_id == bo.pk
            assert AuditEntry.objects.filter(
                object_type="incidents.incident", actor_user_id=bo.pk
            ).exists()
            # Nothing more to anyone: bo's voice rule at +2 min and any repeat stay unsent.
            received = len(twilio.received)
            clock.shift(datetime.timedelta(minutes=10))
            time.sleep(2)
            assert len(twilio.received) == received
        finally:
            engine.stop(timeout=10)
            connection.close()
