"""Issue 14, "Anonymous subscribe": throttled per address and per client; confirmed by POST."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from incidents.comms.models import Subscriber
from portal.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    caches["throttle"].clear()


def _confirmations() -> int:
    return OutboxMessage.objects.filter(kind="comms_subscribe_confirm").count()


def test_thirty_posts_from_one_client_send_at_most_five_mails(client: Any, policy: Any) -> None:
    codes = [
        client.post("/status/subscribe/", {"email": f"a{i}@example.com"}).status_code
        for i in range(30)
    ]
    assert codes[:5] == [200] * 5
    assert set(codes[5:]) == {429}
    assert _confirmations() == 5
    # Another client is not affected
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post("/status/subscribe/", {"email": "b@example.com"}).status_code == 200


def test_one_address_gets_one_confirmation_mail_a_day(policy: Any) -> None:
    for n in range(4):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/status/subscribe/", {"email": "c@example.com"})
    assert _confirmations() == 1


def test_confirmation_link_get_does_not_confirm_post_does(client: Any, policy: Any) -> None:
    from incidents.comms.subscriptions import confirm_url

    client.post("/status/subscribe/", {"email": "d@example.com"})
    subscriber = Subscriber.objects.get(email="d@example.com")
    path = confirm_url(subscriber).split("://", 1)[-1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None  # a mail scanner's GET changes nothing
    assert client.post(f"/{path}").status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
