"""Choices of the integrations app (the kinds of integration are the alert sources:
`incidents/integrations/sources/`)."""

from django.db import models


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
