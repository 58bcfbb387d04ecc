"""Choices shared by the drill models, serializers, admin filters and commands."""

from django.db import models


class DrillStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class DrillStage(models.TextChoices):
    """The four timed stages of SPEC §9, in order."""

    DETECT = "detect", "Detect"
    TRIAGE = "triage", "Triage (acknowledged and classified)"
    MITIGATE = "mitigate", "Mitigate"
    NOTIFY = "notify", "Customers notified"
