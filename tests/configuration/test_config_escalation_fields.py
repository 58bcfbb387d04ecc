"""The configuration document covers the on-call fields added since it was written:
step conditions, @here mentions, parallel targets and their new kinds, policy
fallbacks, ntfy channels and a level's publish_on_declare."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import SeverityLevel
from incidents.oncall.models import EscalationPolicy, StepTarget
from portal.kernel.actors import Actor
from portal.notifications.models import NotificationChannel
from portal.project.configuration.errors import ConfigError
from portal.project.configuration.plan import apply_configuration, plan_configuration
from portal.project.configuration.sections import export_configuration
from portal.project.configuration.yaml_io import dump_document, load_document
from tests.configuration.conftest import wipe_configuration

ACTOR = Actor.system("config test")

FIELDS_YAML = """\
version: 1
policies:
  - name: Fields
    versions:
      - number: 1
        status: active
        levels:
          - code: SEV-1
            name: Critical
            rank: 1
            ack_target: 5 min
          - code: SEV-3
            name: Minor
            rank: 3
            publish_on_declare: false
services:
  - slug: api
    name: API
    owner: ana@example.com
channels:
  - name: Phones
    kind: ntfy
    target: https://ntfy.example.com/acme-pages
  - name: "#incidents"
    kind: slack
    target: slack://T000/B000/XXXX
schedules:
  - name: Platform
    layers: [primary, secondary]
    rotations:
      - layer: primary
        start_date: "2026-01-05"
        members: [ana@example.com, bo@example.com]
      - layer: secondary
        start_date: "2026-01-05"
        members: [cy@example.com]
  - name: Managers
    rotations:
      - layer: primary
        start_date: "2026-01-05"
        members: [dee@example.com]
escalation_policies:
  - name: Critical path
    levels: [SEV-1]
    fallback_schedule: Managers
    steps:
      - target: schedule
        schedule: Platform
        layer: primary
        channel: Phones
        parallel_targets:
          - target: schedule
            schedule: Managers
          - target: user
            user: dee@example.com
            channel: "#incidents"
      - target: service_owners
        delay_minutes: 30
        condition: unresolved
        mention_here: true
        channel: "#incidents"
      - target: everyone_on_call
        delay_minutes: 10
  - name: Minor path
    levels: [SEV-3]
    fallback_user: cy@example.com
    steps:
      - target: group
        group: EMs
"""


def _apply(text: str) -> object:
    return apply_configuration(document=load_document(text), actor=ACTOR)


@pytest.mark.django_db
def test_apply_writes_conditions_mentions_parallel_targets_fallbacks_ntfy_and_publish(
    team: dict[str, Any],
) -> None:
    _apply(FIELDS_YAML)
    critical = EscalationPolicy.objects.get(name="Critical path")
    assert critical.fallback_schedule is not None
    assert critical.fallback_schedule.name == "Managers"
    assert critical.fallback_user is None
    first, owners, everyone = critical.steps.order_by("order")
    assert first.layer is not None
    assert first.channel is not None
    assert (first.target_kind, first.layer.name, first.channel.name) == (
        "schedule", "primary", "Phones")  # fmt: skip
    assert (first.condition, first.mention_here) == ("unacknowledged", False)
    parallel = [
        (t.target_kind, t.schedule and t.schedule.name, t.layer_id, t.user and t.user.username,
         t.channel and t.channel.name)
        for t in first.parallel_targets.order_by("pk")
    ]  # fmt: skip
    assert parallel == [
        ("schedule", "Managers", None, None, None),
        ("user", None, None, "dee", "#incidents"),
    ]
    assert (owners.target_kind, owners.condition, owners.mention_here, owners.delay_minutes) == (
        "service_owners", "unresolved", True, 30)  # fmt: skip
    assert (owners.schedule_id, owners.user_id) == (None, None)
    assert everyone.target_kind == "everyone_on_call"
    minor = EscalationPolicy.objects.get(name="Minor path")
    assert minor.fallback_user is not None
    assert (minor.fallback_schedule, minor.fallback_user.username) == (None, "cy")
    assert NotificationChannel.objects.get(name="Phones").kind == "ntfy"
    levels = dict(SeverityLevel.objects.values_list("code", "publish_on_declare"))
    assert levels == {"SEV-1": True, "SEV-3": False}


@pytest.mark.django_db
def test_new_fields_round_trip_on_an_empty_database_and_second_apply_plans_nothing(
    team: dict[str, Any],
) -> None:
    _apply(FIELDS_YAML)
    first = export_configuration()
    text = dump_document(first)
    critical = next(p for p in first["escalation_policies"] if p["name"] == "Critical path")
    assert critical["fallback_schedule"] == "Managers"
    assert len(critical["steps"][0]["parallel_targets"]) == 2
    assert critical["steps"][1]["condition"] == "unresolved"
    assert critical["steps"][1]["mention_here"] is True
    sev3 = first["policies"][0]["versions"][0]["levels"][1]
    assert (sev3["code"], sev3["publish_on_declare"]) == ("SEV-3", False)
    # The file as written and the export mean the same: nothing to do.
    assert plan_configuration(load_document(FIELDS_YAML)).lines() == ["No changes."]
    wipe_configuration()
    assert StepTarget.objects.count() == 0
    assert export_configuration()["escalation_policies"] == []
    _apply(text)
    assert dump_document(export_configuration()) == text
    assert plan_configuration(load_document(text)).lines() == ["No changes."]
    assert _apply(text).writes == []  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_changing_a_parallel_target_or_condition_is_one_update_and_rewrites_the_targets(
    team: dict[str, Any],
) -> None:
    _apply(FIELDS_YAML)
    changed = FIELDS_YAML.replace("condition: unresolved", "condition: unacknowledged").replace(
        "            user: dee@example.com\n", "            user: bo@example.com\n"
    )
    plan = plan_configuration(load_document(changed))
    updated = [c for c in plan.changes if c.action == "update"]
    assert [c.key for c in updated] == ["Critical path"]
    _apply(changed)
    first, owners, _ = EscalationPolicy.objects.get(name="Critical path").steps.order_by("order")
    assert [t.user and t.user.username for t in first.parallel_targets.order_by("pk")] == [
        None, "bo"]  # fmt: skip
    assert owners.condition == "unacknowledged"
    assert StepTarget.objects.count() == 2  # the old ones went with their step
    assert plan_configuration(load_document(changed)).lines() == ["No changes."]


@pytest.mark.django_db
def test_target_kinds_without_an_object_are_accepted_by_the_checks(team: dict[str, Any]) -> None:
    only_new_kinds = """\
