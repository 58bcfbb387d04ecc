"""Alert storms on PostgreSQL: real threads, each with its own database connection."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from pytest_django import Settings

from incidents.integrations.models import Alert
from incidents.models import Incident
from portal.project.engine import opening_cycle
from tests.integrations.conftest import open_now, pd_event

ENQUEUE = "/integrations/pagerduty/v2/enqueue"


# At most this many connections at once: the suite runs on several xdist workers against
# one PostgreSQL (max_connections 100 by default). With 100 threads here, another
# worker's request could find no free connection and answer 503: the schema fuzz's
# `GET /api/v1/alerts/` did, once, in CI.
MAX_SENDERS = 30


def _hammer(bodies: list[dict]) -> Counter:
    """POST every body from MAX_SENDERS threads released at once; returns the final status codes.

    A 503 (no free connection) is retried as PagerDuty's client and Alertmanager retry
    it; a 503 writes nothing, so retries cannot double-count.
    """
    senders = min(len(bodies), MAX_SENDERS)
    barrier = threading.Barrier(senders)
    statuses: Counter = Counter()
    lock = threading.Lock()
    todo = list(bodies)

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                with lock:
                    if not todo:
                        return
                    body = todo.pop()
                for attempt in range(20):
                    status = (
                        Client()
                        .post(ENQUEUE, data=body, content_type="application/json")
                        .status_code
                    )
                    if status != 503:
                        break
                    connection.close()
                    time.sleep(0.05 * (attempt + 1))
                with lock:
                    statuses[status] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("opening", ["inline", "engine"])
def test_hundred_identical_triggers_open_exactly_one_incident(
    make_integration: Any, opening: str, settings: Settings
) -> None:
    # Given a PagerDuty integration, its incidents opened by the request or the engine
    settings.ALERT_OPENING = opening
    pd = make_integration("pagerduty")
    # When 100 identical triggers arrive, 30 at a time
    statuses = _hammer([pd_event(pd.key, dedup_key="db-down") for _ in range(100)])
    if opening == "engine":  # its opening loop's next run
        assert opening_cycle()["opened"] == 1
    # Then all are accepted, one incident is open and it counts 100 alerts
    assert statuses == Counter({202: 100})
    incident = Incident.objects.get()
    assert incident.alert_count == 100
    alert = Alert.objects.get()
    assert (alert.count, alert.incident_id, alert.open_key) == (100, incident.pk, "db-down")
    # And the timeline is folded: entries at 1, 10 and 100, not 100 entries
    counts = sorted(e.data["count"] for e in incident.timeline.filter(kind="alert"))
    assert counts == [1, 10, 100]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_storm_over_several_keys_with_resolves_settles_consistently(make_integration: Any) -> None:
    # Given 5 keys hit 8 times each while resolves race with the triggers
    pd = make_integration("pagerduty")
    bodies = [pd_event(pd.key, dedup_key=f"k{n % 5}") for n in range(40)]
    bodies += [pd_event(pd.key, "resolve", dedup_key=f"k{n}") for n in range(5)]
    statuses = _hammer(bodies)
    opened = -1
    while opened != 0:  # the engine opens what the storm left unopened (the default mode)
        opened = open_now()
    # Then nothing failed, at most one alert per key is open, and every trigger is counted once
    assert statuses == Counter({202: 45})
    for n in range(5):
        assert Alert.objects.filter(dedup_key=f"k{n}", open_key__isnull=False).count() <= 1
    assert sum(Alert.objects.values_list("count", flat=True)) == 40
    assert sum(Incident.objects.values_list("alert_count", flat=True)) == 40
