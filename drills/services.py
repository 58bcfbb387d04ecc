"""Drill writes: the catalogue, planning, the draw at start, and the results (SPEC §9).

Every door (admin, API, CLI, the scheduler task) calls these. Each is atomic, locks
the drill row it changes, and refuses production everywhere: a drill only ever runs
against staging or development.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from drills.choices import DrillStatus
from drills.hat import EmptyHat, draw_scenario
from drills.models import PRODUCTION_REFUSED, Drill, DrillDraw, Scenario
from drills.selectors import recent_scenario_ids
from drills.timing import stage_timings
from incidents import events
from incidents.choices import OPEN_STATUSES, DetectionSource, Environment, TimelineKind
from incidents.models import Service, SeverityLevel
from incidents.selectors import active_policy_version, level_by_code
from incidents.services import declare_incident, resolve_incident
from portal.audit.scope import audited_service
from portal.audit.services import prepare_created, record_changed, record_created, record_entries
from portal.audit.snapshots import snapshot
from portal.kernel.actors import Actor
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import validate_model

# What the drill services move on a drill (attnames), for their audit entries.
DRILL_ATTS = (
    "planned_on",
    "facilitator_id",
    "environment",
    "notes",
    "reminder_sent_at",
    "status",
    "scenario_id",
    "severity_id",
    "practice_incident_id",
    "started_at",
    "completed_at",
    "cancelled_at",
    "timings",
    "what_worked",
    "gaps_found",
    "playbook_updates",
)
CATALOGUE_FILE = Path(__file__).resolve().parent / "scenarios.json"
DEFAULT_SEVERITY_RANK = 2


def no_repeat_last() -> int:
    """How many recently drawn scenarios stay out of the hat (`DRILL_NO_REPEAT_LAST`, default 3)."""
    return max(0, settings.DRILL_NO_REPEAT_LAST)


def refuse_production(environment: str) -> None:
    """The one rule every door repeats: no drill against production."""
    if environment == Environment.PRODUCTION:
        raise DomainError(PRODUCTION_REFUSED, field="environment")
    if environment not in Environment.values:
        raise DomainError("Unknown environment; use staging or development.", field="environment")


# --- The catalogue -----------------------------------------------------------------


@audited_service
def seed_scenarios(*, actor: Actor) -> int:
    """Add the built-in scenarios (`drills/scenarios.json`) that are missing, by title.

    Idempotent and non-destructive: an existing scenario (perhaps edited or disabled)
    is left as it is. Returns how many were created.
    """
    added: list[Scenario] = []
    existing = set(Scenario.objects.values_list("title", flat=True))
    services = {s.slug: s for s in Service.objects.all()}
    for row in json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")):
        if row["title"] in existing:
            continue
        scenario = Scenario(
            title=row["title"],
            description=row["description"],
            injection_steps=row["injection_steps"],
            target_service=services.get(row.get("service", "")),
            expected_detection_source=row["expected_detection_source"],
            expected_severity=row.get("expected_severity", ""),
            runbook_url=row.get("runbook_url", ""),
        )
        validate_model(scenario)
        scenario.save()
        added.append(scenario)
    record_entries([prepare_created(actor, scenario) for scenario in added])
    return len(added)


# --- Planning ----------------------------------------------------------------------


@audited_service
def plan_drill(
    *,
    actor: Actor,
    planned_on: datetime.date,
    facilitator: Any = None,
    environment: str = Environment.STAGING,
    notes: str = "",
) -> Drill:
    """Plan the next drill. Only one drill is planned at a time; production is refused."""
    refuse_production(environment)
    if planned_on is None:
        raise DomainError("A date is required.", field="planned_on")
    drill = Drill(
        planned_on=planned_on, facilitator=facilitator, environment=environment, notes=notes
    )
    validate_model(drill, validate_constraints=False)
    try:
        with transaction.atomic():
            drill.save()
    except IntegrityError:
        planned = Drill.objects.filter(status=DrillStatus.PLANNED).first()
        when = f" on {planned.planned_on:%Y-%m-%d}" if planned else ""
        raise DomainError(
            f"A drill is already planned{when}; edit its date instead.", field="planned_on"
        ) from None
    record_created(actor, drill)
    return drill


def _lock(drill: Drill) -> Drill:
    return Drill.objects.select_for_update().get(pk=drill.pk)


@audited_service
def update_drill(*, drill: Drill, actor: Actor, changes: dict[str, Any]) -> Drill:
    """Edit a planned drill's date, facilitator, environment or notes (a new date re-arms the reminder)."""
    allowed = {"planned_on", "facilitator", "environment", "notes"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise DomainError(f"{unknown[0]} cannot be edited here.", field=unknown[0])
    drill = _lock(drill)
    if drill.status != DrillStatus.PLANNED:
        raise DomainError(
            f"Drill #{drill.pk} is {drill.status}; only a planned drill can be edited.",
            field="status",
        )
    if "environment" in changes:
        refuse_production(changes["environment"])
    if "planned_on" in changes and changes["planned_on"] is None:
        raise DomainError("A date is required.", field="planned_on")
    before = snapshot(drill, list(DRILL_ATTS))
    if changes.get("planned_on") not in (None, drill.planned_on):
        drill.reminder_sent_at = None
    for field, value in changes.items():
        setattr(drill, field, value)
    validate_model(drill, validate_constraints=False)
    drill.save()
    record_changed(actor, drill, before)
    return drill


@audited_service
def cancel_drill(*, drill: Drill, actor: Actor, reason: str = "") -> Drill:
    """Call a planned or running drill off (the practice incident, if open, is left to its own flow)."""
    drill = _lock(drill)
    if drill.status not in (DrillStatus.PLANNED, DrillStatus.RUNNING):
        raise DomainError(f"Drill #{drill.pk} is already {drill.status}.", field="status")
    before = snapshot(drill, list(DRILL_ATTS))
    drill.status = DrillStatus.CANCELLED
    drill.cancelled_at = timezone.now()
    if reason:
        drill.notes = f"{drill.notes}\nCancelled: {reason}".strip()
    drill.save()
    record_changed(actor, drill, before)
    return drill


# --- The draw and the practice incident ---------------------------------------------


def drill_level(scenario: Scenario) -> SeverityLevel:
    """The scenario's expected level under the policy in force, else the rank-2 level (or the mildest)."""
    version = active_policy_version()
    if scenario.expected_severity:
        try:
            return level_by_code(version, scenario.expected_severity)
        except DomainError:
            pass  # A code from another policy's vocabulary: use the default below.
    levels = list(version.levels.order_by("rank"))
    by_rank = {level.rank: level for level in levels}
    return by_rank.get(DEFAULT_SEVERITY_RANK) or levels[-1]


@audited_service
def start_drill(*, drill: Drill, actor: Actor, rng: random.Random | None = None) -> Drill:
    """Draw the scenario from the hat and open the practice incident.

    The draw is uniform over the enabled scenarios minus the last N drawn (see
    `drills.hat.draw_scenario`); it is recorded with its candidates. The practice
    incident is declared through the normal flow with `is_drill=True`, so paging and
    deadlines run as for real, while customer messages are sandboxed.
    """
    drill = _lock(drill)
    if drill.status != DrillStatus.PLANNED:
        raise DomainError(
            f"Drill #{drill.pk} is {drill.status}; only a planned drill can start.", field="status"
        )
    refuse_production(drill.environment)
    candidates = list(
        Scenario.objects.filter(enabled=True).select_related("target_service").order_by("pk")
    )
    try:
        outcome = draw_scenario(candidates, recent_scenario_ids(limit=no_repeat_last()), rng)
    except EmptyHat:
        raise DomainError(
            "The hat is empty: enable a scenario (or run `manage.py drill seed`).", field="scenario"
        ) from None
    scenario = outcome.chosen
    level = drill_level(scenario)
    now = timezone.now()
    incident = declare_incident(
        actor=actor,
        title=f"Drill: {scenario.title}",
        summary=f"Practice incident for drill #{drill.pk} ({drill.environment}).\n\n{scenario.description}",
        severity=level.code,
        environment=drill.environment,
        detection_source=DetectionSource.DRILL,
        services=[scenario.target_service] if scenario.target_service else [],
        runbook_links=[scenario.runbook_url] if scenario.runbook_url else [],
        impact_started_at=now,
        is_drill=True,
    )
    draw = DrillDraw.objects.create(
        drill=drill,
        scenario=scenario,
        drawn_at=now,
        drawn_by=actor.user,
        drawn_by_label=actor.label,
        candidate_ids=outcome.candidate_ids,
        excluded_ids=outcome.excluded_ids,
        note=outcome.note,
    )
    record_created(actor, draw, at=now)
    events.record(
        incident,
        TimelineKind.NOTE,
        f"Drill #{drill.pk}: scenario drawn from {len(outcome.candidate_ids)} candidate(s). {outcome.note}".strip(),
        actor=actor,
        at=now,
        data={"drill": drill.pk, "candidate_ids": outcome.candidate_ids},
    )
    before = snapshot(drill, list(DRILL_ATTS))
    drill.status = DrillStatus.RUNNING
    drill.scenario = scenario
    drill.severity = level
    drill.practice_incident = incident
    drill.started_at = now
    drill.save()
    record_changed(actor, drill, before, at=now)
    return drill


# --- Results -----------------------------------------------------------------------


def _clean_lines(items: Iterable[str]) -> list[str]:
    return [line.strip() for line in items if line and line.strip()]


@audited_service
def complete_drill(
    *,
    drill: Drill,
    actor: Actor,
    what_worked: str = "",
    gaps_found: str = "",
    playbook_updates: Sequence[str] = (),
) -> Drill:
    """File the results: the four durations against targets (computed now), what worked,
    the gaps, and each playbook update needed as an action item (source "drill").

    A practice incident still open is resolved, after its timings are taken.
    """
    from postmortems.services import create_action_item

    drill = _lock(drill)
    if drill.status != DrillStatus.RUNNING:
        raise DomainError(
            f"Drill #{drill.pk} is {drill.status}; only a running drill can complete.",
            field="status",
        )
    updates = _clean_lines(playbook_updates)
    if any(len(text) > 2000 for text in updates):
        raise DomainError(
            "Keep each playbook update under 2000 characters.", field="playbook_updates"
        )
    incident = drill.practice_incident
    level = drill.severity
    if incident is None or level is None or drill.started_at is None:  # Set together at start.
        raise DomainError(f"Drill #{drill.pk} has no practice incident.", field="practice_incident")
    before = snapshot(drill, list(DRILL_ATTS))
    old_items = sorted(drill.action_items.values_list("pk", flat=True))
    drill.timings = [t.as_json() for t in stage_timings(incident, level, drill.started_at)]
    drill.what_worked = what_worked.strip()
    drill.gaps_found = gaps_found.strip()
    drill.playbook_updates = updates
    drill.status = DrillStatus.COMPLETED
    drill.completed_at = timezone.now()
    drill.save()
    items = [
        create_action_item(
            actor=actor,
            description=f"Drill #{drill.pk}: {text}",
            owner=drill.facilitator,
            due_date=None,
            source_label="drill",
        )
        for text in updates
    ]
    drill.action_items.add(*items)
    filed = (
        {
            "before": {"action_items": old_items},
            "after": {"action_items": sorted([*old_items, *(i.pk for i in items)])},
        }
        if items
        else None
    )
    record_changed(actor, drill, before, extra=filed)
    if incident.status in OPEN_STATUSES:
        # Comms the drill did not practise are a finding of the drill, recorded on its
        # timeline; they never block completing it.
        resolve_incident(
            incident=incident,
            actor=actor,
            message=f"Drill #{drill.pk} completed.",
            unmet_comms_reason=f"drill #{drill.pk} ended without them (a drill finding).",
        )
    return drill
