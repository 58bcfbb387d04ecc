"""Issue 11: the write path under concurrency, on PostgreSQL, through the real doors.

16 threads write to 16 distinct incidents (status update, PATCH, acknowledge, role
change) while 8 threads declare, for 5 rounds; then the same with new-key alert
triggers mixed in. Each thread has its own database connection, as gunicorn's
threads would. Nothing may fail, deadlock or go missing, and the audit chain must
verify once sealed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from incidents.integrations.models import Alert
from incidents.models import Incident, IncidentRoleAssignment, StatusUpdate, TimelineEntry
from incidents.policies import load_preset
from incidents.services import declare_incident
from portal.access.tokens import create_api_token
from portal.audit.models import AuditEntry
from portal.audit.sealing import seal_pending
from portal.audit.selectors import verify_chain
from portal.kernel.actors import Actor
from portal.project.engine import opening_cycle

WRITERS = 16
DECLARERS = 8
ROUNDS = 5
ENQUEUE = "/integrations/pagerduty/v2/enqueue"


def _api(user: Any) -> APIClient:
    _, key = create_api_token(
        user=user, name=f"t-{user.pk}", read_only=False, actor=Actor.system("test")
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _run(workers: list[Any]) -> None:
    barrier = threading.Barrier(len(workers))
    threads = []
    for work in workers:

        def body(work: Any = work) -> None:
            try:
                barrier.wait(timeout=60)
                work()
            finally:
                connection.close()

        threads.append(threading.Thread(target=body))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung (lock wait?)"


def _storm(django_user_model: Any, *, with_alerts: bool) -> dict[str, Any]:
    load_preset("founder-24x7", actor=Actor.system("test"))
    founder = django_user_model.objects.create_superuser("founder", "f@example.com", "pw")
    django_user_model.objects.create_superuser("helper", "h@example.com", "pw")
    api = _api(founder)
    incidents = [
        declare_incident(actor=Actor.for_user(founder), title=f"Target {n}", severity="SEV-2")
        for n in range(WRITERS)
    ]
    routing_key = ""
    if with_alerts:
        from incidents.integrations.services import create_integration

        routing_key = create_integration(
            actor=Actor.system("test"), name="pd", kind="pagerduty", default_severity="SEV-3"
        ).key
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def note(status: int) -> None:
        with lock:
            statuses[status] += 1

    def writer(incident: Incident, n: int, rnd: int) -> Any:
        def work() -> None:
            client = APIClient()
            client.credentials(**api._credentials)  # type: ignore[attr-defined]  # not in the stubs
            ref = incident.ref
            base = f"/api/v1/incidents/{ref}/"
            note(
                client.post(
                    base + "status-updates/",
                    {"status": "identified", "message": f"round {rnd} from {n}"},
                    format="json",
                ).status_code
            )
            note(client.patch(base, {"summary": f"summary {rnd}"}, format="json").status_code)
            note(client.post(base + "acknowledge/").status_code)
            who = "helper" if rnd % 2 else "founder"
            note(
                client.post(
                    base + "roles/", {"role": "scribe", "username": who}, format="json"
                ).status_code
            )

        return work

    def declarer(n: int, rnd: int) -> Any:
        def work() -> None:
            client = APIClient()
            client.credentials(**api._credentials)  # type: ignore[attr-defined]  # not in the stubs
            note(
                client.post(
                    "/api/v1/incidents/",
                    {"title": f"Declared {rnd}-{n}", "severity": "SEV-3", "summary": "x"},
                    format="json",
                ).status_code
            )

        return work

    def trigger(n: int, rnd: int) -> Any:
        def work() -> None:
            body = {
                "routing_key": routing_key,
                "event_action": "trigger",
                "dedup_key": f"new-key-{rnd}-{n}",
                "payload": {"summary": f"disk {rnd}-{n}", "source": "db", "severity": "error"},
            }
            note(Client().post(ENQUEUE, data=body, content_type="application/json").status_code)

        return work

    for rnd in range(ROUNDS):
        workers = [writer(inc, n, rnd) for n, inc in enumerate(incidents)]
        workers += [declarer(n, rnd) for n in range(DECLARERS)]
        if with_alerts:
            workers += [trigger(n, rnd) for n in range(DECLARERS)]
        _run(workers)
    return {"statuses": statuses, "incidents": incidents}


def _check_every_write_landed(result: dict[str, Any], *, alerts: int) -> None:
    statuses = result["statuses"]
    assert all(code < 500 for code in statuses), statuses
    assert set(statuses) <= {200, 201, 202}, statuses
    for incident in result["incidents"]:
        assert StatusUpdate.objects.filter(incident=incident).count() == ROUNDS
        assert IncidentRoleAssignment.objects.filter(incident=incident, role="scribe").exists()
        assert Incident.objects.get(pk=incident.pk).acknowledged_at is not None
    declared = Incident.objects.filter(title__startswith="Declared ")
    assert declared.count() == DECLARERS * ROUNDS
    refs = sorted(
        int(ref.rsplit("-", 1)[1]) for ref in Incident.objects.values_list("ref", flat=True)
    )
    assert refs == list(range(1, len(refs) + 1)), "references are gap-free"
    assert Alert.objects.count() == alerts
    # Every status update is on the timeline, and the audit chain verifies once sealed.
    assert TimelineEntry.objects.filter(kind="status_update").count() == WRITERS * ROUNDS
    seal_pending()
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 0
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_writes_to_distinct_incidents_while_declaring_never_fail(django_user_model: Any) -> None:
    before = _deadlocks()
    result = _storm(django_user_model, with_alerts=False)
    _check_every_write_landed(result, alerts=0)
    time.sleep(1.5)  # backends report their statistics when they end
    assert _deadlocks() - before == 0


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        (count,) = cursor.fetchone()
    return int(count)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("opening", ["inline", "engine"])
def test_new_key_alert_triggers_mixed_in_give_no_5xx(
    django_user_model: Any, opening: str, settings: Settings
) -> None:
    # The alerts' incidents declared by the requests, or by the engine's opening loop
    settings.ALERT_OPENING = opening
    result = _storm(django_user_model, with_alerts=True)
    if opening == "engine":
        assert opening_cycle()["opened"] == DECLARERS * ROUNDS
    _check_every_write_landed(result, alerts=DECLARERS * ROUNDS)
    assert (
        Incident.objects.filter(detection_source="monitoring_alert").count() == DECLARERS * ROUNDS
    )
