"""Subscribing on the status page: double opt-in, unsubscribe, no address oracle."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import time_machine
from django.test import Client

from incidents.comms.models import Subscriber
from incidents.models import Incident
from portal.notifications.models import OutboxMessage


def _confirm_link(email: str) -> str:
    body = (
        OutboxMessage.objects.filter(recipient=email, kind="comms_subscribe_confirm")
        .latest("id")
        .body
    )
    found = re.search(r"http://[^/]+(/status/subscribe/confirm/[^/\s]+/)", body)
    assert found is not None, body
    return found.group(1)


def test_double_opt_in_then_unsubscribe(
    db: None, declare: Callable[..., Incident], send: Any
) -> None:
    client = Client()
    # Given someone subscribes on the status page
    response = client.post("/status/subscribe/", {"email": "Alice@Customer.test"})
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "alice@customer.test"
    assert not subscriber.is_active
    # When a public update goes out before confirming, they get nothing
    incident = declare("SEV-2", title="Slow search")
    send(incident, "status_page", body="First update")
    assert not OutboxMessage.objects.filter(kind="comms_customer").exists()
    # When they follow the confirm link and confirm (a GET alone confirms nothing: issue 14)
    page = client.post(_confirm_link("alice@customer.test"))
    assert page.status_code == 200
    assert "Subscribed" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_active
    # Then the next public update reaches them, with an unsubscribe link
    send(incident, "status_page", body="Second update")
    mail = OutboxMessage.objects.get(kind="comms_customer")
    assert mail.recipient == "alice@customer.test"
    unsubscribe = re.search(r"http://[^/]+(/status/unsubscribe/[^/\s]+/)", mail.body).group(1)
    # GET only shows a button (link scanners must not unsubscribe anyone)
    assert client.get(unsubscribe).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.is_active
    assert "Unsubscribed" in client.post(unsubscribe).content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.is_active
    send(incident, "status_page", body="Third update")
    assert OutboxMessage.objects.filter(kind="comms_customer").count() == 1


def test_bad_email_is_a_form_error_not_a_500(db: None) -> None:
    response = Client().post("/status/subscribe/", {"email": "not an email"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Subscriber.objects.exists()


def test_the_answer_does_not_reveal_whether_an_address_is_subscribed(
    db: None, subscriber: Any
) -> None:
    subscriber("known@customer.test")
    known = Client().post("/status/subscribe/", {"email": "known@customer.test"})
    unknown = Client().post("/status/subscribe/", {"email": "new@customer.test"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r"new@customer.test|known@customer.test", "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    # The active subscriber gets no mail; the new one gets one confirmation a day at most.
    assert not OutboxMessage.objects.filter(recipient="known@customer.test").exists()
    Client().post("/status/subscribe/", {"email": "new@customer.test"})
    assert OutboxMessage.objects.filter(recipient="new@customer.test").count() == 1


def test_tampered_or_expired_links_are_refused(db: None) -> None:
    Client().post("/status/subscribe/", {"email": "bob@customer.test"})
    link = _confirm_link("bob@customer.test")
    assert Client().post(link[:-3] + "xx/").status_code == 400
    with time_machine.travel("2099-01-01T00:00:00Z"):
        response = Client().post(link)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Subscriber.objects.get().is_active