version: 1
escalation_policies:
  - name: Owners first
    steps:
      - target: service_owners
        parallel_targets:
          - target: everyone_on_call
"""
    plan = plan_configuration(load_document(only_new_kinds))
    assert [c.action for c in plan.changes] == ["create"]


@pytest.mark.django_db
def test_bad_parallel_targets_and_fallbacks_are_reported_with_their_paths(
    team: dict[str, Any],
) -> None:
    bad = """\
version: 1
escalation_policies:
  - name: Broken
    fallback_schedule: Nowhere
    fallback_user: nobody@example.com
    steps:
      - target: user
        user: ana@example.com
        condition: sometimes
        parallel_targets:
          - target: schedule
          - target: group
            group: Ghosts
"""
    with pytest.raises(ConfigError) as caught:
        plan_configuration(load_document(bad))
    assert caught.value.problems == [
        "escalation_policies[0].steps[0].condition: 'sometimes' is not one of "
        "['unacknowledged', 'unresolved']"
    ]
    with pytest.raises(ConfigError) as caught:
        apply_configuration(
            document=load_document(bad.replace("        condition: sometimes\n", "")), actor=ACTOR
        )
    assert caught.value.problems == [
        "escalation_policies[0].steps[0].parallel_targets[0].schedule: "
        "a 'schedule' step needs a schedule",
        'escalation_policies[0].steps[0].parallel_targets[1].group: unknown group "Ghosts"',
        'escalation_policies[0].fallback_schedule: unknown schedule "Nowhere"',
        'escalation_policies[0].fallback_user: unknown user "nobody@example.com"',
    ]
    assert not EscalationPolicy.objects.exists()


@pytest.mark.django_db
def test_prune_refuses_to_delete_a_schedule_that_is_a_fallback(team: dict[str, Any]) -> None:
    _apply(FIELDS_YAML)
    without_managers = FIELDS_YAML.replace(
        """  - name: Managers
    rotations:
      - layer: primary
        start_date: "2026-01-05"
        members: [dee@example.com]
""",
        "",
    )
    with pytest.raises(ConfigError) as caught:
        apply_configuration(document=load_document(without_managers), actor=ACTOR, prune=True)
    assert caught.value.problems[0].startswith(
        'escalation_policies[0].steps[0].parallel_targets[0].schedule: unknown schedule "Managers"'
    )
    assert 'escalation_policies[0].fallback_schedule: unknown schedule "Managers"' in (
        caught.value.problems
    )
