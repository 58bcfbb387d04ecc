"""A first trigger in two transactions: the alert committed unopened, then its incident
opened by the request (`inline`) or the engine (`engine`), the link as referee."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from incidents.choices import TimelineKind
from incidents.integrations.models import Alert
from incidents.integrations.opening import OPENING_GRACE, Unopened, open_incident
from incidents.integrations.opening import open_unopened_alerts as open_unopened
from incidents.models import Incident, ReferenceCounter
from incidents.oncall.models import Page
from portal.audit.models import AuditEntry
from portal.project.engine import Engine, opening_cycle
from tests.integrations.conftest import pd_event

ENQUEUE = "/integrations/pagerduty/v2/enqueue"


@pytest.fixture
def post(client: Client) -> Any:
    """Here the tests run the opener themselves: a bare POST, no opening after it."""

    def _post(url: str, body: Any, **headers: Any) -> Any:
        return client.post(url, data=body, content_type="application/json", **headers)

    return _post


@pytest.fixture
def engine_opens(settings: Settings) -> None:
    """First triggers leave their incidents to the engine (production's default)."""
    settings.ALERT_OPENING = "engine"


def _alert_counts(incident: Incident) -> list[int]:
    return sorted(e.data["count"] for e in incident.timeline.filter(kind=TimelineKind.ALERT))


@pytest.mark.django_db(transaction=True)  # the engine's chunk pages what has committed
def test_with_the_engine_as_opener_the_request_stores_the_alert_and_the_engine_opens_it(
    pd: Any, post: Any, founder: Any, engine_opens: None
) -> None:
    # When a first trigger and 11 repeats arrive before the engine's next cycle
    for _ in range(12):
        assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    # Then the alert counts them all and has no incident yet
    alert = Alert.objects.get()
    assert (alert.count, alert.incident_id, alert.opening) == (12, None, True)
    assert not Incident.objects.exists()
    # When the engine's opening loop runs
    assert opening_cycle() == {"opened": 1, "first_pages": 1}
    # Then one incident counts the 12 triggers, with the ×1 and ×10 timeline folds
    incident = Incident.objects.get()
    alert.refresh_from_db()
    assert (alert.incident_id, incident.alert_count) == (incident.pk, 12)
    assert _alert_counts(incident) == [1, 10]
    # and its first step paged the on-call founder (one run for the engine's chunk)
    assert list(Page.objects.values_list("user", flat=True)) == [founder.pk]
    # and the audit names the integration for the declaration, as the timeline does
    declared = AuditEntry.objects.get(object_type="incidents.incident", action="create")
    assert declared.actor_label == "integration Grafana"
    assert incident.timeline.get(kind=TimelineKind.DECLARED).actor_label == "integration Grafana"
    # and it was detected when the alert arrived, not when the engine got to it
    assert incident.detected_at == alert.first_seen_at
    # and the chunk's audit entries were sealed once, after it (none waits to be sealed)
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    # and a second cycle finds nothing left to open
    assert opening_cycle()["opened"] == 0


@pytest.mark.django_db
def test_the_minute_task_opens_alerts_left_unopened_past_the_grace_only(
    pd: Any, post: Any, engine_opens: None
) -> None:
    post(ENQUEUE, pd_event(pd.key, dedup_key="old"))
    post(ENQUEUE, pd_event(pd.key, dedup_key="fresh"))
    Alert.objects.filter(dedup_key="old").update(
        first_seen_at=timezone.now() - OPENING_GRACE - datetime.timedelta(seconds=1)
    )
    # The minute task keeps the grace: only the alert whose opener died is opened
    assert open_unopened() == 1
    assert Alert.objects.get(dedup_key="old").incident_id is not None
    assert Alert.objects.get(dedup_key="fresh").incident_id is None


@pytest.mark.django_db
def test_a_trigger_past_the_grace_takes_over_an_alert_whose_opener_died(pd: Any, post: Any) -> None:
    # Given an alert committed unopened 31 s ago (its opener was killed)
    Alert.objects.create(
        integration=pd,
        dedup_key="disk-full",
        open_key="disk-full",
        count=3,
        opening=True,
        summary="Disk full on db-1",
        first_seen_at=timezone.now() - OPENING_GRACE - datetime.timedelta(seconds=1),
        last_seen_at=timezone.now(),
    )
    # When the key triggers again (inline opening)
    assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    # Then this request opened the incident, with every trigger counted once
    incident = Incident.objects.get()
    assert (Alert.objects.get().incident_id, incident.alert_count) == (incident.pk, 4)


@pytest.mark.django_db
def test_of_two_openers_the_link_decides_and_the_loser_rolls_back_its_declaration(
    pd: Any, post: Any, engine_opens: None
) -> None:
    from incidents.integrations.formats import AlertEvent

    post(ENQUEUE, pd_event(pd.key))
    alert = Alert.objects.get()
    unopened = Unopened(alert.pk, pd.pk)
    event = AlertEvent("trigger", "disk-full", "Disk full on db-1")
    # The first opener links it; the second finds it linked
    first = open_incident(unopened, event, timezone.now())
    assert first is not None
    assert open_incident(unopened, event, timezone.now()) is None
    # Its declaration rolled back with its reference number: one incident, no gap
    assert list(Incident.objects.values_list("pk", flat=True)) == [first]
    assert ReferenceCounter.objects.get().last == 1
    assert Incident.objects.get().ref.endswith("-01")


@pytest.mark.django_db
def test_an_alert_resolved_while_its_incident_opens_mitigates_it(
    pd: Any, post: Any, engine_opens: None
) -> None:
    post(ENQUEUE, pd_event(pd.key))
    # The monitor recovers before the engine's cycle
    assert post(ENQUEUE, pd_event(pd.key, "resolve")).status_code == 202
    assert opening_cycle()["opened"] == 1
    incident = Incident.objects.get()
    assert (incident.status, incident.mitigated_at is not None) == ("monitoring", True)
    assert Alert.objects.get().open_key is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_repeat_while_the_incident_opens_is_one_statement(
    pd: Any, post: Any, engine_opens: None
) -> None:
    post(ENQUEUE, pd_event(pd.key))
    with CaptureQueriesContext(connection) as queries:
        assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    # The open-alert statement misses; the unopened-alert statement counts it
    assert len(queries) == 2, [q["sql"][:80] for q in queries]
    assert Alert.objects.get().count == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_engine_is_woken_by_the_commit_not_its_next_cycle(
    pd: Any, founder: Any, engine_opens: None
) -> None:
    engine = Engine(every=10.0).start()
    try:
        time.sleep(0.5)  # the opening loop has run once and listens
        started = time.monotonic()
        response = Client().post(ENQUEUE, data=pd_event(pd.key), content_type="application/json")
        assert response.status_code == 202
        while time.monotonic() - started < 5 and not Incident.objects.exists():
            time.sleep(0.02)
        waited = time.monotonic() - started
    finally:
        engine.stop()
        connection.close()
    # Opened well before the loop's 10 s cycle would have come round, and paged
    assert Incident.objects.count() == 1, waited
    assert waited < 3, waited
    assert list(Page.objects.values_list("user", flat=True)) == [founder.pk]


@pytest.mark.django_db
def test_with_the_engine_as_opener_no_policy_in_force_still_answers_503(
    post: Any, engine_opens: None
) -> None:
    from incidents.integrations.models import Integration

    integration = Integration.objects.create(name="early", kind="pagerduty")
    response = post(ENQUEUE, pd_event(integration.key))
    # Refused, so the sender retries; nothing stored for an engine that cannot declare it
    assert response.status_code == 503
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_an_opening_that_fails_is_tried_again_a_minute_later_not_every_poll(
    pd: Any, post: Any, engine_opens: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidents.integrations import opening
    from portal.kernel.errors import DomainError

    post(ENQUEUE, pd_event(pd.key))
    calls: list[str] = []

    def failing(**kwargs: Any) -> Incident:
        calls.append(kwargs["title"])
        raise DomainError("Severity routing broke.", field="severity")

    monkeypatch.setattr(opening, "declare_incident", failing)
    monkeypatch.setattr(opening, "_retry_after", {})
    # The first look fails and is logged; the next polls leave it alone
    assert opening_cycle()["opened"] == 0
    assert opening_cycle()["opened"] == 0
    assert len(calls) == 1
    assert Alert.objects.get().opening
    # A minute later it is tried again (and opens, once the cause is gone)
    monkeypatch.undo()
    opening._retry_after.clear()
    assert opening_cycle()["opened"] == 1


# --- Issue 24: the engine as opener keeps what senders say --------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sent", "opened"),
    [("critical", "SEV-1"), ("error", "SEV-2"), ("warning", "SEV-3"), ("info", "SEV-4")],
)
def test_the_engine_opens_the_senders_severity(
    pd: Any, post: Any, founder: Any, engine_opens: None, sent: str, opened: str
) -> None:
    """What was seen: PagerDuty critical/error/warning/info all opened SEV-2."""
    assert post(ENQUEUE, pd_event(pd.key, severity=sent)).status_code == 202
    assert Alert.objects.get().severity_hint == sent
    assert opening_cycle()["opened"] == 1
    assert Incident.objects.get().severity.code == opened


@pytest.mark.django_db(transaction=True)
def test_alertmanager_critical_opens_sev1_with_the_engine(
    make_integration: Any, post: Any, founder: Any, engine_opens: None
) -> None:
    from tests.integrations.conftest import sample

    am = make_integration("alertmanager", name="Prometheus")
    group = sample("alertmanager_v4_firing.json")
    for alert in group["alerts"]:
        alert["labels"]["severity"] = "critical"
    assert post(f"/integrations/alertmanager/{am.key}/", group).status_code == 200
    assert opening_cycle()["opened"] == 2
    assert set(Incident.objects.values_list("severity__code", flat=True)) == {"SEV-1"}


@pytest.mark.django_db(transaction=True)
def test_an_acknowledge_right_after_its_trigger_acknowledges_the_incident_the_engine_opens(
    pd: Any, post: Any, founder: Any, engine_opens: None
) -> None:
    """What was seen: trigger then acknowledge within milliseconds: the incident opened
    unacknowledged and the responder kept being paged."""
    assert post(ENQUEUE, pd_event(pd.key)).status_code == 202
    answer = post(ENQUEUE, pd_event(pd.key, action="acknowledge"))
    assert answer.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "disk-full",
    }
    assert opening_cycle()["opened"] == 1
    incident = Incident.objects.get()
    assert incident.acknowledged_at is not None
    assert incident.timeline.filter(kind=TimelineKind.ACKNOWLEDGED).count() == 1
