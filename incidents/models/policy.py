"""Policy as data (SPEC §2): versions, severity levels, comms requirements, rules.

A version is editable only while it is a draft. Activating it (with sign-off)
freezes it; incidents pin the version in force when they are declared, so later
edits (which happen on a new draft) never move an incident's deadlines.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from incidents.choices import (
    ClassificationFact,
    CommsAnchor,
    CommsChannel,
    PolicyStatus,
    RuleOperator,
)
from portal.kernel.business_time import BusinessCalendar
from portal.kernel.durations import Duration, DurationParseError, parse_duration


def validate_duration_text(value: str) -> None:
    """Reject anything `parse_duration` cannot read, naming the accepted forms."""
    try:
        parse_duration(value)
    except DurationParseError as exc:
        raise ValidationError(str(exc)) from exc


class DurationTextField(models.CharField):
    """A duration as the playbook writes it ("15 min", "1 business day", "Next sprint")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [validate_duration_text])
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs


def as_duration(text: str) -> Duration | None:
    """The parsed value of a DurationTextField, or None when it is blank."""
    return parse_duration(text) if text.strip() else None


class Policy(models.Model):
    """A named playbook; its content lives in versions."""

    name = models.CharField(max_length=120, unique=True)
    preset = models.SlugField(
        max_length=60, blank=True, help_text="The preset it was loaded from, if any."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "policies"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    notes = models.TextField(
        blank=True, help_text="What changed, or what the importer could not read."
    )

    # Business calendar for business-time deadlines.
    time_zone = models.CharField(max_length=64, default="UTC")
    working_days = models.CharField(
        max_length=20, default="0,1,2,3,4", help_text="Comma-separated weekdays, Monday=0."
    )
    work_start = models.TimeField(default=datetime.time(9, 0))
    work_end = models.TimeField(default=datetime.time(17, 0))
    holiday_country = models.CharField(
        max_length=10,
        blank=True,
        help_text="ISO country code for public holidays (holidays package).",
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True)

    # Sign-off.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(max_length=120, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    last_validated_on = models.DateField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("policy__name", "-number")
        constraints = [
            models.UniqueConstraint(
                fields=("policy", "number"), name="policy_version_number_unique"
            ),
            # Exactly one version is in force for the whole portal.
            models.UniqueConstraint(
                fields=("status",),
                condition=models.Q(status=PolicyStatus.ACTIVE),
                name="one_active_policy_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == PolicyStatus.DRAFT

    @property
    def working_day_numbers(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.working_days.split(",") if d.strip() != "")

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            time_zone=self.time_zone,
            working_days=self.working_day_numbers,
            work_start=self.work_start,
            work_end=self.work_end,
            holiday_country=self.holiday_country,
            holiday_subdivision=self.holiday_subdivision,
        )

    def clean(self) -> None:
        try:
            days = self.working_day_numbers
        except ValueError:
            raise ValidationError(
                {"working_days": "Use comma-separated numbers 0-6 (Monday=0)."}
            ) from None
        if not days or any(d < 0 or d > 6 for d in days):
            raise ValidationError({"working_days": "Use comma-separated numbers 0-6 (Monday=0)."})
        problems = self.calendar().validate()
        if problems:
            raise ValidationError({"time_zone": problems})


class SeverityLevel(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField(max_length=20, help_text="The company's own label: SEV-1, S1, P1…")
    name = models.CharField(max_length=60, blank=True)
    rank = models.PositiveSmallIntegerField(help_text="1 = worst.")
    definition = models.TextField(blank=True)
    examples = models.TextField(blank=True)

    ack_target = DurationTextField(verbose_name="acknowledge target")
    mitigate_target = DurationTextField()
    resolve_target = DurationTextField()
    update_cadence = DurationTextField(
        verbose_name="status-update cadence", help_text="e.g. 15 min; blank = no cadence."
    )
    war_room_required = models.BooleanField(default=False)
    publish_on_declare = models.BooleanField(
        default=True,
        help_text="Show incidents of this level on the public status page as soon as a person "
        "declares them. Off: only once a customer-facing title or public update is published. "
        "Incidents opened from alerts always wait for that.",
    )
    postmortem_required = models.BooleanField(default=False)
    postmortem_sections = models.CharField(
        max_length=100,
        blank=True,
        help_text="Post-mortem sections this playbook asks for besides the usual ones, "
        "comma-separated: resolution, prevention, data_lost (publishing requires them).",
    )
    postmortem_due = DurationTextField(
        help_text="After resolution, e.g. 5 business days, 48 hours."
    )
    who_is_paged = models.TextField(
        blank=True, help_text="Who pages, who joins (as the playbook says)."
    )

    class Meta:
        ordering = ("version", "rank")
        constraints = [
            models.UniqueConstraint(
                fields=("version", "code"), name="level_code_unique_in_version"
            ),
            models.UniqueConstraint(
                fields=("version", "rank"), name="level_rank_unique_in_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class CommsRequirement(models.Model):
    """Customers (or the company) must hear through `channel` within `deadline`."""

    level = models.ForeignKey(
        SeverityLevel, on_delete=models.CASCADE, related_name="comms_requirements"
    )
    channel = models.CharField(max_length=20, choices=CommsChannel.choices)
    anchor = models.CharField(
        max_length=10,
        choices=CommsAnchor.choices,
        default=CommsAnchor.DECLARED,
        help_text="The deadline runs from declaration or from resolution.",
    )
    deadline = DurationTextField(help_text="Blank = owed, with no clock.")
    only_if_longer_than = DurationTextField(
        help_text="Applies only if the incident lasts longer than this (e.g. email if > 4 hr)."
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("level", "id")

    def __str__(self) -> str:
        parts = [self.get_channel_display()]
        if self.deadline:
            parts.append(f"within {self.deadline} {self.get_anchor_display()}")
        if self.only_if_longer_than:
            parts.append(f"if longer than {self.only_if_longer_than}")
        return " ".join(parts)


class ClassificationRule(models.Model):
    """A checkable piece of a level's definition: `fact operator value` ⇒ at least `level`."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="rules")
    level = models.ForeignKey(SeverityLevel, on_delete=models.CASCADE, related_name="rules")
    fact = models.CharField(max_length=30, choices=ClassificationFact.choices)
    operator = models.CharField(max_length=10, choices=RuleOperator.choices)
    value = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("version", "level__rank", "id")

    def __str__(self) -> str:
        value = "" if self.value is None else f" {self.value.normalize()}"
        return f"{self.get_fact_display()} {self.get_operator_display()}{value} ⇒ {self.level.code}"

    def clean(self) -> None:
        numeric = self.operator in (
            RuleOperator.GT,
            RuleOperator.GTE,
            RuleOperator.LT,
            RuleOperator.LTE,
        )
        if numeric and self.value is None:
            raise ValidationError({"value": "A comparison needs a value."})
        if numeric and self.fact != ClassificationFact.CUSTOMERS_AFFECTED_PCT:
            raise ValidationError(
                {"operator": "Only 'customers affected (%)' is compared with a number."}
            )
        if not numeric and self.fact == ClassificationFact.CUSTOMERS_AFFECTED_PCT:
            raise ValidationError({"operator": "Compare 'customers affected (%)' with a number."})
        if self.level_id and self.version_id and self.level.version_id != self.version_id:
            raise ValidationError({"level": "The level belongs to another policy version."})
