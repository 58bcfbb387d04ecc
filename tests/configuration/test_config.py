"""Configuration as code: export, plan, apply (issue 17, item 2).

Round trip export → apply on an empty database → export gives the same document;
apply is atomic and idempotent (the second apply plans nothing); a bad file gets one
error per problem with its path and nothing is written.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.integrations.models import Integration
from incidents.models import (
    Policy,
    PolicyVersion,
    Service,
)
from incidents.oncall.models import (
    EscalationPolicy,
    Schedule,
    SeverityEscalation,
)
from incidents.policies import load_preset
from portal.audit.models import AuditEntry
from portal.kernel.actors import Actor
from portal.notifications.models import NotificationChannel, NotificationRoute
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.plan import Plan, apply_configuration, plan_configuration
from portal.project.configuration.schema import CONFIG_SCHEMA
from portal.project.configuration.sections import export_configuration
from portal.project.configuration.yaml_io import dump_document, load_document
from tests.configuration.conftest import TEAM_YAML
from tests.configuration.conftest import wipe_configuration as _wipe_configuration

ACTOR = Actor.system("config test")
DOCS_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "config.schema.json"


def _apply(text: str, **kwargs: bool) -> Plan:
    return apply_configuration(document=load_document(text), actor=ACTOR, **kwargs)


@pytest.mark.django_db
def test_apply_writes_the_team_to_the_database(team: dict[str, Any]) -> None:
    plan = _apply(TEAM_YAML)
    assert len(plan.writes) == 10
    schedule = Schedule.objects.get(name="Platform")
    assert schedule.time_zone == "Europe/Paris"
    assert list(schedule.layers.values_list("order", "name")) == [(1, "primary"), (2, "secondary")]
    primary, secondary = schedule.layers.order_by("order")
    rotation = primary.rotations.get()
    assert (rotation.kind, rotation.start_date, rotation.handoff_time) == (
        "weekly", datetime.date(2026, 1, 5), datetime.time(9, 0))  # fmt: skip
    assert [m.user and m.user.username for m in rotation.memberships.order_by("position")] == [
        "ana",
        "bo",
    ]
    assert secondary.rotations.get().handoff_time == datetime.time(17, 0)
    override = primary.overrides.get()
    assert (override.user.username, override.start, override.end) == (
        "cy",
        datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC),
    )
    steps = EscalationPolicy.objects.get(name="Platform default").steps.order_by("order")
    assert [(s.order, s.target_kind, s.delay_minutes, s.layer_id) for s in steps] == [
        (1, "schedule", 0, primary.pk),
        (2, "next_in_rotation", 5, primary.pk),
        (3, "user", 5, None),
    ]
    user, channel = steps[2].user, steps[2].channel
    assert (user and user.username, channel and channel.name) == ("dee", "Founder email")
    assert sorted(SeverityEscalation.objects.values_list("level_code", "policy__name")) == [
        ("SEV-1", "Platform default"), ("SEV-2", "Platform default")]  # fmt: skip
    assert Service.objects.values_list("owner__username", flat=True).get(slug="api") == "ana"
    assert Service.objects.get(slug="web").public is False
    prometheus = Integration.objects.get(name="Prometheus")
    assert prometheus.service is not None
    assert prometheus.service.slug == "api"
    assert len(prometheus.key) == 32  # a fresh secret key, never from the document
    assert list(prometheus.routing_rules.values_list("path", "operator", "value", "severity")) == [
        ("labels.severity", "==", "critical", "SEV-1")]  # fmt: skip
    backup = Integration.objects.get(name="Nightly backup")
    assert backup.heartbeat_period == datetime.timedelta(days=1)
    assert sorted(NotificationRoute.objects.values_list("level_code", "channel__name")) == [
        ("*", "Founder email"), ("SEV-1", "#errors")]  # fmt: skip
    audited = AuditEntry.objects.filter(actor_label="config test")
    assert sorted(audited.values_list("action", "object_type")) == sorted(
        [("create", "incidents.service")] * 2
        + [("create", "notifications.notificationchannel")] * 2
        + [("create", "notifications.notificationroute")] * 2
        + [("create", "oncall.schedule"), ("create", "oncall.escalationpolicy")]
        + [("create", "integrations.integration")] * 2
    )


@pytest.mark.django_db
def test_second_apply_plans_nothing(team: dict[str, Any]) -> None:
    _apply(TEAM_YAML)
    assert plan_configuration(load_document(TEAM_YAML)).lines() == ["No changes."]
    second = _apply(TEAM_YAML)
    assert second.writes == []


@pytest.mark.django_db
def test_round_trip_export_apply_on_empty_database_export_is_identical(
    team: dict[str, Any],
) -> None:
    load_preset("rotation-small-team", actor=ACTOR)
    _apply(TEAM_YAML)
    first = export_configuration()
    text = dump_document(first)
    assert first["policies"]
    assert len(first["schedules"]) == 3
    _wipe_configuration()
    assert export_configuration()["schedules"] == []
    _apply(text)
    assert dump_document(export_configuration()) == text
    assert plan_configuration(load_document(text)).lines() == ["No changes."]


@pytest.mark.django_db
def test_plan_lists_each_change_and_prune_deletes(team: dict[str, Any]) -> None:
    _apply(TEAM_YAML)
    changed = (
        TEAM_YAML.replace("time_zone: Europe/Paris", "time_zone: Europe/Berlin")
        .replace("  - slug: web\n    name: Web app\n    public: false\n", "")
        .replace(
            "channels:\n",
            'channels:\n  - name: "#warnings"\n    kind: discord\n    target: discord://1/abc\n',
        )  # fmt: skip
        .replace("members: [ana@example.com, bo@example.com]", "members: [bo@example.com]")
    )
    plan = plan_configuration(load_document(changed))
    assert plan.lines() == [
        '! keep service "web": not in the file (pass --prune to delete it)',
        '+ create channel "#warnings"',
        '~ update schedule "Platform"',
        "    time_zone: 'Europe/Paris' → 'Europe/Berlin'",
        "    rotations: 2 → 2 items, changed",
    ]
    pruned = plan_configuration(load_document(changed), prune=True)
    assert '- delete service "web"' in pruned.lines()
    _apply(changed)
    assert Service.objects.filter(slug="web").exists()
    _apply(changed, prune=True)
    assert not Service.objects.filter(slug="web").exists()
    assert Schedule.objects.get(name="Platform").time_zone == "Europe/Berlin"
    assert plan_configuration(load_document(changed), prune=True).lines() == ["No changes."]


BAD_YAML = """\
version: 1
channels:
  - name: "#errors"
    kind: pager
