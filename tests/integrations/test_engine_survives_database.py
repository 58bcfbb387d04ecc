"""Issue 24, "after the database drops the engine's connections, the engine never opens
another alert": the real `manage.py engine` process, PostgreSQL terminating its backends
(what a restart, a failover or a pooler restart does), and the next trigger still opened."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from incidents.integrations.models import Alert
from portal.project import heartbeats
from tests.integrations.conftest import pd_event

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = "/integrations/pagerduty/v2/enqueue"


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _opened(dedup_key: str) -> bool:
    return Alert.objects.filter(dedup_key=dedup_key, incident__isnull=False).exists()


def _named_backends(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [name],
        )
        return int(cursor.fetchone()[0])


def _engine_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_engine_reconnects_after_its_backends_are_terminated(
    pd: Any, client: Any, founder: Any, settings: Any
) -> None:
    def post(url: str, body: Any) -> Any:
        # Straight to the door: the engine process, not this test, must open the alert.
        return client.post(url, data=json.dumps(body), content_type="application/json")

    settings.ALERT_OPENING = "engine"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "ALERT_OPENING": "engine",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    engine = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "engine", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert post(ENQUEUE, pd_event(pd.key, dedup_key="before")).status_code == 202
        assert _wait(lambda: _opened("before"), 60), "the engine never opened the first alert"
        # When PostgreSQL terminates every backend of the engine
        assert _wait(lambda: _engine_backends() >= 1, 20)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated = sum(1 for (ok,) in cursor.fetchall() if ok)
        assert terminated >= 1
        # Then a new trigger is still opened, by the same process, within seconds
        assert post(ENQUEUE, pd_event(pd.key, dedup_key="after")).status_code == 202
        assert _wait(lambda: _opened("after"), 20), "no incident after the backends were dropped"
        assert engine.poll() is None, "the engine exited"
        # And its loops beat again (the health check reads these)
        heartbeats._last_written.clear()
        assert _wait(lambda: heartbeats.engine_state().ok, 15)
    finally:
        engine.send_signal(signal.SIGTERM)
        try:
            engine.wait(timeout=20)
        except subprocess.TimeoutExpired:
            engine.kill()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_loop_whose_wait_or_cycle_fails_reconnects_and_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The failure seen: `wait_for_unopened` raised OperationalError on a connection the
    database had dropped and the opening thread died, while the other loops cycled on."""
    from django.db import OperationalError

    from portal.project import engine as engine_module

    calls = {"cycle": 0, "wait": 0, "closed": 0}

    def cycle() -> dict[str, int]:
        calls["cycle"] += 1
        if calls["cycle"] == 2:
            raise OperationalError("terminating connection due to administrator command")
        return {}

    def wait(timeout: float) -> bool:
        calls["wait"] += 1
        if calls["wait"] == 1:
            raise OperationalError("consuming input failed: server closed the connection")
        time.sleep(timeout)
        return False

    class LoopConnection:
        """The loop's connection as the engine module sees it: closing is counted."""

        def close(self) -> None:
            calls["closed"] += 1

    monkeypatch.setattr(engine_module, "MAX_BACKOFF", 0.05)
    monkeypatch.setattr(engine_module, "connection", LoopConnection())
    engine = engine_module.Engine(every=0.05)
    thread = threading.Thread(target=engine._loop, args=("opening", cycle, wait), daemon=True)
    engine.threads = [thread]
    thread.start()
    assert _wait(lambda: calls["cycle"] >= 5, 10), calls
    assert thread.is_alive()
    assert engine.errors == 2
    assert calls["closed"] >= 2  # the broken connection dropped each time
    engine.stop(timeout=5)
    assert not thread.is_alive()


