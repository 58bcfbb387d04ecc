"""Drill services: the catalogue, planning, the draw at start, production refused, results."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from drills import services
from drills.choices import DrillStatus
from drills.models import Drill, DrillDraw, Scenario
from incidents.choices import DetectionSource, Environment, TimelineKind
from incidents.services import acknowledge_incident, mitigate_incident, record_comms_sent
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from postmortems.models import ActionItem

NOW = datetime.datetime(2026, 5, 18, 9, 0, tzinfo=datetime.UTC)


def test_preset_seeds_the_catalogue_and_plans_the_playbooks_drill(policy: Any) -> None:
    # Given the founder-24x7 preset is loaded (by the fixture)
    # Then the hat holds the playbook's examples and a dozen more, and 2026-05-18 is planned in staging
    titles = set(Scenario.objects.values_list("title", flat=True))
    assert {
        "Primary database down",
        "Payment webhook receiver returns 500",
        "LLM provider rate-limits us",
    } <= titles
    assert len(titles) >= 15
    drill = Drill.objects.get()
    assert (drill.planned_on, drill.status, drill.environment) == (
        datetime.date(2026, 5, 18),
        DrillStatus.PLANNED,
        Environment.STAGING,
    )
    assert drill.scenario is None
    assert drill.sealed


def test_loading_the_preset_again_changes_nothing(
    policy: Any, load_policy: Any, system: Actor
) -> None:
    # Given someone edited the planned date and disabled a scenario
    Drill.objects.update(planned_on=datetime.date(2026, 6, 1))
    Scenario.objects.filter(title="Disk full on the application host").update(enabled=False)
    # When the preset (and the seed) run again
    load_policy("founder-24x7")
    assert services.seed_scenarios(actor=system) == 0
    # Then the edits stand and nothing is duplicated
    assert Drill.objects.get().planned_on == datetime.date(2026, 6, 1)
    assert not Scenario.objects.get(title="Disk full on the application host").enabled
    assert Scenario.objects.count() == 15


def test_every_seeded_scenario_has_concrete_staging_steps(policy: Any) -> None:
    for scenario in Scenario.objects.all():
        scenario.full_clean()
        assert (
            "staging" in scenario.injection_steps.lower() or "toxiproxy" in scenario.injection_steps
        )
        assert scenario.runbook_url.startswith("https://")


def test_service_refuses_a_production_drill(policy: Any, system: Actor) -> None:
    Drill.objects.all().delete()
    with pytest.raises(DomainError) as err:
        services.plan_drill(
            actor=system, planned_on=datetime.date(2026, 8, 1), environment="production"
        )
    assert err.value.field == "environment"
    assert "never run against production" in err.value.message
    assert not Drill.objects.exists()


def test_editing_a_drill_to_production_is_refused(planned: Drill, system: Actor) -> None:
    with pytest.raises(DomainError) as err:
        services.update_drill(drill=planned, actor=system, changes={"environment": "production"})
    assert err.value.field == "environment"
    planned.refresh_from_db()
    assert planned.environment == Environment.STAGING


def test_model_validation_and_database_refuse_production(planned: Drill) -> None:
    # The model's clean names the field…
    planned.environment = Environment.PRODUCTION
    with pytest.raises(ValidationError) as err:
        planned.full_clean()
    assert "environment" in err.value.message_dict
    # …and the database refuses it even when the model layer is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        Drill.objects.filter(pk=planned.pk).update(environment=Environment.PRODUCTION)


def test_only_one_drill_is_planned_at_a_time(planned: Drill, system: Actor) -> None:
    with pytest.raises(DomainError) as err:
        services.plan_drill(actor=system, planned_on=datetime.date(2026, 9, 1))
    assert err.value.field == "planned_on"
    assert "already planned on 2026-05-18" in err.value.message


def test_rescheduling_rearms_the_reminder(planned: Drill, system: Actor) -> None:
    Drill.objects.filter(pk=planned.pk).update(reminder_sent_at=NOW)
    drill = services.update_drill(
        drill=planned, actor=system, changes={"planned_on": datetime.date(2026, 6, 2)}
    )
    assert drill.planned_on == datetime.date(2026, 6, 2)
    assert drill.reminder_sent_at is None


@time_machine.travel(NOW, tick=False)
def test_start_draws_records_and_opens_a_practice_incident(
    planned: Drill, founder_actor: Actor
) -> None:
    # When the facilitator starts the drill
    drill = services.start_drill(drill=planned, actor=founder_actor, rng=random.Random(3))
    # Then a scenario is drawn from all enabled ones and the draw is recorded
    draw = DrillDraw.objects.get(drill=drill)
    assert drill.status == DrillStatus.RUNNING
    assert drill.scenario == draw.scenario
    assert sorted(draw.candidate_ids) == sorted(Scenario.objects.values_list("pk", flat=True))
    assert (draw.drawn_by, draw.drawn_at) == (founder_actor.user, NOW)
    # And the practice incident goes through the normal flow, marked as a drill, in staging
    incident = drill.practice_incident
    assert incident is not None
    assert incident.is_drill
    assert incident.environment == Environment.STAGING
    assert incident.detection_source == DetectionSource.DRILL
    assert incident.title == f"Drill: {drill.scenario.title}"
    expected = drill.scenario.expected_severity or "SEV-2"
    assert incident.severity is not None
    assert drill.severity is not None
    assert incident.severity.code == drill.severity.code == expected
    assert incident.deadlines.filter(kind="ack").exists()
    assert incident.timeline.filter(
        kind=TimelineKind.NOTE, message__contains="drawn from 15"
    ).exists()


def test_a_scenario_without_expected_severity_uses_the_rank_2_level(
    planned: Drill, system: Actor
) -> None:
    Scenario.objects.exclude(title="Disk full on the application host").update(enabled=False)
    Scenario.objects.update(expected_severity="")
    drill = services.start_drill(drill=planned, actor=system)
    assert drill.severity is not None
    assert drill.severity.code == "SEV-2"


def test_start_never_repeats_the_last_three_drawn(policy: Any, system: Actor) -> None:
    # Given five enabled scenarios and a run of drills started one after another
    keep = list(Scenario.objects.order_by("pk").values_list("pk", flat=True)[:5])
    Scenario.objects.exclude(pk__in=keep).update(enabled=False)
    Drill.objects.all().delete()
    drawn: list[int] = []
    for i in range(12):
        drill = services.plan_drill(
            actor=system, planned_on=datetime.date(2027, 1, 1) + datetime.timedelta(i)
        )
        drill = services.start_drill(drill=drill, actor=system, rng=random.Random(i))
        services.cancel_drill(drill=drill, actor=system)
        assert drill.scenario_id is not None
        drawn.append(drill.scenario_id)
    # Then no draw repeats any of the three before it
    for i, pk in enumerate(drawn):
        assert pk not in drawn[max(0, i - 3) : i]


def test_empty_hat_refuses_to_start(planned: Drill, system: Actor) -> None:
    Scenario.objects.update(enabled=False)
    with pytest.raises(DomainError) as err:
        services.start_drill(drill=planned, actor=system)
    assert err.value.field == "scenario"
    planned.refresh_from_db()
    assert planned.status == DrillStatus.PLANNED
    assert planned.practice_incident is None


def test_a_started_drill_cannot_start_again(planned: Drill, system: Actor) -> None:
    services.start_drill(drill=planned, actor=system)
    with pytest.raises(DomainError) as err:
        services.start_drill(drill=planned, actor=system)
    assert err.value.field == "status"
    assert DrillDraw.objects.count() == 1


def _started_sev1(planned: Drill, actor: Actor) -> Drill:
    Scenario.objects.exclude(title="Primary database down").update(enabled=False)
    return services.start_drill(drill=planned, actor=actor)


def test_complete_times_the_four_stages_against_the_drawn_levels_targets(
    planned: Drill, founder_actor: Actor
) -> None:
    # Given a SEV-1 drill (ack 15 min, customer comms within 60 min) started at 09:00
    with time_machine.travel(NOW, tick=False):
        drill = _started_sev1(planned, founder_actor)
    incident = drill.practice_incident
    assert incident is not None
    # When the team acknowledges at 09:10, mitigates at 09:40 and tells customers at 10:30 (late)
    with time_machine.travel(NOW + datetime.timedelta(minutes=10), tick=False):
        acknowledge_incident(incident=incident, actor=founder_actor)
    with time_machine.travel(NOW + datetime.timedelta(minutes=40), tick=False):
        mitigate_incident(incident=incident, actor=founder_actor)
    with time_machine.travel(NOW + datetime.timedelta(minutes=90), tick=False):
        record_comms_sent(
            incident=incident, actor=founder_actor, channel="status_page", summary="Investigating"
        )
        drill = services.complete_drill(
            drill=drill,
            actor=founder_actor,
            what_worked="Alert fired at once.",
            gaps_found="Nobody knew the status page login.",
            playbook_updates=[
                "Add the status page login to the vault",
                "  ",
                "Write the failover runbook",
            ],
        )
    # Then the timings are filed, each against its target
    stages = {t["stage"]: t for t in drill.timings}
    assert stages["detect"]["seconds"] == 0
    assert (stages["triage"]["seconds"], stages["triage"]["target"], stages["triage"]["met"]) == (
        600,
        "15 min",
        True,
    )
    assert stages["mitigate"]["seconds"] == 2400
    assert stages["notify"]["seconds"] == 5400
    assert stages["notify"]["met"] is False
    assert stages["notify"]["target"].startswith("60 min")
    # And each playbook update became a drill action item, owned by the facilitator
    items = ActionItem.objects.filter(source="drill").order_by("id")
    assert [i.description for i in items] == [
        f"Drill #{drill.pk}: Add the status page login to the vault",
        f"Drill #{drill.pk}: Write the failover runbook",
    ]
    assert {i.owner for i in items} == {planned.facilitator}
    assert set(drill.action_items.all()) == set(items)
    assert drill.status == DrillStatus.COMPLETED
    # And the practice incident is resolved once its timings are taken
    incident.refresh_from_db()
    assert incident.resolved_at is not None


def test_triage_waits_for_the_last_reclassification(planned: Drill, founder_actor: Actor) -> None:
    from incidents.services import change_severity

    with time_machine.travel(NOW, tick=False):
        drill = _started_sev1(planned, founder_actor)
    incident = drill.practice_incident
    assert incident is not None
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        acknowledge_incident(incident=incident, actor=founder_actor)
    with time_machine.travel(NOW + datetime.timedelta(minutes=20), tick=False):
        change_severity(
            incident=incident,
            actor=founder_actor,
            severity="SEV-2",
            reason="smaller",
        )
        drill = services.complete_drill(drill=drill, actor=founder_actor)
    triage = next(t for t in drill.timings if t["stage"] == "triage")
    # Classified at 09:20: 20 minutes against the drawn SEV-1's 15 min target
    assert (triage["seconds"], triage["target"], triage["met"]) == (1200, "15 min", False)


def test_only_a_running_drill_completes(planned: Drill, system: Actor) -> None:
    with pytest.raises(DomainError) as err:
        services.complete_drill(drill=planned, actor=system)
    assert err.value.field == "status"
