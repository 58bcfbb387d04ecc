"""`GET /api/health`: 200 when the database and the task queue answer and the paging engine
beats, 503 naming what is down."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from portal.project import health

pytestmark = pytest.mark.django_db


class _DeadCursor:
    def __enter__(self) -> Any:
        raise OperationalError("connection refused (password=secret)")

    def __exit__(self, *args: Any) -> None:
        return None


class _DeadConnection:
    vendor = "postgresql"

    def cursor(self) -> _DeadCursor:
        return _DeadCursor()


class _DeadBroker:
    def ping(self) -> bool:
        raise ConnectionError("redis down")

    def queue_size(self) -> int:  # pragma: no cover - never reached
        return 0


def test_healthy_is_200_without_a_token(engine_alive: Any) -> None:
    # Given no credentials at all (load balancers and uptime checks have none)
    response = APIClient().get("/api/health")
    # Then both checks pass and the answer is 200
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"]
    assert body["checks"]["task_queue"]["ok"] is True
    assert body["checks"]["task_queue"]["queued"] >= 0
    assert body["checks"]["engine"]["ok"] is True
    assert body["time"].endswith("Z")


def test_database_down_is_503_naming_the_check(
    monkeypatch: Any, caplog: Any, engine_alive: Any
) -> None:
    monkeypatch.setattr(health, "connection", _DeadConnection())
    response = APIClient().get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["task_queue"]["ok"] is True
    # The error's text (which may hold a connection string) is neither returned nor logged.
    assert "secret" not in response.content.decode()
    assert "secret" not in caplog.text


def test_task_queue_down_is_503(monkeypatch: Any, engine_alive: Any) -> None:
    monkeypatch.setattr("django_q.brokers.get_broker", lambda *args, **kwargs: _DeadBroker())
    response = APIClient().get("/api/health")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == {"ok": False, "error": "ConnectionError"}
    assert response.json()["checks"]["database"]["ok"] is True


def test_only_get_is_allowed() -> None:
    assert APIClient().post("/api/health").status_code == 405


def test_an_engine_that_never_ran_or_went_silent_is_503_in_words(engine_alive: Any) -> None:
    """What was seen: the engine's opening loop died and /api/health stayed 200."""
    import time

    from django.core.cache import caches

    engine_alive(time.time() - 120)  # every loop last beat two minutes ago
    body = APIClient().get("/api/health").json()
    assert body["status"] == "unavailable"
    engine = body["checks"]["engine"]
    assert engine["ok"] is False
    assert engine["error"].startswith("The paging engine is down: its opening loop is silent for 1")
    caches["engine"].clear()
    never = APIClient().get("/api/health")
    assert never.status_code == 503
    assert never.json()["checks"]["engine"]["error"] == (
        "The paging engine has never run: nothing opens alerts or pages."
    )


def test_due_work_past_its_threshold_is_503_naming_the_late_kind(
    engine_alive: Any, policy: Any, system: Any
) -> None:
    """Issue 24, "health that knows the pager": loops can beat and still fall behind; the
    oldest due item per kind is reported, and past PAGER_LAG_SECONDS it is a 503."""
    import datetime

    from django.utils import timezone

    from incidents.integrations.models import Alert
    from portal.notifications.models import OutboxMessage

    body = APIClient().get("/api/health").json()
    assert body["checks"]["engine"]["lag_seconds"] == {
        "opening": None,
        "escalation": None,
        "personal": None,
        "delivery": None,
    }
    # Given an alert stored unopened five minutes ago, and a message due as long
    from incidents.integrations.services import create_integration

    pd = create_integration(actor=system, name="pd", kind="pagerduty")
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    Alert.objects.create(
        integration=pd,
        dedup_key="stuck",
        summary="Disk full",
        first_seen_at=long_ago,
        last_seen_at=long_ago,
        opening=True,
    )
    OutboxMessage.objects.create(
        kind="page",
        subject="You are paged",
        body="x",
        destination="a@example.com",
        dedupe_key="late-1",
        next_attempt_at=long_ago,
        created_at=long_ago,
    )
    response = APIClient().get("/api/health")
    assert response.status_code == 503
    engine = response.json()["checks"]["engine"]
    assert engine["lag_seconds"]["opening"] == pytest.approx(300, abs=5)
    assert engine["error"] == (
        "The pager is late: an alert waits to be opened for 300 s; "
        "a message waits to be delivered for 300 s."
    )
