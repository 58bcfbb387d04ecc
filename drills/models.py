"""The scenario catalogue (the "hat"), drills, their draws and the quarters without one (SPEC §9)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from drills.choices import DrillStatus
from incidents.choices import DetectionSource, Environment

PRODUCTION_REFUSED = "Drills never run against production; choose staging or development."


def validate_not_production(value: str) -> None:
    if value == Environment.PRODUCTION:
        raise ValidationError(PRODUCTION_REFUSED)


class Scenario(models.Model):
    """A failure to inject in staging, with how we expect to notice it and the runbook to follow."""

    title = models.CharField(max_length=120, unique=True)
    description = models.TextField(help_text="What breaks and what customers would see.")
    injection_steps = models.TextField(
        help_text="How the facilitator injects it in staging, step by step."
    )
    target_service = models.ForeignKey(
        "incidents.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expected_detection_source = models.CharField(
        max_length=20, choices=DetectionSource.choices, default=DetectionSource.MONITORING_ALERT
    )
    expected_severity = models.CharField(
        max_length=20,
        blank=True,
        help_text="Level code of the policy in force (e.g. SEV-1); blank = the rank-2 level.",
    )
    runbook_url = models.URLField("runbook link", blank=True)
    enabled = models.BooleanField(default=True, help_text="Only enabled scenarios go into the hat.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


class Drill(models.Model):
    """One game day: planned, then started (the draw + a practice incident), then completed."""

    planned_on = models.DateField(db_index=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    environment = models.CharField(
        max_length=12,
        choices=Environment.choices,
        default=Environment.STAGING,
        validators=[validate_not_production],
    )
    status = models.CharField(
        max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED
    )
    notes = models.TextField(blank=True)
    # Null until the draw at start: nobody can read the scenario before then.
    scenario = models.ForeignKey(
        Scenario,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drills",
        editable=False,
    )
    severity = models.ForeignKey(
        "incidents.SeverityLevel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The level whose targets the drill is timed against.",
    )
    practice_incident = models.OneToOneField(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drill",
        editable=False,
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Results, filed at completion.
    timings = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Durations against targets, computed at completion.",
    )
    what_worked = models.TextField(blank=True)
    gaps_found = models.TextField(blank=True)
    playbook_updates = models.JSONField(
        default=list, blank=True, help_text="Playbook updates needed, filed as action items."
    )
    action_items = models.ManyToManyField(
        "postmortems.ActionItem", blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-planned_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(environment=Environment.PRODUCTION), name="drill_never_production"
            ),
            # "The next drill": the scheduler keeps exactly one planned at a time.
            models.UniqueConstraint(
                fields=("status",),
                condition=Q(status=DrillStatus.PLANNED),
                name="drill_one_planned",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Drill #{self.pk} on {self.planned_on:%Y-%m-%d} ({self.get_status_display().lower()})"
        )

    @property
    def sealed(self) -> bool:
        """True until the drill starts: the scenario is not drawn yet, so nobody can see it."""
        return self.status == DrillStatus.PLANNED or self.scenario_id is None


class DrillDraw(models.Model):
    """The record of a draw from the hat: who, when, and from which candidates."""

    drill = models.OneToOneField(Drill, on_delete=models.CASCADE, related_name="draw")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(db_index=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_by_label = models.CharField(max_length=120)
    candidate_ids = models.JSONField(default=list, help_text="Scenario ids that were in the hat.")
    excluded_ids = models.JSONField(
        default=list, help_text="Recently drawn ids kept out of the hat."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-drawn_at", "-id")

    def __str__(self) -> str:
        return f"Draw for drill #{self.drill_id}: {len(self.candidate_ids)} candidates"


class DrillGap(models.Model):
    """A calendar quarter that ended without a drill being held (a finding, flagged once)."""

    quarter_start = models.DateField(unique=True)
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ("-quarter_start",)

    def __str__(self) -> str:
        return f"No drill in {self.quarter_label}"

    @property
    def quarter_label(self) -> str:
        return f"{self.quarter_start.year}-Q{(self.quarter_start.month - 1) // 3 + 1}"
