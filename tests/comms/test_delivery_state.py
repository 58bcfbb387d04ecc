"""Issue 25: a sent customer e-mail showed "Queued for delivery" for good on the incident
while its outbox row said `sent`. The incident reads the delivery from the outbox rows."""

from __future__ import annotations

from typing import Any

import pytest

from portal.notifications.models import OutboxMessage
from portal.notifications.outbox import deliver_outbox_message
from portal.notifications.selectors import human_time

pytestmark = pytest.mark.django_db


def _incident_page(client: Any, incident: Any) -> str:
    return client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()


def test_a_sent_customer_email_reads_sent_on_the_incident_and_the_compose_page(
    client: Any, founder: Any, declare: Any, send: Any
) -> None:
    # Given a customer e-mail handed to the outbox
    client.force_login(founder)
    incident = declare("SEV-2", what_is_broken="card payments", customer_impact="failures")
    result = send(
        incident, channel="email", body="Card payments fail.", extra_recipients=["a@example.com"]
    )
    row = OutboxMessage.objects.get(data__comms_message=result.message.pk)

    # When the worker delivers it
    assert deliver_outbox_message(row.pk) == "sent"
    row.refresh_from_db()
    assert row.sent_at is not None

    # Then the incident and the compose page say it was sent, and when
    page = _incident_page(client, incident)
    assert "Queued for delivery" not in page
    assert f"sent {human_time(row.sent_at)}" in page
    compose = client.get(f"/admin/comms/commsmessage/compose/{incident.pk}/").content.decode()
    assert "Queued for delivery" not in compose
    assert f"sent {human_time(row.sent_at)}" in compose


def test_many_recipients_are_counted_by_their_outbox_state(
    client: Any, founder: Any, declare: Any, send: Any
) -> None:
    client.force_login(founder)
    incident = declare("SEV-2", what_is_broken="card payments", customer_impact="failures")
    result = send(
        incident,
        channel="email",
        body="Card payments fail.",
        extra_recipients=["a@example.com", "b@example.com", "c@example.com"],
    )
    first = OutboxMessage.objects.filter(data__comms_message=result.message.pk).first()
    assert first is not None
    deliver_outbox_message(first.pk)
    assert "sent to 1 of 3, 2 pending" in _incident_page(client, incident)