schedules:
  - name: A
  - name: B
    time_zone: Mars/Base
  - name: C
    rotations:
      - layer: primary
        start_date: "2026-01-05"
        members: [bo@example.com, ana@example.com]
escalation_policies:
  - name: E
    steps:
      - target: schedule
        schedule: Nowhere
      - target: group
services:
  - slug: api
    name: API
    owner: zed@example.com
"""


@pytest.mark.django_db
def test_bad_file_reports_every_problem_with_its_path_and_writes_nothing() -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("bo", "bo@example.com")
    with pytest.raises(ConfigError) as caught:
        _apply(BAD_YAML)
    from portal.notifications.providers import kinds

    assert caught.value.problems == [f"channels[0].kind: 'pager' is not one of {kinds()!r}"]
    with pytest.raises(ConfigError) as caught:
        _apply(BAD_YAML.replace("kind: pager", "kind: slack"))
    assert caught.value.problems == [
        'schedules[1].time_zone: unknown time zone "Mars/Base"',
        'schedules[2].rotations[0].members[1]: unknown user "ana@example.com"',
        'escalation_policies[0].steps[0].schedule: unknown schedule "Nowhere"',
        "escalation_policies[0].steps[1].group: a 'group' step needs a group",
        'services[0].owner: unknown user "zed@example.com"',
    ]
    assert not Schedule.objects.exists()
    assert not NotificationChannel.objects.exists()
    assert not Service.objects.exists()


@pytest.mark.django_db
def test_command_exits_non_zero_with_one_line_per_problem(tmp_path: Path) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("bo", "bo@example.com")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML.replace("kind: pager", "kind: slack"))
    err = StringIO()
    with pytest.raises(CommandError, match="bad.yaml: 5 problem\\(s\\); nothing was written"):
        call_command("config", "apply", str(bad), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 5
    assert 'schedules[2].rotations[0].members[1]: unknown user "ana@example.com"' in lines


@pytest.mark.django_db
def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_document("version: 1\nschedules:\n  - name: [unclosed\n")
    assert caught.value.problems[0].startswith("line 4: not valid YAML")


@pytest.mark.django_db
def test_command_export_plan_apply(team: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "team.yaml"
    source.write_text(TEAM_YAML)
    out = StringIO()
    call_command("config", "plan", str(source), stdout=out)
    assert out.getvalue().splitlines()[:3] == [
        '+ create service "api"', '+ create service "web"', '+ create channel "#errors"']  # fmt: skip
    out = StringIO()
    call_command("config", "apply", str(source), stdout=out)
    lines = out.getvalue().splitlines()
    keys = dict(Integration.objects.values_list("name", "key"))
    assert lines[-3:] == [
        "Applied 10 change(s).",
        "  [ ] re-point senders of 'Nightly backup' to "
        f"{settings.PORTAL_BASE_URL}/integrations/heartbeat/{keys['Nightly backup']}/",
        "  [ ] re-point senders of 'Prometheus' to "
        f"{settings.PORTAL_BASE_URL}/integrations/alertmanager/{keys['Prometheus']}/",
    ]
    exported = tmp_path / "out.yaml"
    call_command("config", "export", "-o", str(exported))
    document = load_document(exported.read_text())
    assert [s["name"] for s in document["schedules"]] == ["Platform"]
    assert "key" not in document["integrations"][0]
    out = StringIO()
    call_command("config", "apply", str(exported), stdout=out)
    assert out.getvalue().splitlines() == ["No changes.", "Applied 0 change(s)."]


@pytest.mark.django_db
def test_active_policy_version_content_cannot_change(
    team: dict[str, Any], policy: PolicyVersion
) -> None:
    document = export_configuration()
    document["policies"][0]["versions"][0]["levels"][0]["ack_target"] = "5 min"
    with pytest.raises(ConfigError) as caught:
        plan_configuration(document)
    assert caught.value.problems == [
        "policies[0].versions[0]: version 1 is active and cannot change; add a new version"
    ]


@pytest.mark.django_db
def test_a_new_policy_version_activates_and_retires_the_old(
    team: dict[str, Any], policy: PolicyVersion
) -> None:
    document = export_configuration()
    new = json.loads(json.dumps(document["policies"][0]["versions"][0]))
    new["number"] = 2
    new["levels"][0]["ack_target"] = "5 min"
    document["policies"][0]["versions"][0]["status"] = "retired"
    document["policies"][0]["versions"].append(new)
    apply_configuration(document=document, actor=ACTOR)
    versions = dict(Policy.objects.get().versions.values_list("number", "status"))
    assert versions == {1: "retired", 2: "active"}
    assert PolicyVersion.objects.get(number=2).levels.get(rank=1).ack_target == "5 min"


def test_published_schema_matches_the_code() -> None:
    assert json.loads(DOCS_SCHEMA.read_text()) == CONFIG_SCHEMA


HISTORY_YAML = """\
version: 1
services:
  - slug: api
    name: API
