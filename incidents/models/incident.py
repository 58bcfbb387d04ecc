"""Incidents, their roles, status updates and the services they touch (SPEC §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from incidents.choices import (
    OPEN_STATUSES,
    DetectionSource,
    Environment,
    IncidentRole,
    IncidentStatus,
)
from incidents.models.policy import PolicyVersion, SeverityLevel


class Service(models.Model):
    """Something customers use (a status-page component) or a system we run."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    public = models.BooleanField(default=True, help_text="Shown on the public status page.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ReferenceCounter(models.Model):
    """Last sequence number handed out per UTC day, for `INC-YYYYMMDD-NN`."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Incident(models.Model):
    ref = models.CharField("reference", max_length=24, unique=True, editable=False)
    title = models.CharField(max_length=200)
    public_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Customer-facing title for the status page. Setting it publishes the incident "
        "there (incidents opened from alerts stay off the page until it or a public update is set).",
    )
    summary = models.TextField(blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="incidents", editable=False
    )
    severity = models.ForeignKey(SeverityLevel, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(
        max_length=15, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    environment = models.CharField(
        max_length=12, choices=Environment.choices, default=Environment.PRODUCTION
    )
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    detection_source = models.CharField(
        max_length=20, choices=DetectionSource.choices, default=DetectionSource.MANUAL
    )

    # Facts used by the classification rules.
    customers_affected_count = models.PositiveIntegerField(null=True, blank=True)
    customers_affected_pct = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    critical_flow_broken = models.BooleanField(default=False)
    production_outage = models.BooleanField(default=False)
    data_loss = models.BooleanField("confirmed data loss/leak", default=False)
    customer_facing = models.BooleanField(default=True)
    revenue_impact = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    revenue_currency = models.CharField(max_length=3, blank=True)

    # Written for customers: templates fill {what_is_broken} and {impact} from these,
    # never from the internal summary (which may name systems, people or guesses).
    what_is_broken = models.CharField(
        "what is broken (for customers)",
        max_length=200,
        blank=True,
        help_text="In customers' words, e.g. “card payments at checkout”.",
    )
    customer_impact = models.CharField(
        "customer-facing impact",
        max_length=300,
        blank=True,
        help_text="What customers experience, e.g. “failed payments and error pages”.",
    )
    # The playbooks' resolution e-mails say "Fix: {fix}. Prevention: {prevention}." and
    # had no source until the post-mortem (issue 26): the team writes them at resolution.
    customer_fix = models.CharField(
        "what fixed it (for customers)",
        max_length=300,
        blank=True,
        help_text="E.g. “we rolled back the payment service update”. Fills {fix}.",
    )
    customer_prevention = models.CharField(
        "what prevents it again (for customers)",
        max_length=300,
        blank=True,
        help_text="E.g. “every payment change is now canaried first”. Fills {prevention}.",
    )
    # Sample data from `make run DEMO=1`: never on the public status page, never paging.
    is_demo = models.BooleanField(default=False, editable=False)

    war_room_channel = models.CharField(max_length=80, blank=True)
    runbook_links = models.JSONField(default=list, blank=True)
    is_drill = models.BooleanField(default=False)
    # Imported from another tool's history: counts in metrics, never has live deadlines.
    is_historical = models.BooleanField(default=False)
    imported_from = models.CharField(
        max_length=120, blank=True, help_text="Source id, e.g. pagerduty:Q1ABC (historical)."
    )

    # Current role holders, denormalised from IncidentRoleAssignment for lists.
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Milestones (UTC).
    impact_started_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    declared_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Alerts attached by integrations (repeats counted), kept by the ingestion service.
    alert_count = models.PositiveIntegerField(default=0)

    # The earliest unmet deadline, kept by the services for countdowns and sweeps.
    next_deadline_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_deadline_kind = models.CharField(max_length=40, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-declared_at", "-id")
        indexes = [models.Index(fields=("status", "declared_at"), name="incident_status_declared")]
        constraints = [
            models.UniqueConstraint(
                fields=("imported_from",),
                condition=~models.Q(imported_from=""),
                name="incident_imported_from_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class IncidentRoleAssignment(models.Model):
    """Who held which role when; `relieved_at` is set when someone else takes it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(max_length=15, choices=IncidentRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    relieved_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("incident", "assigned_at", "id")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class StatusUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_updates")
    status = models.CharField(max_length=15, choices=IncidentStatus.choices)
    message = models.TextField(help_text="What we know.")
    next_steps = models.TextField(blank=True)
    eta = models.CharField(max_length=100, blank=True)
    public = models.BooleanField(default=False, help_text="Also shown on the public status page.")
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("incident", "posted_at", "id")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.message[:60]}"
