"""Blameless post-mortems (SPEC §8), their action items and the quarterly risk review."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

from incidents.models import Incident, TimelineEntry
from postmortems.choices import (
    DEFAULT_ACTION_LABEL,
    OPEN_ACTION_STATUSES,
    ActionItemStatus,
    PostMortemStatus,
)


def default_labels() -> list[str]:
    return [DEFAULT_ACTION_LABEL]


class PostMortem(models.Model):
    """One per incident. Written by `postmortems.services` only; read-only once published."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="postmortem")
    status = models.CharField(
        max_length=12, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT
    )
    revision = models.PositiveIntegerField(default=1)
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="From the incident's post-mortem deadline (pinned policy, business time).",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    summary = models.TextField(blank=True)
    root_cause = models.TextField("root cause (technical)", blank=True)
    contributing_causes = models.TextField(
        "contributing causes (process, organisational)", blank=True
    )
    what_worked = models.TextField(blank=True)
    what_didnt = models.TextField("what didn't work", blank=True)
    # Sections some playbooks ask for by name (002: fixes, preventions; 004: resolution
    # steps, data lost); required where the incident's level lists them.
    resolution = models.TextField("resolution (what was done to restore service)", blank=True)
    prevention = models.TextField("prevention (what stops it happening again)", blank=True)
    data_lost = models.TextField("data lost (if any)", blank=True)
    customer_impact_summary = models.TextField(blank=True)
    customers_affected = models.PositiveIntegerField(null=True, blank=True)
    revenue_impact = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    revenue_currency = models.CharField(max_length=3, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "post-mortem"

    def __str__(self) -> str:
        return f"Post-mortem {self.incident.ref}"

    @property
    def is_published(self) -> bool:
        return self.status == PostMortemStatus.PUBLISHED

    @property
    def impact_started_at(self) -> datetime.datetime:
        return self.incident.impact_started_at or self.incident.declared_at

    @property
    def duration(self) -> datetime.timedelta | None:
        """Resolved at − impact started (or declared) at; None while unresolved."""
        if self.incident.resolved_at is None:
            return None
        return self.incident.resolved_at - self.impact_started_at


class PostMortemTimelineEntry(models.Model):
    """An editable copy of one incident timeline line; `included` selects it for the document."""

    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="timeline_entries"
    )
    source = models.ForeignKey(
        TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, blank=True)
    actor_label = models.CharField(max_length=120, blank=True)
    text = models.TextField()
    included = models.BooleanField(default=True)

    class Meta:
        ordering = ("postmortem", "at", "id")
        verbose_name_plural = "post-mortem timeline entries"
        constraints = [
            models.UniqueConstraint(fields=("postmortem", "source"), name="pm_timeline_source_once")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}Z {self.text[:60]}"


class PostMortemRevision(models.Model):
    """The content of a published revision, kept when a new revision is started."""

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("postmortem", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("postmortem", "number"), name="pm_revision_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.postmortem} revision {self.number}"


class ActionItem(models.Model):
    """Something to change so it does not happen again; owned, dated, ticketed.

    `postmortem` is optional so drills (and others) can file items too; `source`
    says where an item came from ("post-mortem", "drill"…).
    """

    postmortem = models.ForeignKey(
        PostMortem, null=True, blank=True, on_delete=models.PROTECT, related_name="action_items"
    )
    source = models.CharField(max_length=40, default=DEFAULT_ACTION_LABEL)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    wont_do_reason = models.TextField(blank=True)
    ticket_url = models.URLField(max_length=500, blank=True)
    labels = models.JSONField(default=default_labels, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_date", "id")
        indexes = [models.Index(fields=("status", "due_date"), name="action_item_status_due")]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def incident(self) -> Incident | None:
        return self.postmortem.incident if self.postmortem_id and self.postmortem else None

    def is_overdue(self, today: datetime.date) -> bool:
        return (
            self.status in OPEN_ACTION_STATUSES
            and self.due_date is not None
            and self.due_date < today
        )


class RiskReview(models.Model):
    """The quarterly risk assessment: its lists come from `selectors.risk_review_contents`."""

    quarter_start = models.DateField()
    quarter_end = models.DateField()
    notes = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-quarter_start",)
        constraints = [
            models.UniqueConstraint(
                fields=("quarter_start", "quarter_end"), name="risk_review_period_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter_end__gte=models.F("quarter_start")),
                name="risk_review_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk review {self.quarter_start}–{self.quarter_end}"