history:
  - source: pagerduty:Q1
    title: Checkout down
    severity: SEV-1
    service: api
    declared_at: "2026-02-01T10:00:00Z"
    acknowledged_at: "2026-02-01T10:04:00Z"
    resolved_at: "2026-02-01T11:00:00Z"
    log:
      - at: "2026-02-01T10:04:00Z"
        text: Acknowledged by Ana.
  - source: pagerduty:Q2
    title: Still open upstream
    severity: SEV-9
    declared_at: "2026-02-02T10:00:00Z"
"""


@pytest.mark.django_db
def test_history_is_checked_and_imported_without_deadlines_or_status_page(
    team: dict[str, Any], policy: PolicyVersion
) -> None:
    from incidents.comms.status_page import public_incidents
    from incidents.models import Deadline, Incident

    with pytest.raises(ConfigError) as caught:
        _apply(HISTORY_YAML)
    assert caught.value.problems == [
        'history[1].severity: unknown level "SEV-9"',
        "history[1].resolved_at: only resolved incidents are history",
    ]
    good = HISTORY_YAML.split("  - source: pagerduty:Q2")[0]
    _apply(good)
    incident = Incident.objects.get(imported_from="pagerduty:Q1")
    assert (incident.is_historical, incident.status, incident.severity.code) == (
        True,
        "closed",
        "SEV-1",
    )
    assert incident.ref == "INC-20260201-01"
    assert incident.acknowledged_at == datetime.datetime(2026, 2, 1, 10, 4, tzinfo=datetime.UTC)
    assert list(incident.services.values_list("slug", flat=True)) == ["api"]
    assert list(incident.timeline.values_list("message", "actor_label")) == [
        ("Imported: Acknowledged by Ana.", "import")
    ]
    # The imported line is audited like every timeline entry, naming who applied the file.
    [line] = incident.timeline.all()
    assert AuditEntry.objects.filter(
        object_type="incidents.timelineentry", object_id=str(line.pk), actor_label="config test"
    ).exists()
    assert not Deadline.objects.filter(incident=incident).exists()
    assert incident.next_deadline_at is None
    assert not public_incidents().filter(pk=incident.pk).exists()
    assert plan_configuration(load_document(good)).writes == []


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_back_everything(team: dict[str, Any]) -> None:
    _apply(TEAM_YAML)
    # The escalation policy (kept: not in the file) still pages the primary layer.
    document = load_document(TEAM_YAML)
    del document["escalation_policies"]
    document["services"][0]["name"] = "API v2"
    schedule = document["schedules"][0]
    schedule["layers"] = ["secondary"]
    schedule["rotations"] = schedule["rotations"][1:]
    schedule["overrides"] = []
    with pytest.raises(ConfigError) as caught:
        apply_configuration(document=document, actor=ACTOR)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("schedules[0].layers: still in use (")
    assert Service.objects.get(slug="api").name == "API"  # the earlier write was rolled back
    assert list(Schedule.objects.get().layers.values_list("name", flat=True)) == [
        "primary",
        "secondary",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
                for i in range(9)
            ),
            "expand to more than 200,000 values",
        ),
        ("version: 1\nschedules: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested deeper than 64"),
        ("version: 1\nnote: '" + "x" * (6 * 1024 * 1024) + "'\n", "larger than 5 MB"),
    ],
    ids=["billion-laughs", "deep-nesting", "oversize"],
)
@pytest.mark.django_db
def test_a_hostile_document_gets_one_clear_error_fast_and_nothing_written(
    text: str, problem: str, tmp_path: Path
) -> None:
    """Issue 27: config apply ran to a MemoryError (3.7 GB) or a RecursionError."""
    import time

    source = tmp_path / "hostile.yaml"
    source.write_text(text)
    before = Integration.objects.count()
    err = StringIO()
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        call_command("config", "apply", str(source), stdout=StringIO(), stderr=err)
    assert time.monotonic() - started < 2
    assert "nothing was written" in str(refused.value)
    assert problem in err.getvalue(), err.getvalue()
    assert Integration.objects.count() == before
