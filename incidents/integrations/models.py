"""Integrations (where alerts come from), their alerts and recent changes (SPEC §6)."""

from __future__ import annotations

import secrets

from django.db import models

from incidents.integrations import sources
from incidents.integrations.choices import AlertStatus, MatchOperator
from incidents.models import Incident, Service


def new_integration_key() -> str:
    """32 hex characters, the shape of a PagerDuty routing key."""
    return secrets.token_hex(16)


class Integration(models.Model):
    """One sender (a Prometheus, a Sentry project, a PagerDuty-speaking tool…) and its key."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=15, choices=sources.kind_choices)
    key = models.CharField(
        max_length=64,
        unique=True,
        default=new_integration_key,
        editable=False,
        help_text="Secret: the routing key (PagerDuty) or the last part of the endpoint URL.",
    )
    # After a rotation with a grace period the old key keeps working until then.
    previous_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_key_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    client_secret = models.CharField(
        max_length=128,
        blank=True,
        help_text="Sentry: the integration's client secret, used to verify Sentry-Hook-Signature.",
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="integrations",
        help_text="Service attached to the incidents this integration opens.",
    )
    default_severity = models.CharField(
        max_length=20,
        blank=True,
        help_text="Level code (SEV-2, S1…) when no routing rule matches. Blank: from the sender's own severity.",
    )
    auto_resolve = models.BooleanField(
        default=False,
        help_text="Resolve the incident (not only mitigate) when all its alerts resolve.",
    )
    enabled = models.BooleanField(default=True)
    heartbeat_period = models.DurationField(
        null=True, blank=True, help_text="Heartbeat: expected ping interval."
    )
    heartbeat_grace = models.DurationField(
        null=True, blank=True, help_text="Heartbeat: tolerated lateness."
    )
    last_ping_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def key_hint(self) -> str:
        """Enough of the key to recognise it, never enough to use it."""
        return f"{self.key[:4]}…" if self.key else ""


class AlertRoutingRule(models.Model):
    """Which severity an integration's alert opens its incident at:
    `<path> <operator> <value> ⇒ severity`, tried in position order; the first match wins."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="routing_rules"
    )
    position = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(
        max_length=200, help_text="Dotted path into the payload: payload.severity, labels.severity…"
    )
    operator = models.CharField(
        max_length=8, choices=MatchOperator.choices, default=MatchOperator.EQUALS
    )
    value = models.CharField(max_length=200)
    severity = models.CharField(max_length=20, help_text="Level code, e.g. SEV-1.")

    class Meta:
        ordering = ("integration", "position", "id")

    def __str__(self) -> str:
        return f"{self.path} {self.operator} {self.value} ⇒ {self.severity}"


class Alert(models.Model):
    """One deduplicated alert: all events of (integration, dedup key) while it is open.

    `open_key` equals `dedup_key` while the alert is open and is NULL once it is
    resolved, so a FULL unique index on (integration, open_key) admits one open alert
    per key (NULLs never collide) and `INSERT … ON CONFLICT (integration_id, open_key)`
    can aim at it (it cannot aim at a partial index).
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alerts")
    dedup_key = models.CharField(max_length=255)
    # NULL (not "") once closed: NULLs never collide in the unique index.
    open_key = models.CharField(  # noqa: DJ001
        max_length=255, null=True, blank=True, editable=False
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    status = models.CharField(
        max_length=12, choices=AlertStatus.choices, default=AlertStatus.TRIGGERED
    )
    count = models.PositiveIntegerField(
        default=1, help_text="Trigger events received for this alert."
    )
    summary = models.CharField(max_length=1024, help_text="Summary of the latest event.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="The first event's payload.")
    # The sender's own severity (critical, error, warning, info) of the first trigger:
    # the engine, opening the incident in another process, chooses the level with it.
    severity_hint = models.CharField(max_length=10, blank=True, default="")
    opening = models.BooleanField(
        default=False,
        editable=False,
        help_text="Stored, its incident not declared yet (incidents/integrations/opening.py).",
    )

    class Meta:
        ordering = ("-last_seen_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("integration", "open_key"), name="alert_one_open_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=("integration", "dedup_key"), name="alert_integration_key"),
            # Alerts whose incident is being opened: few at any time, read by the
            # engine's opening loop and the minute task (`open_unopened_alerts`).
            models.Index(
                fields=("first_seen_at",), condition=models.Q(opening=True), name="alert_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration}: {self.dedup_key}"


class ChangeEvent(models.Model):
    """A change (deploy, config push) reported through PagerDuty's change events."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="changes")
    summary = models.CharField(max_length=1024)
    source = models.CharField(max_length=255, blank=True)
    happened_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField()
    custom_details = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-happened_at", "-id")

    def __str__(self) -> str:
        return self.summary[:80]


class IncidentChange(models.Model):
    """A recent change shown beside an incident: linked when the incident is declared."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="recent_changes")
    change = models.ForeignKey(ChangeEvent, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ("incident", "-change__happened_at")
        constraints = [
            models.UniqueConstraint(fields=("incident", "change"), name="incident_change_once")
        ]

    def __str__(self) -> str:
        return str(self.change)


class WebhookDelivery(models.Model):
    """Request-IDs already processed (Sentry resends): a second delivery is answered, not applied."""

    REQUEST_ID_MAX = 100

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    # Longer Request-IDs are stored hashed (storable.bounded_identifier), never cut.
    request_id = models.CharField(max_length=REQUEST_ID_MAX)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("integration", "request_id"), name="delivery_once"),
        ]

    def __str__(self) -> str:
        return self.request_id
