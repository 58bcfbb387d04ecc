"""Choices of the integrations app."""

from django.db import models

from incidents.choices import DetectionSource


class IntegrationKind(models.TextChoices):
    PAGERDUTY = "pagerduty", "PagerDuty Events API v2"
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    SENTRY = "sentry", "Sentry"
    UPTIME = "uptime", "Uptime monitor (Uptime Kuma)"
    HEARTBEAT = "heartbeat", "Heartbeat"


# How an incident opened by each kind says it was detected.
DETECTION_SOURCES = {
    IntegrationKind.PAGERDUTY: DetectionSource.MONITORING_ALERT,
    IntegrationKind.ALERTMANAGER: DetectionSource.MONITORING_ALERT,
    IntegrationKind.SENTRY: DetectionSource.ERROR_TRACKER,
    IntegrationKind.UPTIME: DetectionSource.UPTIME_CHECK,
    IntegrationKind.HEARTBEAT: DetectionSource.UPTIME_CHECK,
}


class AlertStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertAction(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESOLVE = "resolve", "Resolve"


class MatchOperator(models.TextChoices):
    EQUALS = "==", "=="
    NOT_EQUALS = "!=", "!="
    CONTAINS = "contains", "contains"
