"""The weekly security audit: portal.audit finds and notifies, the incidents core opens
the security incident (incidents/security_audit.py)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from incidents.models import Incident
from incidents.tasks import SCHEDULES as INCIDENT_SCHEDULES
from incidents.tasks import run_security_audit
from portal.audit.anomalies import last_complete_week
from portal.audit.context import acting_as
from portal.audit.models import LoginAttempt, SecurityFinding
from portal.audit.tasks import SCHEDULES
from portal.kernel.actors import Actor

WEEK = datetime.date(2026, 3, 2)
IN_WEEK = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC)


def _login(username: str, at: datetime.datetime, ok: bool = True) -> None:
    LoginAttempt.objects.create(username=username, at=at, succeeded=ok)


@pytest.fixture
def quiet_week(policy: Any, founder: Any) -> None:
    """Nothing but routine work in the week."""


@pytest.fixture
def eventful_week(policy: Any, founder: Any, django_user_model: Any, make_token: Any) -> None:
    with time_machine.travel(IN_WEEK, tick=False), acting_as(Actor.for_user(founder)):
        django_user_model.objects.create_superuser("mallory", "m@example.com", "pw-mallory-1")
        ops = Group.objects.create(name="Ops")
        django_user_model.objects.get(username="founder").groups.add(ops)
        make_token(founder, read_only=False)
        for i in range(20):
            Group.objects.create(name=f"tmp-{i}").delete()
    for i in range(6):
        _login("founder", IN_WEEK + datetime.timedelta(minutes=i), ok=False)
    for day in range(12):  # a daytime person…
        _login(
            "founder",
            datetime.datetime(2026, 2, 1, 9, 30, tzinfo=datetime.UTC)
            + datetime.timedelta(days=day),
        )
    _login("founder", datetime.datetime(2026, 3, 5, 3, 12, tzinfo=datetime.UTC))  # …at 03:12


def test_schedule_is_weekly_and_targets_last_week() -> None:
    weekly = next(s for s in INCIDENT_SCHEDULES if s["name"] == "audit-weekly-security-audit")
    assert weekly["func"] == "incidents.tasks.run_security_audit"
    assert weekly["cron"] == "0 6 * * 1"
    seal = next(s for s in SCHEDULES if s["name"] == "audit-seal")
    assert seal["func"] == "portal.audit.sealing.seal_pending_task"
    assert last_complete_week(datetime.date(2026, 3, 11)) == WEEK


def test_flags_every_kind_of_anomaly(eventful_week: None) -> None:
    assert run_security_audit("2026-03-02") > 0
    kinds = set(SecurityFinding.objects.filter(week_start=WEEK).values_list("kind", flat=True))
    assert kinds == {
        "new_superuser",
        "new_staff",
        "permission_grant",
        "token_created",
        "mass_deletion",
        "failed_logins",
        "odd_hour_login",
    }
    odd = SecurityFinding.objects.get(kind="odd_hour_login")
    assert "03:12" in odd.summary


def test_severe_findings_open_one_security_incident_and_notify_founders(
    eventful_week: None,
) -> None:
    from portal.notifications.models import OutboxMessage

    run_security_audit("2026-03-02")
    incident = Incident.objects.get(detection_source="security_audit")
    assert incident.severity.rank == 2
    assert "mallory" in incident.summary
    assert set(
        SecurityFinding.objects.filter(severity="severe").values_list("incident_id", flat=True)
    ) == {incident.pk}
    messages = OutboxMessage.objects.filter(kind="security_audit")
    assert messages.exists()
    first = messages.first()
    assert first is not None
    assert "Incident opened: " + incident.ref in first.body


def test_linking_findings_to_their_incident_is_audited_with_the_task_actor(
    eventful_week: None,
) -> None:
    from portal.audit.models import AuditEntry

    run_security_audit("2026-03-02")
    incident = Incident.objects.get(detection_source="security_audit")
    severe = list(SecurityFinding.objects.filter(severity="severe").order_by("pk"))
    entries = AuditEntry.objects.filter(
        object_type="audit.securityfinding", action="update"
    ).order_by("object_id")
    assert [e.object_id for e in entries] == [str(f.pk) for f in severe]
    for entry in entries:
        assert entry.before == {"incident": None}
        assert entry.after == {"incident": incident.pk}
    timeline_actor = incident.timeline.get(kind="declared").actor_label
    assert {e.actor_label for e in entries} == {timeline_actor}


def test_running_twice_records_nothing_new(eventful_week: None) -> None:
    from portal.notifications.models import OutboxMessage

    first = run_security_audit("2026-03-04")  # any day of the week
    findings, outbox = SecurityFinding.objects.count(), OutboxMessage.objects.count()
    assert run_security_audit("2026-03-02") == 0
    assert (SecurityFinding.objects.count(), OutboxMessage.objects.count()) == (findings, outbox)
    assert first == findings
    assert Incident.objects.filter(detection_source="security_audit").count() == 1


def test_a_quiet_week_has_no_findings_and_no_incident(quiet_week: None) -> None:
    _login("founder", IN_WEEK)
    assert run_security_audit("2026-03-02") == 0
    assert not Incident.objects.filter(detection_source="security_audit").exists()


def test_warnings_alone_notify_without_an_incident(policy: Any, founder: Any) -> None:
    for i in range(5):
        _login("ghost", IN_WEEK + datetime.timedelta(minutes=i), ok=False)
    assert run_security_audit("2026-03-02") == 1
    assert SecurityFinding.objects.get().severity == "warning"
    assert not Incident.objects.filter(detection_source="security_audit").exists()


def test_cli_finds_and_the_weekly_task_opens_the_incident_for_them(
    eventful_week: None, capsys: Any
) -> None:
    from portal.notifications.models import OutboxMessage

    # Given an operator who ran the audit by hand (portal.audit: findings only)
    call_command("audit", "security", "--week", "2026-03-04")
    assert "new finding(s)" in capsys.readouterr().out
    assert SecurityFinding.objects.filter(week_start=WEEK, severity="severe").exists()
    assert OutboxMessage.objects.filter(kind="security_audit").exists()
    assert not Incident.objects.filter(detection_source="security_audit").exists()
    # When the weekly task runs for the same week, it finds nothing new
    assert run_security_audit("2026-03-02") == 0
    # Then it still opens the incident for the severe findings, once
    incident = Incident.objects.get(detection_source="security_audit")
    assert not SecurityFinding.objects.filter(severity="severe", incident__isnull=True).exists()
    run_security_audit("2026-03-02")
    assert Incident.objects.filter(detection_source="security_audit").get() == incident


def test_the_audit_chain_writer_declares_no_incident() -> None:
    import ast
    import inspect

    from portal.audit import services

    # The foundation finds anomalies; only the incidents app declares incidents.
    imported = {
        node.module or ""
        for node in ast.walk(ast.parse(inspect.getsource(services)))
        if isinstance(node, ast.ImportFrom)
    }
    assert not {m for m in imported if m.split(".")[0] in {"incidents", "postmortems", "drills"}}
