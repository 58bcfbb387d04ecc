"""Choices of the on-call app."""

from django.db import models


class RotationKind(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    CUSTOM = "custom", "Every N hours"


class TargetKind(models.TextChoices):
    SCHEDULE = "schedule", "A schedule's current on-call (a layer, or every layer)"
    NEXT_IN_ROTATION = "next_in_rotation", "The next person in a layer's rotation"
    USER = "user", "A user"
    GROUP = "group", "A group"


class EscalationStatus(models.TextChoices):
    ACTIVE = "active", "Active (paging)"
    ACKNOWLEDGED = "acknowledged", "Stopped: acknowledged"
    STOPPED = "stopped", "Stopped: resolved or cancelled"
    EXHAUSTED = "exhausted", "Finished: nobody acknowledged"
