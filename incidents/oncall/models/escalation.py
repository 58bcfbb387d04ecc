"""Escalation policies, their attachment to severity levels, per-incident state and pages."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models

from incidents.oncall.choices import EscalationStatus, StepCondition, TargetKind
from incidents.oncall.models.schedule import Layer, Schedule


class EscalationPolicy(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    repeat = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the whole chain runs again when nobody acknowledges."
    )
    repeat_after_minutes = models.PositiveIntegerField(
        default=5, help_text="Wait after the last step before starting over."
    )
    # A step that resolves to nobody pages the fallback instead of nobody.
    fallback_schedule = models.ForeignKey(
        Schedule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Paged when a step resolves to nobody (its on-call, every layer).",
    )
    fallback_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Paged when a step resolves to nobody. Neither set: the founders "
        "(active superusers).",
    )

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class TargetFields(models.Model):
    """Who one target pages: a kind and the object it needs (shared by a step's own
    target and its parallel targets)."""

    target_kind = models.CharField(max_length=20, choices=TargetKind.choices)
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    layer = models.ForeignKey(
        Layer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: every layer of the schedule.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.ForeignKey(
        "notifications.NotificationChannel",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Page through this channel (mentioning the person); blank: email each person.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        needed = {
            TargetKind.SCHEDULE: "schedule",
            TargetKind.NEXT_IN_ROTATION: "schedule",
            TargetKind.USER: "user",
            TargetKind.GROUP: "group",
            TargetKind.SERVICE_OWNERS: None,
            TargetKind.EVERYONE_ON_CALL: None,
        }[TargetKind(self.target_kind)]
        if needed is not None and getattr(self, f"{needed}_id") is None:
            raise ValidationError(
                {needed: f"A '{self.get_target_kind_display()}' target needs a {needed}."}
            )
        if (
            self.layer is not None
            and self.schedule_id
            and self.layer.schedule_id != self.schedule_id
        ):
            raise ValidationError({"layer": "The layer must belong to the step's schedule."})


class EscalationStep(TargetFields):
    """After `delay_minutes` (counted from the previous step, the first from the
    declaration), if the incident is still not acknowledged (or, for the
    "not resolved" condition, still not resolved), page the step's target and its
    parallel targets at once."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    delay_minutes = models.PositiveIntegerField(default=0)
    condition = models.CharField(
        max_length=15, choices=StepCondition.choices, default=StepCondition.UNACKNOWLEDGED
    )
    mention_here = models.BooleanField(
        default=False, help_text="Mention everyone in the channel (@here) on this step's pages."
    )

    class Meta:
        ordering = ("policy", "order")
        constraints = [
            models.UniqueConstraint(fields=("policy", "order"), name="escalation_step_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy} step {self.order}: {self.get_target_kind_display()}"

    def targets(self) -> list[TargetFields]:
        """The step's own target first, then its parallel targets (prefetch them)."""
        return [self, *sorted(self.parallel_targets.all(), key=lambda t: t.pk)]


class StepTarget(TargetFields):
    """One more target a step pages in parallel with its own ("SEV-1: platform on-call
    + EM on-call + founder on-call")."""

    step = models.ForeignKey(
        EscalationStep, on_delete=models.CASCADE, related_name="parallel_targets"
    )

    class Meta:
        ordering = ("step", "id")

    def __str__(self) -> str:
        return f"{self.step} + {self.get_target_kind_display()}"


class SeverityEscalation(models.Model):
    """Incidents of severity `level_code` (in whichever policy version) follow `policy`."""

    level_code = models.CharField(max_length=20, unique=True, help_text="SEV-1, S2, P1…")
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")

    class Meta:
        ordering = ("level_code",)

    def __str__(self) -> str:
        return f"{self.level_code} → {self.policy}"


class Escalation(models.Model):
    """The escalation of one incident: which step is next and when."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="escalation"
    )
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=15, choices=EscalationStatus.choices, default=EscalationStatus.ACTIVE
    )
    # Counts across repeats: step = index % len(steps), round = index // len(steps).
    next_index = models.PositiveIntegerField(default=0)
    # Where the current policy's chain started (a severity change restarts it).
    base_index = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    # Set on acknowledgement while "not resolved" steps remain: those still page.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    warning = models.CharField(
        max_length=300, blank=True, help_text="Shown on the incident: e.g. a step paged nobody."
    )
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=("next_step_at",), name="escalation_due", condition=models.Q(status="active")
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation of {self.incident_id} ({self.status})"


class Page(models.Model):
    """One person paged by one step: who, by which step, on which channel, when."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="pages"
    )
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="pages")
    index = models.PositiveIntegerField(help_text="The escalation's step index (across repeats).")
    step_order = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(
        max_length=200, help_text="Why this person: e.g. 'Platform / primary'."
    )
    channel = models.ForeignKey(
        "notifications.NotificationChannel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paged_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Single use of the one-click acknowledge link.
    ack_link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("incident", "paged_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("escalation", "index", "user"), name="page_once_per_step_user"
            ),
        ]

    def __str__(self) -> str:
        # The incident's reference, never its id: this is the row's caption on the incident page.
        return f"Page {self.user} (step {self.step_order}) for {self.incident.ref}"

    @property
    def delivered_at(self) -> datetime.datetime | None:
        return self.message.sent_at if self.message is not None else None