def test_a_heartbeat_that_cannot_be_written_never_stops_paging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seen in the benchmark: without its cache table (no `createcachetable`), every
    cycle counted as failed and backed off: pages waited seconds."""
    from portal.project import engine as engine_module

    cycles = {"n": 0}

    def cycle() -> dict[str, int]:
        cycles["n"] += 1
        return {}

    def broken_beat(loop: str) -> None:
        raise RuntimeError("no such table: portal_engine_heartbeat")

    monkeypatch.setattr(engine_module.heartbeats, "beat", broken_beat)
    engine = engine_module.Engine(every=0.02)
    thread = threading.Thread(target=engine._loop, args=("escalation", cycle), daemon=True)
    engine.threads = [thread]
    thread.start()
    assert _wait(lambda: cycles["n"] >= 10, 5)
    assert engine.errors == 0
    engine.stop(timeout=5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_storm_through_terminated_connections_opens_every_alert_once(
    pd: Any, founder: Any, settings: Any
) -> None:
    """Issue 24, must show: the engine's connections terminated during a storm of new
    keys → every accepted alert is an incident within 10 s of the connections returning,
    each paged once."""
    from django.test import Client

    from incidents.oncall.models import Page

    settings.ALERT_OPENING = "engine"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "ALERT_OPENING": "engine",
        # Named, so that only the engine's backends are terminated, not the senders'.
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            "?application_name=portal-engine"
        ),
    }
    engine = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "engine", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    accepted: list[str] = []
    lock = threading.Lock()

    def sender(worker: int) -> None:
        client = Client()
        try:
            for n in range(10):
                key = f"storm-{worker}-{n}"
                body = json.dumps(pd_event(pd.key, dedup_key=key))
                response = client.post(ENQUEUE, data=body, content_type="application/json")
                if response.status_code == 202:
                    with lock:
                        accepted.append(key)
                time.sleep(0.05)
        finally:
            connection.close()

    try:
        assert _wait(lambda: _named_backends("portal-engine") >= 2, 60), "no engine connected"
        senders = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
        for thread in senders:
            thread.start()
        # Mid-storm, PostgreSQL terminates every backend but this test's and the senders'
        assert _wait(lambda: len(accepted) >= 12, 30)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'portal-engine'"
            )
            terminated = sum(1 for (ok,) in cursor.fetchall() if ok)
        assert terminated >= 1
        for thread in senders:
            thread.join(60)
        assert len(accepted) == 40
        # Then every accepted alert has its incident within 10 s, paged once
        assert _wait(lambda: all(_opened(key) for key in accepted), 10), [
            key for key in accepted if not _opened(key)
        ]
        assert engine.poll() is None, "the engine exited"
        alerts = Alert.objects.filter(dedup_key__in=accepted)
        assert alerts.count() == 40
        assert alerts.values("incident").distinct().count() == 40
        incidents = [a.incident_id for a in alerts if a.incident_id is not None]
        assert _wait(lambda: Page.objects.filter(incident_id__in=incidents).count() >= 40, 15)
        for incident_id in incidents:
            pages = list(
                Page.objects.filter(incident_id=incident_id).values_list(
                    "user", "escalation", "step_order"
                )
            )
            assert pages, incident_id
            assert len(pages) == len(set(pages)), (incident_id, pages)
    finally:
        engine.send_signal(signal.SIGTERM)
        try:
            engine.wait(timeout=20)
        except subprocess.TimeoutExpired:
            engine.kill()
        connection.close()


@pytest.mark.django_db
def test_an_alert_whose_opening_lost_the_connection_is_not_held_for_a_minute(
    pd: Any, client: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Found by the storm test: an opening interrupted by a dropped connection was held
    like a bad alert (retried after a minute); it is the loop's to retry at once."""
    from django.db import OperationalError

    from incidents.integrations import opening

    settings.ALERT_OPENING = "engine"
    response = client.post(
        ENQUEUE, data=json.dumps(pd_event(pd.key, dedup_key="cut")), content_type="application/json"
    )
    assert response.status_code == 202
    real = opening.open_incident

    def dropped(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(opening, "open_incident", dropped)
    with pytest.raises(OperationalError):
        opening.open_unopened_alerts(grace=datetime.timedelta(0))
    monkeypatch.setattr(opening, "open_incident", real)
    assert opening.open_unopened_alerts(grace=datetime.timedelta(0)) == 1
    assert _opened("cut")
