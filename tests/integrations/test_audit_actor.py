"""Audit by the integrations: each endpoint kind writes its entries as the integration.

Issue 11 saw `integration <name>` on the timeline of an incident a PagerDuty integration
opened and `anonymous` in its audit. Here, for every endpoint kind, the incident's audit
entries name the same actor as its timeline, and nothing the request wrote is anonymous.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db.models import Max
from django.utils import timezone

from incidents.integrations.changes import link_recent_changes
from incidents.integrations.heartbeats import sweep_heartbeats
from incidents.integrations.models import ChangeEvent, IncidentChange
from incidents.integrations.services import create_integration
from incidents.models import Incident, TimelineEntry
from portal.audit.models import AuditEntry
from portal.audit.snapshots import REDACTED
from portal.kernel.actors import Actor
from tests.integrations.conftest import open_now, pd_event, sample

pytestmark = pytest.mark.django_db


def _last_id() -> int:
    return AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0


def _written_by(act: Callable[[], Any]) -> list[AuditEntry]:
    """The audit entries written while `act` ran."""
    before = _last_id()
    act()
    return list(AuditEntry.objects.filter(id__gt=before).order_by("id"))


def _assert_audit_actor_is_timeline_actor(incident: Incident, written: list[AuditEntry]) -> None:
    timeline_actor = incident.timeline.order_by("id").values_list("actor_label", flat=True)[0]
    about_incident = [
        e
        for e in written
        if e.object_type == "incidents.incident" and e.object_id == str(incident.pk)
    ]
    # Each timeline row's audit entry names the row's own actor; the paging engine's
    # "Paged …" rows are the engine's on both sides, the rest the integration's.
    timeline = dict(
        (str(pk), label) for pk, label in incident.timeline.values_list("pk", "actor_label")
    )
    about_timeline = [
        e for e in written if e.object_type == "incidents.timelineentry" and e.object_id in timeline
    ]
    assert about_incident, "no audit entry about the incident"
    assert about_timeline, "no audit entry about the incident's timeline"
    assert all(e.actor_label == timeline[e.object_id] for e in about_timeline)
    engine = {"escalation"}
    assert {e.actor_label for e in about_incident} - engine == {timeline_actor}
    assert {e.actor_label for e in about_timeline} - engine == {timeline_actor}
    assert all(e.actor_user_id is None and e.actor_token_id is None for e in about_incident)
    assert not [e for e in written if e.actor_label.startswith("anonymous")]


def test_pagerduty_trigger_audits_as_the_integration(pd: Any, post: Any) -> None:
    # Given a PagerDuty integration named Grafana; when its first trigger opens an incident
    written = _written_by(lambda: post("/integrations/pagerduty/v2/enqueue", pd_event(pd.key)))
    incident = Incident.objects.get()
    # Then the timeline and the audit both name "integration Grafana"
    assert incident.timeline.values_list("actor_label", flat=True).first() == "integration Grafana"
    _assert_audit_actor_is_timeline_actor(incident, written)
    attached = next(
        e
        for e in written
        if e.object_type == "incidents.incident" and e.before and "alert_count" in e.before
    )
    assert attached.after is not None
    assert (attached.action, attached.before, attached.after["alert_count"]) == (
        "update",
        {"alert_count": 0},
        1,
    )


def test_pagerduty_repeats_fold_with_the_integration_as_actor(pd: Any, post: Any) -> None:
    # Given an open alert; when it repeats up to the ×10 fold
    post("/integrations/pagerduty/v2/enqueue", pd_event(pd.key))
    for _ in range(8):
        post("/integrations/pagerduty/v2/enqueue", pd_event(pd.key))
    written = _written_by(lambda: post("/integrations/pagerduty/v2/enqueue", pd_event(pd.key)))
    # Then the folded timeline entry and its audit entry name the integration, not "integration"
    fold = TimelineEntry.objects.filter(kind="alert").order_by("id").last()
    assert fold is not None
    assert fold.data["count"] == 10
    assert fold.actor_label == "integration Grafana"
    assert [(e.object_type, e.object_id, e.actor_label) for e in written] == [
        ("incidents.timelineentry", str(fold.pk), "integration Grafana")
    ]


def test_alertmanager_webhook_audits_as_the_integration(make_integration: Any, post: Any) -> None:
    am = make_integration("alertmanager", name="Prometheus")
    written = _written_by(
        lambda: post(f"/integrations/alertmanager/{am.key}/", sample("alertmanager_v4_firing.json"))
    )
    incidents = list(Incident.objects.all())
    assert len(incidents) == 2
    for incident in incidents:
        assert (
            incident.timeline.values_list("actor_label", flat=True).first()
            == "integration Prometheus"
        )
        _assert_audit_actor_is_timeline_actor(incident, written)


def test_sentry_webhook_audits_as_the_integration(make_integration: Any, post: Any) -> None:
    sentry = make_integration("sentry", name="Sentry web", default_severity="SEV-3")
    raw = json.dumps(sample("sentry_event_alert.json")).encode()
    signature = hmac.new(sentry.client_secret.encode(), raw, hashlib.sha256).hexdigest()
    written = _written_by(
        lambda: post(
            f"/integrations/sentry/{sentry.key}/",
            raw,
            HTTP_SENTRY_HOOK_RESOURCE="event_alert",
            HTTP_SENTRY_HOOK_SIGNATURE=signature,
            HTTP_REQUEST_ID="req-1",
        )
    )
    incident = Incident.objects.get()
    assert (
        incident.timeline.values_list("actor_label", flat=True).first() == "integration Sentry web"
    )
    _assert_audit_actor_is_timeline_actor(incident, written)


def test_uptime_webhook_audits_as_the_integration(make_integration: Any, post: Any) -> None:
    uptime = make_integration("uptime", name="Kuma", auto_resolve=True)
    url = f"/integrations/uptime/{uptime.key}/"
    written = _written_by(lambda: post(url, sample("uptime_kuma_down.json")))
    incident = Incident.objects.get()
    assert incident.timeline.values_list("actor_label", flat=True).first() == "integration Kuma"
    _assert_audit_actor_is_timeline_actor(incident, written)
    # And the monitor coming back up resolves as the integration too
    written = _written_by(lambda: post(url, sample("uptime_kuma_up.json")))
    assert written
    assert {e.actor_label for e in written} == {"integration Kuma"}


def test_heartbeat_sweep_and_ping_audit_as_the_integration(
    make_integration: Any, client: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        beat = make_integration("heartbeat", name="nightly backup", auto_resolve=True)
    # When the scheduled sweep finds it silent, it opens an incident as the integration
    with time_machine.travel(start + datetime.timedelta(minutes=7), tick=False):
        # The sweep stores the alert; the engine's opening loop declares its incident.
        written = _written_by(lambda: (sweep_heartbeats(), open_now()))
    incident = Incident.objects.get()
    assert (
        incident.timeline.values_list("actor_label", flat=True).first()
        == "integration nightly backup"
    )
    _assert_audit_actor_is_timeline_actor(incident, written)
    # And the ping that resolves it is audited as the integration, not as anonymous
    with time_machine.travel(start + datetime.timedelta(minutes=8), tick=False):
        written = _written_by(lambda: client.get(f"/integrations/heartbeat/{beat.key}/"))
    assert written
    assert {e.actor_label for e in written} == {"integration nightly backup"}


def test_create_integration_audits_with_its_actor_and_hides_the_key(
    policy: Any, make_integration: Any
) -> None:
    founder = Actor.system("founder")
    written = _written_by(
        lambda: create_integration(
            actor=founder,
            name="Prometheus",
            kind="alertmanager",
            rules=[{"path": "labels.severity", "value": "page", "severity": "SEV-1"}],
        )
    )
    assert [(e.object_type, e.action, e.actor_label) for e in written] == [
        ("integrations.integration", "create", "founder"),
        ("integrations.alertroutingrule", "create", "founder"),
    ]
    assert written[0].after is not None
    assert written[0].after["key"] == REDACTED
    assert written[0].after["name"] == "Prometheus"


def test_linking_recent_changes_is_audited_with_the_declaring_actor(pd: Any, policy: Any) -> None:
    # Given a change event an hour before a declaration
    ChangeEvent.objects.create(
        integration=pd,
        summary="Deploy web 1.2.3",
        source="ci",
        happened_at=timezone.now() - datetime.timedelta(hours=1),
        received_at=timezone.now(),
    )
    incident = Incident.objects.create(
        ref="INC-TEST-1",
        title="t",
        policy_version=policy,
        severity=policy.levels.first(),
        declared_at=timezone.now(),
    )
    # When the declared hook links it
    written = _written_by(lambda: link_recent_changes(incident, Actor.system("founder")))
    link = IncidentChange.objects.get()
    assert [(e.object_type, e.object_id, e.actor_label) for e in written] == [
        ("integrations.incidentchange", str(link.pk), "founder")
    ]
    assert written[0].object_repr == "Deploy web 1.2.3"
