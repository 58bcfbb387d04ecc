"""A drill's practice incident never reaches customers: not on /status/, no customer message delivered."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from drills import services
from drills.models import Drill
from incidents.choices import TimelineKind
from incidents.comms.models import CommsMessage, Subscriber
from incidents.comms.services import send_comms
from incidents.services import post_status_update
from portal.kernel.actors import Actor
from portal.notifications.choices import OutboxStatus
from portal.notifications.models import OutboxMessage
from portal.notifications.services import enqueue_notification
from portal.notifications.tasks import deliver_outbox_message


def _tell_customers(incident: Any, actor: Actor) -> None:
    """Everything a responder does to tell customers: public update, status page, email, direct."""
    post_status_update(
        incident=incident, actor=actor, status="identified", message="DB failover", public=True
    )
    send_comms(
        incident=incident,
        actor=actor,
        channel="status_page",
        body="We are investigating.",
        idempotency_key=uuid.uuid4(),
    )
    send_comms(
        incident=incident,
        actor=actor,
        channel="email",
        subject="Outage",
        body="Sorry.",
        idempotency_key=uuid.uuid4(),
        extra_recipients=["cto@customer.example"],
    )
    enqueue_notification(
        kind="comms_customer",
        subject="Direct",
        body="Hello",
        dedupe_key=f"direct:{incident.pk}",
        incident=incident,
        recipient_email="ops@customer.example",
        audience="customer",
    )


def _summary_refs(client: Client) -> list[str]:
    response = client.get("/status/summary.json")
    assert response.status_code == 200
    return [i["id"] for i in response.json()["incidents"]]


def test_practice_incident_never_shows_on_status_or_reaches_customers(
    planned: Drill, founder_actor: Actor, declare: Any
) -> None:
    # Given a confirmed status-page subscriber, a real production incident, and a started drill
    Subscriber.objects.create(
        email="fan@customer.example", created_at=timezone.now(), confirmed_at=timezone.now()
    )
    real = declare("SEV-2", "Checkout errors", environment="production")
    drill = services.start_drill(drill=planned, actor=founder_actor)
    practice = drill.practice_incident
    # When responders run the customer comms on both
    _tell_customers(real, founder_actor)
    _tell_customers(practice, founder_actor)
    for message_id in OutboxMessage.objects.values_list("pk", flat=True):
        deliver_outbox_message(message_id)
    # Then the public summary lists the real incident only
    refs = _summary_refs(Client())
    assert real.ref in refs
    assert practice is not None
    assert practice.ref not in refs
    assert Client().get(f"/status/incidents/{practice.ref}/").status_code == 404
    # And every customer message about the drill is sandboxed, none delivered (the real ones were)
    # (the comms app keeps drill messages out of the outbox altogether; a direct one is sandboxed)
    assert set(CommsMessage.objects.filter(incident=practice).values_list("state", flat=True)) == {
        "sandboxed"
    }
    assert practice.timeline.filter(kind=TimelineKind.COMMS_SENT).count() >= 2
    drill_customer = OutboxMessage.objects.filter(incident=practice, audience="customer")
    assert drill_customer.exists()
    assert set(drill_customer.values_list("status", flat=True)) == {OutboxStatus.SANDBOXED}
    assert not drill_customer.filter(sent_at__isnull=False).exists()
    real_customer = OutboxMessage.objects.filter(incident=real, audience="customer")
    assert real_customer.exists()
    assert OutboxStatus.SANDBOXED not in set(real_customer.values_list("status", flat=True))
