"""Issue 25: the incident page's page row read "Page admin (step 1) for 6" (an internal
id) and its Delivered column a different date style from Paged at beside it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidents.services import declare_incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage
from portal.notifications.outbox import deliver_outbox_message
from portal.notifications.selectors import delivery_words

T0 = datetime.datetime(2026, 3, 2, 13, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_the_page_row_names_the_incident_and_dates_alike(
    load_policy: Any, admin_client: Client, committed: Any
) -> None:
    from django.contrib.auth.models import User

    from incidents.oncall.models import ContactMethod, NotificationRule

    load_policy("founder-24x7")
    admin = User.objects.get(username="admin")  # the first superuser is the rotation's
    email = ContactMethod.objects.create(
        user=admin, kind="email", address="admin@example.com", verified_at=T0
    )
    NotificationRule.objects.create(user=admin, contact_method=email, delay_minutes=0)
    with time_machine.travel(T0, tick=False), committed():
        incident = declare_incident(actor=Actor.system("test"), title="Down", severity="SEV-1")
    with time_machine.travel(T0 + datetime.timedelta(seconds=2), tick=False):
        results = [
            (m.kind, m.destination, deliver_outbox_message(m.pk))
            for m in OutboxMessage.objects.filter(incident=incident)
        ]
    page = admin_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    text = page.content.decode()
    assert f"(step 1) for {incident.ref}" in text
    assert f"for {incident.pk}</p>" not in text
    assert "March 2, 2026, 1 p.m." in text  # paged at, the admin's own style
    delivered = text.split('id="pages-group"', 1)[1].split("</table>", 1)[0]
    assert "sent March 2, 2026, 1:00:02 p.m." in delivered, (results, delivered)  # the same style


def test_a_retried_message_says_its_error_without_the_stamp_the_outbox_wrote() -> None:
    message = OutboxMessage(
        status="pending",
        attempts=2,
        last_error="attempt 2 at 2026-03-02 13:00:05Z: connection refused",
    )
    assert delivery_words(message) == "pending (2 attempts): connection refused"


@pytest.mark.django_db
def test_a_page_held_by_a_disabled_channel_says_held_not_pending(
    load_policy: Any, admin_client: Client, committed: Any
) -> None:
    """Seen in the screenshots: "#alerts: pending" for good, although the timeline says
    #alerts is disabled: the message is held, not on its way."""
    from portal.notifications.models import NotificationChannel

    load_policy("founder-24x7")
    assert not NotificationChannel.objects.get(name="#alerts").enabled
    with committed():
        incident = declare_incident(actor=Actor.system("test"), title="Down", severity="SEV-1")
    text = admin_client.get(
        reverse("admin:incidents_incident_change", args=[incident.pk])
    ).content.decode()
    delivered = text.split('id="pages-group"', 1)[1].split("</table>", 1)[0]
    assert "#alerts: held: #alerts is disabled" in delivered, delivered
    assert "#alerts: pending" not in delivered
