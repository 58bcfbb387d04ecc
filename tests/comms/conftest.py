"""Comms fixtures: a clean page cache, public components, a send helper."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    caches["status"].clear()
    yield
    caches["status"].clear()


@pytest.fixture
def components(db: Any) -> Any:
    from incidents.models import Service

    return {
        "api": Service.objects.create(name="API", slug="api", public=True),
        "web": Service.objects.create(name="Web app", slug="web-app", public=True),
        "internal": Service.objects.create(
            name="Billing worker", slug="billing-worker", public=False
        ),
    }


@pytest.fixture
def send(system: Any) -> Any:
    """send(incident, channel="status_page", body=..., **kw) -> SendResult (fresh key unless given)."""
    from incidents.comms.services import send_comms

    def _send(incident: Any, channel: str = "status_page", **kwargs: Any) -> Any:
        kwargs.setdefault("idempotency_key", uuid.uuid4())
        kwargs.setdefault("actor", system)
        return send_comms(incident=incident, channel=channel, **kwargs)

    return _send


@pytest.fixture
def subscriber(db: Any) -> Any:
    """subscriber(email) -> a confirmed Subscriber."""
    from django.utils import timezone

    from incidents.comms.models import Subscriber

    def _make(email: str = "alice@customer.test") -> Any:
        now = timezone.now()
        return Subscriber.objects.create(email=email, created_at=now, confirmed_at=now)

    return _make
