"""Double submit at the same moment (two web workers): one message, one email each."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from incidents.comms.models import CommsMessage
from incidents.models import Incident
from portal.kernel.actors import Actor
from portal.notifications.models import OutboxMessage


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_with_one_key_send_once(
    declare: Callable[..., Incident], subscriber: Any, system: Actor
) -> None:
    from incidents.comms.services import send_comms

    subscriber("a@customer.test")
    incident = declare("SEV-1")
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def click() -> None:
        try:
            barrier.wait()
            result = send_comms(
                incident=incident,
                actor=system,
                channel="email",
                subject="Down",
                body="Sorry",
                idempotency_key=key,
            )
            results.append(result.created)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    assert CommsMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(audience="customer").count() == 1
